/**
 * A synchronous in-memory cluster for unit tests: messages are delivered in send order until the
 * cluster is quiescent, with per-link filters for partitions and message drops.
 */
import { MemoryStorage, seededRandom, type ConfState, type ElectionMode, type Member, type Message, type NodeId, type RaftConfigInput } from "../core";
import { SimNode, stepKnown, type SimNodeHooks } from "./node";

export interface ClusterOptions {
  mode?: ElectionMode;
  preVote?: boolean;
  checkQuorum?: boolean;
  electionTick?: number;
  seed?: number;
  snapshotEvery?: number;
  /** Writes an initial log or hard state into a node's storage before it starts. */
  preload?: (id: NodeId, storage: MemoryStorage) => void;
  /** Extra config per node. */
  tweak?: (id: NodeId) => Partial<RaftConfigInput>;
}

export type MessageFilter = (m: Message) => boolean;

export class Cluster {
  readonly nodes = new Map<NodeId, SimNode>();
  readonly queue: Message[] = [];
  /** Messages for which a filter returns true are dropped. */
  filters: MessageFilter[] = [];
  /** Every message delivered, for assertions on traffic. */
  delivered: Message[] = [];
  /** Messages sent by nodes (delivered or not). */
  sent = 0;
  readonly hooks: SimNodeHooks = {};

  constructor(members: Member[], readonly opts: ClusterOptions = {}) {
    const conf: ConfState = { members };
    for (const m of members) this.addNode(m.id, conf);
  }

  /** Adds a node; a joining node (conf undefined) starts with an empty log and configuration. */
  addNode(id: NodeId, conf?: ConfState): SimNode {
    const o = this.opts;
    const rnd = seededRandom((o.seed ?? 1) * 1009 + this.nodes.size * 7919 + 1);
    const cfg = (): RaftConfigInput => ({
      id,
      mode: o.mode ?? "improved",
      preVote: o.preVote ?? true,
      checkQuorum: o.checkQuorum ?? true,
      electionTick: o.electionTick ?? 10,
      random: rnd,
      ...(o.tweak?.(id) ?? {}),
    });
    const storage = new MemoryStorage(conf);
    o.preload?.(id, storage);
    const node = new SimNode(id, storage, cfg, o.snapshotEvery ?? 0);
    this.nodes.set(id, node);
    return node;
  }

  node(id: NodeId): SimNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  /** Processes readies and delivers messages until nothing is left to do. */
  settle(maxSteps = 100_000): void {
    for (let step = 0; step < maxSteps; step++) {
      let busy = false;
      for (const n of this.nodes.values()) {
        if (n.alive && n.raw.hasReady()) {
          n.handleReady((m) => {
            this.sent++;
            this.queue.push(m);
          }, this.hooks);
          busy = true;
        }
      }
      const m = this.queue.shift();
      if (m !== undefined) {
        busy = true;
        this.deliver(m);
      }
      if (!busy) return;
    }
    throw new Error("cluster did not settle");
  }

  private deliver(m: Message): void {
    const to = this.nodes.get(m.to);
    if (!to || !to.alive || !this.nodes.get(m.from)?.alive) return;
    if (this.filters.some((f) => f(m))) return;
    this.delivered.push(m);
    stepKnown(to.raw, m);
  }

  tick(n = 1): void {
    for (let i = 0; i < n; i++) {
      for (const node of this.nodes.values()) if (node.alive) node.raw.tick();
      this.settle();
    }
  }

  /** Cuts every link between `id` and the rest. */
  isolate(id: NodeId): void {
    this.filters.push((m) => m.from === id || m.to === id);
  }

  /** Splits the cluster in two groups that cannot talk to each other. */
  partition(a: NodeId[], b: NodeId[]): void {
    const A = new Set(a);
    const B = new Set(b);
    this.filters.push((m) => (A.has(m.from) && B.has(m.to)) || (B.has(m.from) && A.has(m.to)));
  }

  heal(): void {
    this.filters = [];
  }

  leaders(): NodeId[] {
    return [...this.nodes.values()].filter((n) => n.alive && n.raw.status().state === "leader").map((n) => n.id);
  }

  leader(): NodeId {
    const ls = this.leaders();
    if (ls.length !== 1) throw new Error(`expected one leader, found [${ls.join(",")}]`);
    return ls[0];
  }

  /** Ticks until some node leads (or `max` ticks pass); returns the leader or null. */
  tickUntilLeader(max = 200): NodeId | null {
    for (let i = 0; i < max; i++) {
      const ls = this.leaders();
      if (ls.length === 1) return ls[0];
      this.tick();
    }
    return this.leaders()[0] ?? null;
  }

  propose(id: NodeId, text: string): { index: number; term: number } {
    const ref = this.node(id).raw.propose(new TextEncoder().encode(text));
    this.settle();
    return ref;
  }
}
