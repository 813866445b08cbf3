/**
 * The Ready loop: the part of a node that orders writes, sends and applies. The orderer node runs
 * it over FileStorage and its transport; the simulator runs this same code over a simulated disk
 * and network, so a reordering bug here shows up in the simulation.
 */
import { decodeConfChange, type ConfState, type Entry, type HardState, type Message, type NodeId, type RawNode, type Ready, type Snapshot, type SoftState, type StateType } from "../core";

/** Told when background-saved entries up to `lastIndex` are durable, or that the write failed. */
export type DurableCallback = (err: Error | null, lastIndex: number) => void;

/** Where the loop writes: `FileStorage` in the orderer, `SimDisk` in the simulator. */
export interface ReadyDisk {
  /** Snapshot, entries and hard state, durable when it returns. A throw means the write may be partial. */
  save(hardState: HardState | undefined, entries: Entry[], snapshot?: Snapshot): void;
  /** Entries and hard state, readable when it returns and durable once `onDurable` says so. */
  saveInBackground(hardState: HardState | undefined, entries: Entry[], onDurable: DurableCallback): void;
}

/** What the loop hands to the rest of the node. */
export interface ReadyHandlers {
  /** Best effort: Raft tolerates lost messages. */
  send(messages: Message[]): void;
  onSoftState?(soft: SoftState): void;
  onHardState?(hs: HardState): void;
  installSnapshot(snap: Snapshot): void;
  /** A committed entry, in log order; a configuration entry after the core applied it (`conf`). */
  apply(entry: Entry, conf: ConfState | undefined): void;
  /** A background save became durable (or failed); the node then calls `raw.synced` or stops. */
  onDurable: DurableCallback;
}

export interface ReadyLoopOptions {
  id: NodeId;
  /** The leader's own appends may be fsynced in the background (thesis §10.2.1). */
  backgroundSync: boolean;
  /** Term and vote as the disk holds them now. */
  durable: { term: number; vote: NodeId | null };
}

export class ReadyLoop {
  private state: StateType = "follower";
  /** Term and vote as last written. */
  private synced: { term: number; vote: NodeId | null };
  /** The newest hard state the core reported, and the commit index last written with one. */
  private hard: HardState | undefined;
  private syncedCommit = 0;

  constructor(
    private readonly raw: RawNode,
    private readonly disk: ReadyDisk,
    private readonly handlers: ReadyHandlers,
    private readonly opts: ReadyLoopOptions,
  ) {
    this.synced = { ...opts.durable };
  }

  /**
   * Handles every pending Ready. What a save throws propagates, with that Ready neither sent nor
   * advanced: the node must stop (a failed fsync is never retried).
   */
  drain(): void {
    while (this.raw.hasReady()) this.step();
  }

  /** Handles one Ready: the simulator interleaves nodes a Ready at a time. */
  step(): Ready {
    const rd = this.raw.ready();
    const synced = this.handle(rd);
    this.raw.advance(rd, { synced });
    return rd;
  }

  /** Persists, sends and applies one Ready; false when its entries are written but not yet durable. */
  private handle(rd: Ready): boolean {
    if (rd.softState !== undefined) {
      this.state = rd.softState.state;
      this.handlers.onSoftState?.(rd.softState);
    }
    // Durable first: a vote or an appended entry must survive a crash before any message that
    // reveals it leaves this node (the core's `rd.mustSync`).
    if (rd.hardState !== undefined) this.hard = rd.hardState;
    // Except before a configuration change takes effect: a node that forgot, in a crash, the commit
    // of a change it had applied would fall back to the older configuration, whose quorum may need
    // a removed node that its operator has already stopped (the simulator found this deadlock).
    const confCommitted = rd.committedEntries.some((e) => e.type === "config") && (this.hard?.commit ?? 0) > this.syncedCommit;
    const hs = confCommitted ? this.hard : rd.hardState;
    const termOrVoteChange = hs !== undefined && (hs.term !== this.synced.term || hs.vote !== this.synced.vote);
    const mustSync = rd.mustSync || confCommitted;
    // Thesis §10.2.1: a leader whose term and vote are already durable sends its appends and
    // heartbeats before writing the same entries itself, so the followers' writes overlap its own.
    // The core counts the leader toward a commit only once its write is durable (advance(), or
    // synced() after a background save). Everything else (responses, votes, snapshots, anything
    // from a non-leader) still waits.
    let messages = rd.messages;
    const leaderAppend = mustSync && this.state === "leader" && !termOrVoteChange && rd.snapshot === undefined;
    if (leaderAppend) {
      const early: Message[] = [];
      const late: Message[] = [];
      for (const m of messages) {
        const replication = m.type === "append" || m.type === "heartbeat";
        (replication && m.to !== this.opts.id && m.term === this.synced.term ? early : late).push(m);
      }
      this.send(early);
      messages = late;
    }
    // The leader's own copy may become durable in the background: it counts toward a commit only
    // once `synced()` says so, and two followers' durable copies commit without it meanwhile.
    const background = leaderAppend && rd.entries.length > 0 && this.opts.backgroundSync && !confCommitted;
    if (background) this.disk.saveInBackground(hs, rd.entries, this.handlers.onDurable);
    else if (mustSync) this.disk.save(hs, rd.entries, rd.snapshot);
    if (mustSync && hs !== undefined) {
      this.synced = { term: hs.term, vote: hs.vote };
      if (!background) this.syncedCommit = hs.commit;
    }
    if (hs !== undefined) this.handlers.onHardState?.(hs);
    if (rd.snapshot !== undefined) this.handlers.installSnapshot(rd.snapshot);
    this.send(messages);
    for (const e of rd.committedEntries) {
      const conf = e.type === "config" ? this.raw.applyConfChange(decodeConfChange(e.data)) : undefined;
      this.handlers.apply(e, conf);
    }
    return !background;
  }

  private send(messages: Message[]): void {
    if (messages.length === 0) return;
    this.handlers.send(messages);
    // The transport took the snapshot: the leader probes the follower again rather than wait for
    // an answer that a lost snapshot would never bring.
    for (const m of messages) if (m.type === "snapshot") this.raw.reportSnapshot(m.to, true);
  }
}
