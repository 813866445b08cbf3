/**
 * The log storage the core reads from (etcd-io/raft's `Storage`). The core never writes to it:
 * the driver persists what `Ready` hands out (hard state, entries, snapshot) and then calls
 * `advance()`. Implementations: `MemoryStorage` below (tests, simulation) and the file-backed WAL.
 *
 * Conventions shared by every implementation:
 * - The log starts right after a snapshot. `firstIndex()` is snapshot.index + 1 and `term(snapshot.index)`
 *   answers the snapshot's term; anything older throws `CompactedError`.
 * - Indices beyond `lastIndex()` throw `UnavailableError` from `entries` and `term`.
 * - A freshly bootstrapped cluster starts from `bootstrapSnapshot(conf)`: a snapshot at index 1, term 1
 *   carrying the initial configuration, so nodes that join later learn it by snapshot install.
 * - `initialState().conf` is the configuration as of the snapshot; configuration entries after it
 *   are re-applied by the driver (through `RawNode.applyConfChange`) as they are applied again.
 */
import { CompactedError, SnapshotOutOfDateError, UnavailableError } from "./errors";
import { windowEntries, windowFirstIndex, windowLastIndex, windowTerm } from "./entry-window";
import type { ConfState, Entry, HardState, Snapshot } from "./types";

export interface Storage {
  initialState(): { hardState: HardState; conf: ConfState };
  /** Entries in [lo, hi). */
  entries(lo: number, hi: number): Entry[];
  term(i: number): number;
  firstIndex(): number;
  lastIndex(): number;
  snapshot(): Snapshot;
}

export const emptyHardState = (): HardState => ({ term: 0, vote: null, commit: 0 });

export function cloneConf(conf: ConfState): ConfState {
  const out: ConfState = { members: conf.members.map((m) => ({ ...m })) };
  if (conf.pool !== undefined) out.pool = [...conf.pool];
  return out;
}

/** The snapshot a new cluster starts from: index 1, term 1, the initial configuration, no data. */
export function bootstrapSnapshot(conf: ConfState): Snapshot {
  return { meta: { index: 1, term: 1, conf: cloneConf(conf) }, data: new Uint8Array(0) };
}

export class MemoryStorage implements Storage {
  private hardState: HardState = emptyHardState();
  private snap: Snapshot = { meta: { index: 0, term: 0, conf: { members: [] } }, data: new Uint8Array(0) };
  /** ents[0] is a dummy standing for the snapshot position (its index and term). */
  private ents: Entry[] = [{ term: 0, index: 0, type: "normal", data: new Uint8Array(0) }];

  /** With `conf`, the storage is bootstrapped from `bootstrapSnapshot(conf)` (hard state term 1). */
  constructor(conf?: ConfState) {
    if (conf !== undefined) {
      this.applySnapshot(bootstrapSnapshot(conf));
      this.hardState = { term: 1, vote: null, commit: 1 };
    }
  }

  initialState(): { hardState: HardState; conf: ConfState } {
    return { hardState: { ...this.hardState }, conf: cloneConf(this.snap.meta.conf) };
  }

  setHardState(hs: HardState): void {
    this.hardState = { ...hs };
  }

  entries(lo: number, hi: number): Entry[] {
    return windowEntries(this.ents, lo, hi);
  }

  term(i: number): number {
    return windowTerm(this.ents, i);
  }

  firstIndex(): number {
    return windowFirstIndex(this.ents);
  }

  lastIndex(): number {
    return windowLastIndex(this.ents);
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces the whole log with `snap` (snapshot install). */
  applySnapshot(snap: Snapshot): void {
    if (snap.meta.index < this.snap.meta.index) {
      throw new SnapshotOutOfDateError(`snapshot ${snap.meta.index} is older than ${this.snap.meta.index}`);
    }
    this.snap = { meta: { ...snap.meta, conf: cloneConf(snap.meta.conf) }, data: snap.data };
    this.ents = [{ term: snap.meta.term, index: snap.meta.index, type: "normal", data: new Uint8Array(0) }];
  }

  /**
   * Records a snapshot of the state machine as of `index` (which must be applied, hence in the log);
   * `conf` is the configuration in force after applying `index`. Does not compact: call `compact`.
   */
  createSnapshot(index: number, conf: ConfState, data: Uint8Array): Snapshot {
    if (index <= this.snap.meta.index) {
      throw new SnapshotOutOfDateError(`snapshot ${index} is not newer than ${this.snap.meta.index}`);
    }
    if (index > this.lastIndex()) throw new UnavailableError(index);
    this.snap = { meta: { index, term: this.term(index), conf: cloneConf(conf) }, data };
    return this.snap;
  }

  /** Discards entries up to and including `compactIndex` (keeps it as the dummy position). */
  compact(compactIndex: number): void {
    const offset = this.ents[0].index;
    if (compactIndex <= offset) throw new CompactedError(compactIndex);
    if (compactIndex > this.lastIndex()) throw new UnavailableError(compactIndex);
    const i = compactIndex - offset;
    const head: Entry = { term: this.ents[i].term, index: compactIndex, type: "normal", data: new Uint8Array(0) };
    this.ents = [head, ...this.ents.slice(i + 1)];
  }

  /**
   * Drops every entry after `index` (never below the snapshot): what a crash leaves when writes
   * after `index` never reached the disk. The simulator uses it for a leader's unsynced write.
   */
  truncateAfter(index: number): void {
    const keep = Math.max(index, this.ents[0].index) - this.ents[0].index + 1;
    if (keep < this.ents.length) this.ents = this.ents.slice(0, keep);
  }

  /**
   * Appends entries, truncating any conflicting suffix (entries must be contiguous and start no later
   * than lastIndex + 1). Entries that are already compacted are skipped.
   */
  append(entries: Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const last = entries[0].index + entries.length - 1;
    if (last < first) return;
    const ents = first > entries[0].index ? entries.slice(first - entries[0].index) : entries;
    const offset = ents[0].index - this.ents[0].index;
    if (offset > this.ents.length) {
      throw new UnavailableError(ents[0].index, { cause: `missing log entry before ${ents[0].index}` });
    }
    this.ents = [...this.ents.slice(0, offset), ...ents];
  }
}
