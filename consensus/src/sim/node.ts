/**
 * A simulated node: the orderer's own Ready loop (`node/ready-loop.ts`) driving a RawNode over a
 * simulated disk (`SimDisk`, a MemoryStorage that survives crashes), with an in-memory state
 * machine rebuilt from the latest snapshot on restart. Only the I/O underneath differs from the
 * orderer node: the disk, the network (the simulator's) and the clock (the simulator's ticks).
 */
import { cloneConf, decodeConfChange, MemoryStorage, RawNode, StepPeerNotFoundError, type ConfState, type Entry, type Message, type NodeId, type RaftConfigInput, type Ready, type Snapshot } from "../core";
import { ReadyLoop } from "../node/ready-loop";
import { SimCrash, SimDisk } from "./disk";

/** Steps `m` into `raw`, dropping a response from a node outside the configuration as the production node does. */
export function stepKnown(raw: RawNode, m: Message): void {
  try {
    raw.step(m);
  } catch (err) {
    if (!(err instanceof StepPeerNotFoundError)) throw err;
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** The replicated state machine: the ordered list of entry keys applied so far. */
export interface MachineState {
  index: number;
  keys: string[];
}

export function entryKey(e: Entry): string {
  if (e.type === "config") return `cc:${dec.decode(e.data)}`;
  return e.data.length === 0 ? `noop@${e.term}` : dec.decode(e.data);
}

export interface ApplyEvent {
  node: NodeId;
  entry: Entry;
  key: string;
}

export interface SimNodeHooks {
  /** Called after entries are durable, with the log as now stored (for log-matching checks). */
  onPersisted?(node: SimNode, entries: Entry[], snapshot?: Snapshot): void;
  onApply?(ev: ApplyEvent): void;
  onLeader?(node: SimNode, term: number): void;
  /** The node became a (pre-)candidate. */
  onCampaign?(node: SimNode): void;
}

export class SimNode {
  raw: RawNode;
  sm: MachineState = { index: 0, keys: [] };
  conf: ConfState;
  alive = true;
  incarnation = 0;
  /** The last configuration change about this node that it applied removed it. */
  removed = false;
  /** The index of the newest configuration entry this node applied (a restart must not forget it). */
  confAppliedAt = 0;
  private background = false;
  readonly disk: SimDisk;
  /** Unsynced leader writes; Readies that applied entries their leader's own copy held unsynced; crashes that lost writes. */
  readonly syncStats = { unsyncedWrites: 0, committedBeforeOwnSync: 0, lostInCrash: 0 };
  private loop: ReadyLoop;
  /** Where the current Ready's messages and events go (set per `handleReady`). */
  private out: { send: (m: Message) => void; hooks: SimNodeHooks } = { send: () => {}, hooks: {} };
  private appliedUnsynced = false;
  /** Messages the current Ready may still send before the node dies (undefined: no crash). */
  private sendLimit: number | undefined;
  /** The last term this node was reported to lead in (`SimNodeHooks.onLeader`). */
  private leaderTerm = 0;

  constructor(
    readonly id: NodeId,
    readonly storage: MemoryStorage,
    private readonly cfg: () => RaftConfigInput,
    readonly snapshotEvery = 0,
  ) {
    this.disk = new SimDisk(storage, (entries, snapshot) => this.out.hooks.onPersisted?.(this, entries, snapshot));
    this.raw = new RawNode(cfg(), storage);
    this.loop = this.newLoop();
    this.conf = this.restoreMachine();
  }

  /**
   * As leader, fsync the own appends in the background, as the orderer does with `storage.fsync`:
   * the Ready is advanced unsynced and `completeSync()` (the simulator's clock) makes it durable.
   * Set before the node handles its first Ready.
   */
  get asyncLeaderWrites(): boolean {
    return this.background;
  }

  set asyncLeaderWrites(on: boolean) {
    this.background = on;
    this.loop = this.newLoop();
  }

  private newLoop(): ReadyLoop {
    const hs = this.storage.initialState().hardState;
    return new ReadyLoop(
      this.raw,
      this.disk,
      {
        send: (messages) => {
          for (const m of messages) {
            if (this.sendLimit !== undefined && this.sendLimit-- <= 0) throw new SimCrash("crashed while sending");
            this.out.send(m);
          }
        },
        installSnapshot: (s) => this.installSnapshot(s),
        apply: (e, conf) => this.apply(e, conf),
        onDurable: (err, lastIndex) => {
          if (err !== null) throw err;
          this.raw.synced(lastIndex);
        },
      },
      { id: this.id, backgroundSync: this.background, durable: { term: hs.term, vote: hs.vote } },
    );
  }

  private restoreMachine(): ConfState {
    const snap = this.storage.snapshot();
    this.sm = snap.data.length > 0 ? (JSON.parse(dec.decode(snap.data)) as MachineState) : { index: snap.meta.index, keys: [] };
    return cloneConf(snap.meta.conf);
  }

  /**
   * Stops the node. Background writes may not have reached the disk: `keep` (0 to 1) is the share
   * of them, oldest first, that did; the log and hard state roll back to what preceded the first lost.
   */
  crash(keep = 0): void {
    this.alive = false;
    const lost = this.disk.stats.lostInCrash;
    this.disk.crash(keep);
    this.syncStats.lostInCrash += this.disk.stats.lostInCrash - lost;
  }

  get syncInFlight(): boolean {
    return this.disk.syncInFlight;
  }

  /** The oldest `count` unsynced writes (all by default) are durable now. */
  completeSync(count?: number): void {
    this.disk.completeSync(count);
  }

  restart(): void {
    this.alive = true;
    this.incarnation++;
    this.disk.reopen();
    this.raw = new RawNode(this.cfg(), this.storage);
    this.loop = this.newLoop();
    this.conf = this.restoreMachine();
  }

  /**
   * Handles one Ready through the shared loop. With `crash.tornAt` set the node crashes in it: the
   * write keeps only its first `tornAt` records (snapshot, entries..., hard state; all of them = a
   * crash between the write and the sends after it); a Ready without a write crashes once handled.
   * With `crash.afterSends` set, the node dies when it has sent that many of the Ready's messages
   * (in the order the loop sends them), if it has more to send.
   */
  handleReady(send: (m: Message) => void, hooks: SimNodeHooks, crash: { tornAt?: number; afterSends?: number } = {}): Ready | undefined {
    this.out = { send, hooks };
    this.disk.crashAt = crash.tornAt;
    this.sendLimit = crash.afterSends;
    const unsyncedBefore = this.disk.stats.unsyncedWrites;
    this.appliedUnsynced = false;
    let rd: Ready;
    try {
      rd = this.loop.step();
    } catch (e) {
      if (!(e instanceof SimCrash)) throw e;
      // A node that won its election and died in the same Ready still led (election safety).
      this.reportLeader(hooks);
      this.crash();
      return undefined;
    } finally {
      this.sendLimit = undefined;
    }
    this.syncStats.unsyncedWrites += this.disk.stats.unsyncedWrites - unsyncedBefore;
    if (this.appliedUnsynced) this.syncStats.committedBeforeOwnSync++;
    if (rd.softState?.state === "leader") this.reportLeader(hooks);
    if (this.disk.crashAt !== undefined) {
      this.crash();
      return rd;
    }
    if (rd.softState?.state === "preCandidate" || rd.softState?.state === "candidate") hooks.onCampaign?.(this);
    this.maybeSnapshot();
    return rd;
  }

  private reportLeader(hooks: SimNodeHooks): void {
    if (!this.raw.isLeader) return;
    const term = this.raw.status().term;
    if (term === this.leaderTerm) return;
    this.leaderTerm = term;
    hooks.onLeader?.(this, term);
  }

  private installSnapshot(s: Snapshot): void {
    this.sm = s.data.length > 0 ? (JSON.parse(dec.decode(s.data)) as MachineState) : { index: s.meta.index, keys: [] };
    this.sm.index = s.meta.index;
    this.conf = cloneConf(s.meta.conf);
  }

  private apply(e: Entry, conf: ConfState | undefined): void {
    if (e.index !== this.sm.index + 1) throw new Error(`${this.id} applies ${e.index} after ${this.sm.index}`);
    const from = this.disk.unsyncedFrom;
    if (from !== undefined && e.index >= from) this.appliedUnsynced = true;
    if (conf !== undefined) {
      this.conf = conf;
      this.confAppliedAt = e.index;
      // Only a removal of this very node flags it; being (re-)added clears the flag.
      if (decodeConfChange(e.data).id === this.id) this.removed = !conf.members.some((m) => m.id === this.id);
    }
    const key = entryKey(e);
    this.sm.keys.push(key);
    this.sm.index = e.index;
    this.out.hooks.onApply?.({ node: this.id, entry: e, key });
  }

  private maybeSnapshot(): void {
    if (this.snapshotEvery <= 0) return;
    const snapIndex = this.storage.snapshot().meta.index;
    if (this.sm.index - snapIndex < this.snapshotEvery) return;
    this.storage.createSnapshot(this.sm.index, this.conf, enc.encode(JSON.stringify(this.sm)));
    // Compact right up to the snapshot: the log restarts where the snapshot ends, and followers
    // behind it exercise snapshot install.
    this.storage.compact(this.sm.index);
  }
}
