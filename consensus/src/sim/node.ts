/**
 * A simulated node: a RawNode over a MemoryStorage that survives crashes (the "disk") plus an
 * in-memory state machine rebuilt from the latest snapshot on restart. Ready handling follows the
 * core's contract: persist, then send, then apply, then advance.
 */
import { decodeConfChange } from "../core/membership";
import { RawNode } from "../core/rawnode";
import { MemoryStorage, cloneConf } from "../core/storage";
import type { RaftConfigInput } from "../core/config";
import type { ConfState, Entry, HardState, Message, NodeId, Ready, Snapshot } from "../core/types";

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
  /**
   * As leader, leave writes unsynced for a while (the orderer's background leader fsync): the
   * entries are in storage, `advance` says `synced: false`, and `completeSync()` comes later. Any
   * other Ready that must be durable first makes every earlier write durable (the orderer fsyncs
   * the whole log in order), as does a sync the simulator completes.
   */
  asyncLeaderWrites = false;
  /** Per unsynced write, oldest first: what the disk held before it, and its last index. */
  private unsynced: Array<{ before: { lastIndex: number; hardState: HardState }; lastIndex: number }> = [];
  /** Unsynced leader writes; entries committed while their leader's own copy was unsynced; writes lost in a crash. */
  readonly syncStats = { unsyncedWrites: 0, committedBeforeOwnSync: 0, lostInCrash: 0 };

  constructor(
    readonly id: NodeId,
    readonly storage: MemoryStorage,
    private readonly cfg: () => RaftConfigInput,
    readonly snapshotEvery = 0,
  ) {
    this.raw = new RawNode(cfg(), storage);
    this.conf = this.restoreMachine();
  }

  private restoreMachine(): ConfState {
    const snap = this.storage.snapshot();
    this.sm = snap.data.length > 0 ? (JSON.parse(dec.decode(snap.data)) as MachineState) : { index: snap.meta.index, keys: [] };
    return cloneConf(snap.meta.conf);
  }

  /**
   * Stops the node. Unsynced writes may not have reached the disk: `keep` (0 to 1) is the share of
   * them, oldest first, that did; the log and hard state roll back to what preceded the first lost.
   */
  crash(keep = 0): void {
    this.alive = false;
    const u = this.unsynced;
    this.unsynced = [];
    const kept = Math.min(u.length, Math.floor(keep * (u.length + 1)));
    if (kept === u.length) return;
    this.syncStats.lostInCrash++;
    const { lastIndex, hardState } = u[kept]!.before;
    const snapIndex = this.storage.snapshot().meta.index;
    this.storage.truncateAfter(lastIndex);
    this.storage.setHardState({ ...hardState, commit: Math.max(hardState.commit, snapIndex) });
  }

  get syncInFlight(): boolean {
    return this.unsynced.length > 0;
  }

  /** The oldest `count` unsynced writes (all by default) are durable now. */
  completeSync(count = this.unsynced.length): void {
    if (count <= 0 || this.unsynced.length === 0) return;
    const done = this.unsynced.splice(0, count);
    this.raw.synced(done[done.length - 1]!.lastIndex);
  }

  restart(): void {
    this.alive = true;
    this.incarnation++;
    this.raw = new RawNode(this.cfg(), this.storage);
    this.conf = this.restoreMachine();
  }

  /**
   * Handles one Ready. With `tornAt` set, the node crashes mid-write: only the first `tornAt`
   * records (snapshot, entries..., hard state) reach the disk and nothing is sent or applied.
   */
  handleReady(send: (m: Message) => void, hooks: SimNodeHooks, tornAt?: number): Ready {
    const rd = this.raw.ready();
    if (tornAt !== undefined) {
      this.persist(rd, tornAt, hooks);
      this.crash();
      return rd;
    }
    const before = { lastIndex: this.storage.lastIndex(), hardState: this.storage.initialState().hardState };
    const hs = rd.hardState;
    const termOrVote = hs !== undefined && (hs.term !== before.hardState.term || hs.vote !== before.hardState.vote);
    const durable = rd.entries.length > 0 || rd.snapshot !== undefined || termOrVote;
    // The orderer's rule: only a leader's write of entries, with no snapshot, term or vote in it.
    const unsynced =
      this.asyncLeaderWrites && rd.entries.length > 0 && rd.snapshot === undefined && !termOrVote && this.raw.status().state === "leader";
    // A durable write flushes the whole log, unsynced writes before it included.
    if (durable && !unsynced) this.unsynced = [];
    const oldest = this.unsynced[0];
    if (oldest !== undefined && rd.committedEntries.some((e) => e.index > oldest.before.lastIndex)) this.syncStats.committedBeforeOwnSync++;
    this.persist(rd, Infinity, hooks);
    if (unsynced) {
      this.unsynced.push({ before, lastIndex: this.storage.lastIndex() });
      this.syncStats.unsyncedWrites++;
    }
    if (rd.softState?.state === "leader") hooks.onLeader?.(this, this.raw.status().term);
    if (rd.softState?.state === "preCandidate" || rd.softState?.state === "candidate") hooks.onCampaign?.(this);
    for (const m of rd.messages) send(m);
    if (rd.snapshot) this.installSnapshot(rd.snapshot);
    for (const e of rd.committedEntries) this.apply(e, hooks);
    this.raw.advance(rd, { synced: !unsynced });
    this.maybeSnapshot();
    return rd;
  }

  private persist(rd: Ready, records: number, hooks: SimNodeHooks): void {
    let left = records;
    if (rd.snapshot && left-- > 0) this.storage.applySnapshot(rd.snapshot);
    const ents = rd.entries.slice(0, Math.max(0, Math.min(rd.entries.length, left)));
    left -= ents.length;
    this.storage.append(ents);
    if (rd.hardState && left-- > 0) this.storage.setHardState(rd.hardState);
    if (ents.length > 0 || rd.snapshot) hooks.onPersisted?.(this, ents, rd.snapshot);
  }

  private installSnapshot(s: Snapshot): void {
    this.sm = s.data.length > 0 ? (JSON.parse(dec.decode(s.data)) as MachineState) : { index: s.meta.index, keys: [] };
    this.sm.index = s.meta.index;
    this.conf = cloneConf(s.meta.conf);
  }

  private apply(e: Entry, hooks: SimNodeHooks): void {
    if (e.index !== this.sm.index + 1) throw new Error(`${this.id} applies ${e.index} after ${this.sm.index}`);
    if (e.type === "config") {
      const cc = decodeConfChange(e.data);
      this.conf = this.raw.applyConfChange(cc);
      // Only a removal of this very node flags it; being (re-)added clears the flag.
      if (cc.id === this.id) this.removed = !this.conf.members.some((m) => m.id === this.id);
    }
    const key = entryKey(e);
    this.sm.keys.push(key);
    this.sm.index = e.index;
    hooks.onApply?.({ node: this.id, entry: e, key });
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
