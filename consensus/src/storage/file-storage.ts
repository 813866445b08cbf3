import path from "node:path";
import { bootstrapSnapshot, cloneConf, CompactedError, emptyHardState, SnapshotOutOfDateError, UnavailableError, windowEntries, windowFirstIndex, windowLastIndex, windowTerm, type ConfState, type Entry, type HardState, type Snapshot, type Storage } from "../core";
import { decodeLogBase, decodeSave, encodeLogBase, encodeSave, RecordType } from "./codec";
import { StorageClosedError, StorageError, WalCorruptionError } from "./errors";
import type { RawRecord } from "./record";
import { DirLock } from "./dir-lock";
import { SnapshotStore } from "./snapshot-store";
import { Wal, type WalOptions, type WalRecord, type WalRecovery, type WalStats } from "./wal";

export interface FileStorageOptions extends WalOptions {
  /** Bootstraps a brand-new data dir from `bootstrapSnapshot(initialConf)`, like `new MemoryStorage(conf)`. */
  initialConf?: ConfState;
}

/** Entries per WAL record when a save is split; keeps each record well under the record size cap. */
const SPLIT_BYTES = 32 * 1024 * 1024;

/** Told when background-saved entries up to `lastIndex` are durable, or that the WAL failed. */
export type DurableListener = (err: StorageError | null, lastIndex: number) => void;

const dummy = (index: number, term: number): Entry => ({ index, term, type: "normal", data: new Uint8Array(0) });

/**
 * The core's `Storage`, durable: entries and hard state go to the WAL (`<dir>/wal`), snapshots to
 * `<dir>/snap`. Reads are served from memory (entries since the last compaction), exactly like
 * `MemoryStorage`, whose semantics this mirrors. Every mutating call but `saveInBackground` is durable
 * when it returns.
 */
export class FileStorage implements Storage {
  private hs: HardState = emptyHardState();
  private snap: Snapshot = { meta: { index: 0, term: 0, conf: { members: [] } }, data: new Uint8Array(0) };
  /** ents[0] is a dummy at the snapshot (or compaction) position. */
  private ents: Entry[] = [dummy(0, 0)];
  private closed = false;
  private readonly wal: Wal;
  private readonly snaps: SnapshotStore;
  private readonly lock: DirLock;
  /** Per WAL segment: the last log index when it was created (from its SegmentStart record). */
  private readonly segmentPrev = new Map<number, number>();
  /** Whether the WAL held anything beyond empty segment headers when opened. */
  private replayedState = false;
  /** What recovery repaired on open (a torn final record), for the daemon to log. */
  readonly recovery: WalRecovery["truncated"];
  /** Records of `saveInBackground` applied in memory but not yet written (a background sync was running). */
  private staged: RawRecord[] = [];
  /** The WAL's log position and hard state while memory runs ahead of it (`staged` not empty). */
  private walState: { index: number; term: number; hs: HardState } | null = null;
  private syncing = false;
  private onDurable: DurableListener | null = null;

  private constructor(
    readonly dir: string,
    opts: FileStorageOptions,
  ) {
    this.lock = DirLock.acquire(dir);
    let wal: Wal | null = null;
    let recovery: WalRecovery;
    let loaded: Snapshot | null;
    try {
      this.snaps = new SnapshotStore(path.join(dir, "snap"), opts.fsync ?? true);
      loaded = this.snaps.loadLatest();
      ({ wal, recovery } = Wal.open(path.join(dir, "wal"), { ...opts, segmentHeader: (seq) => this.segmentHeader(seq) }));
      this.replay(recovery.records);
      if (loaded !== null) this.reconcile(loaded);
    } catch (err) {
      wal?.close();
      this.lock.release();
      throw err;
    }
    this.wal = wal;
    this.recovery = recovery.truncated;
    // A WAL without state means nothing was ever acknowledged, so bootstrapping (again) is safe.
    if (!this.replayedState && opts.initialConf !== undefined && (loaded?.meta.index ?? 0) <= 1) {
      this.bootstrap(bootstrapSnapshot(opts.initialConf));
    }
  }

  /** Opens the data dir, recovering state after a crash. Throws on corruption it must not repair. */
  static open(dir: string, opts: FileStorageOptions = {}): FileStorage {
    return new FileStorage(dir, opts);
  }

  initialState(): { hardState: HardState; conf: ConfState } {
    return { hardState: { ...this.hs }, conf: cloneConf(this.snap.meta.conf) };
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

  /**
   * Persists one Ready's worth: the snapshot (if any) first, then entries and hard state in one
   * WAL write, fsync'd before returning. Entries overwrite a conflicting suffix of the log.
   */
  save(hardState: HardState | null | undefined, entries: Entry[], snapshot?: Snapshot): void {
    this.checkOpen();
    if (snapshot !== undefined && snapshot.meta.index > 0) this.applySnapshot(snapshot);
    const ents = this.checkedEntries(entries);
    const hs = hardState ?? null;
    if (hs === null && ents.length === 0) return;
    this.writeRecords(saveRecords(hs, ents), true);
    if (hs !== null) this.hs = { ...hs };
    this.appendInMemory(ents);
  }

  /**
   * Like `save` without a snapshot, but returns once the records are written, before they are
   * durable: reads serve them at once, and `onDurable(null, lastIndex)` follows when an fsync on
   * libuv's thread pool has made everything up to `lastIndex` durable. One background sync runs at
   * a time; saves made meanwhile are held in memory and written when it completes, so only the
   * newest write can be torn by a power loss. A `save` writes and syncs whatever is held first.
   */
  saveInBackground(hardState: HardState | null | undefined, entries: Entry[], onDurable: DurableListener): void {
    this.checkOpen();
    const ents = this.checkedEntries(entries);
    const hs = hardState ?? null;
    if (hs === null && ents.length === 0) return;
    if (this.walState === null) {
      const last = this.lastIndex();
      this.walState = { index: last, term: this.term(last), hs: { ...this.hs } };
    }
    this.staged.push(...saveRecords(hs, ents));
    if (hs !== null) this.hs = { ...hs };
    this.appendInMemory(ents);
    this.onDurable = onDurable;
    if (!this.syncing) this.flushStaged();
  }

  private flushStaged(): void {
    if (this.staged.length === 0) return;
    const upTo = this.lastIndex();
    this.writeRecords([], false);
    this.syncing = true;
    this.wal.syncInBackground((err) => {
      this.syncing = false;
      if (this.closed) return;
      this.onDurable?.(err, upTo);
      if (err === null) this.flushStaged();
    });
  }

  /** Writes held records first, then `records`, in one write; memory matches the WAL afterwards. */
  private writeRecords(records: RawRecord[], sync: boolean): void {
    const all = this.staged.length > 0 ? [...this.staged, ...records] : records;
    if (sync) this.wal.append(all);
    else this.wal.write(all);
    this.staged = [];
    this.walState = null;
  }

  private checkedEntries(entries: Entry[]): Entry[] {
    const ents = this.trimCompacted(entries);
    if (ents.length > 0 && ents[0].index > this.lastIndex() + 1) {
      throw new UnavailableError(ents[0].index, { cause: `missing log entry before ${ents[0].index}` });
    }
    return ents;
  }

  /** Installs a snapshot: durable on disk, and the whole log replaced by it. */
  applySnapshot(snap: Snapshot): void {
    this.checkOpen();
    if (snap.meta.index < this.snap.meta.index) {
      throw new SnapshotOutOfDateError(`snapshot ${snap.meta.index} is older than ${this.snap.meta.index}`);
    }
    this.snaps.save(snap);
    this.writeRecords([logBase(snap.meta.index, snap.meta.term)], true);
    this.snap = { meta: { ...snap.meta, conf: cloneConf(snap.meta.conf) }, data: snap.data };
    this.ents = [dummy(snap.meta.index, snap.meta.term)];
  }

  /** Records (durably) a snapshot of the state machine as of applied `index`. Does not compact. */
  createSnapshot(index: number, conf: ConfState, data: Uint8Array): Snapshot {
    this.checkOpen();
    if (index <= this.snap.meta.index) {
      throw new SnapshotOutOfDateError(`snapshot ${index} is not newer than ${this.snap.meta.index}`);
    }
    if (index > this.lastIndex()) throw new UnavailableError(index);
    const snap: Snapshot = { meta: { index, term: this.term(index), conf: cloneConf(conf) }, data };
    this.snaps.save(snap);
    this.snap = snap;
    return snap;
  }

  /**
   * Discards entries up to and including `compactIndex`, which must be covered by the latest
   * snapshot (otherwise a restart could not rebuild the state). Once sealed WAL segments exist they
   * are replaced by one segment holding only the live log.
   */
  compact(compactIndex: number): void {
    this.checkOpen();
    const offset = this.ents[0].index;
    if (compactIndex <= offset) throw new CompactedError(compactIndex);
    if (compactIndex > this.lastIndex()) throw new UnavailableError(compactIndex);
    if (compactIndex > this.snap.meta.index) {
      throw new StorageError(`cannot compact to ${compactIndex}: the latest snapshot is at ${this.snap.meta.index}`);
    }
    const i = compactIndex - offset;
    this.ents = [dummy(compactIndex, this.ents[i].term), ...this.ents.slice(i + 1)];
    this.dropObsoleteSegments(compactIndex);
  }

  /**
   * Deletes the WAL segments before the newest one that starts at or below `compactIndex`: replay
   * from there rebuilds everything after the compaction point, and the snapshot covers the rest.
   */
  private dropObsoleteSegments(compactIndex: number): void {
    let keepFrom = -1;
    for (const seq of this.wal.segmentSeqs()) {
      const prev = this.segmentPrev.get(seq);
      if (prev !== undefined && prev <= compactIndex) keepFrom = seq;
    }
    if (keepFrom < 0) return;
    this.wal.removeSegmentsBefore(keepFrom);
    for (const seq of [...this.segmentPrev.keys()]) if (seq < keepFrom) this.segmentPrev.delete(seq);
  }

  /** What a new segment starts with: the log position and the current hard state. */
  private segmentHeader(seq: number): RawRecord[] {
    // What the WAL holds, which is behind memory while background saves are held.
    const w = this.walState ?? { index: this.lastIndex(), term: this.term(this.lastIndex()), hs: this.hs };
    this.segmentPrev.set(seq, w.index);
    return [
      { type: RecordType.SegmentStart, payload: encodeLogBase({ index: w.index, term: w.term }) },
      ...saveRecords(w.hs, []),
    ];
  }

  stats(): WalStats & { firstIndex: number; lastIndex: number; snapshotIndex: number } {
    return {
      ...this.wal.stats(),
      firstIndex: this.firstIndex(),
      lastIndex: this.lastIndex(),
      snapshotIndex: this.snap.meta.index,
    };
  }

  close(): void {
    if (this.closed) return;
    if (this.staged.length > 0) this.writeRecords([], true);
    this.closed = true;
    this.wal.close();
    this.lock.release();
  }

  /** Snapshot, log base and first hard state (term 1, as MemoryStorage) land in one WAL write. */
  private bootstrap(snap: Snapshot): void {
    this.snaps.save(snap);
    const hs: HardState = { term: 1, vote: null, commit: 1 };
    this.wal.append([logBase(snap.meta.index, snap.meta.term), ...saveRecords(hs, [])]);
    this.snap = snap;
    this.ents = [dummy(snap.meta.index, snap.meta.term)];
    this.hs = hs;
  }

  private checkOpen(): void {
    if (this.closed) throw new StorageClosedError();
  }

  private trimCompacted(entries: Entry[]): Entry[] {
    for (let k = 1; k < entries.length; k++) {
      if (entries[k].index !== entries[k - 1].index + 1) {
        throw new StorageError(`entries are not contiguous: ${entries[k - 1].index} then ${entries[k].index}`);
      }
    }
    const first = this.firstIndex();
    if (entries.length === 0 || entries[0].index >= first) return entries;
    // An entry at the base position itself (rewritten before it was committed) fixes the base term.
    const atBase = entries[first - 1 - entries[0].index];
    if (atBase !== undefined) this.ents[0] = dummy(atBase.index, atBase.term);
    return entries.slice(first - entries[0].index);
  }

  private appendInMemory(ents: Entry[]): void {
    if (ents.length === 0) return;
    const offset = ents[0].index - this.ents[0].index;
    // In place: the common case is a pure append, and copying the whole log per save is O(n).
    this.ents.length = offset;
    for (const e of ents) this.ents.push(e);
  }

  private replay(records: WalRecord[]): void {
    records.forEach((rec, n) => {
      const fail = (why: string, cause?: unknown): never => {
        throw new WalCorruptionError(path.join(this.dir, "wal"), n, `record #${n}: ${why}`, { cause });
      };
      if (rec.type === RecordType.SegmentStart) {
        const start = tryDecode(() => decodeLogBase(rec.payload), fail);
        this.segmentPrev.set(rec.seq, start.index);
        // Only the first segment replayed sets the base; later ones merely restate the position.
        if (n === 0) this.ents = [dummy(start.index, start.term)];
        return;
      }
      if (rec.type === RecordType.LogBase) {
        this.replayedState = true;
        const base = tryDecode(() => decodeLogBase(rec.payload), fail);
        this.ents = [dummy(base.index, base.term)];
        return;
      }
      if (rec.type !== RecordType.Save) fail(`unknown record type ${rec.type}`);
      const save = tryDecode(() => decodeSave(rec.payload), fail);
      if (save.hardState !== null) this.hs = save.hardState;
      const hs = this.hs;
      if (save.entries.length > 0 || hs.term > 0 || hs.vote !== null || hs.commit > 0) this.replayedState = true;
      let ents: Entry[];
      try {
        ents = this.trimCompacted(save.entries);
      } catch (err) {
        return fail((err as Error).message, err);
      }
      if (ents.length > 0 && ents[0].index > this.lastIndex() + 1) {
        fail(`entry ${ents[0].index} follows last index ${this.lastIndex()} (gap)`);
      }
      this.appendInMemory(ents);
    });
  }

  /** Aligns the replayed log with the newest snapshot on disk (the WAL may lag it after a crash). */
  private reconcile(snap: Snapshot): void {
    const s = snap.meta;
    const offset = this.ents[0].index;
    if (s.index < offset) {
      throw new StorageError(`log starts after ${offset} but the newest snapshot is at ${s.index}: snapshot missing`);
    }
    if (s.index <= this.lastIndex() && this.term(s.index) === s.term) {
      this.ents = [dummy(s.index, s.term), ...this.ents.slice(s.index - offset + 1)];
    } else if (s.index === offset) {
      throw new StorageError(`log base (${offset}, term ${this.ents[0].term}) contradicts snapshot term ${s.term}`);
    } else {
      // Crashed between writing an installed snapshot and logging it: the old log is superseded.
      this.ents = [dummy(s.index, s.term)];
    }
    this.snap = snap;
    // A snapshot only ever holds committed state.
    if (this.hs.commit < s.index) this.hs = { ...this.hs, commit: s.index };
  }
}

function tryDecode<T>(fn: () => T, fail: (why: string, cause?: unknown) => never): T {
  try {
    return fn();
  } catch (err) {
    return fail((err as Error).message, err);
  }
}

function logBase(index: number, term: number): RawRecord {
  return { type: RecordType.LogBase, payload: encodeLogBase({ index, term }) };
}

/** One Save record, or several when the entries are huge; the hard state rides in the last one. */
function saveRecords(hs: HardState | null, ents: Entry[]): RawRecord[] {
  const out: RawRecord[] = [];
  let start = 0;
  let bytes = 0;
  for (let k = 0; k < ents.length; k++) {
    bytes += ents[k].data.byteLength + 32;
    if (bytes >= SPLIT_BYTES && k + 1 < ents.length) {
      out.push({ type: RecordType.Save, payload: encodeSave({ hardState: null, entries: ents.slice(start, k + 1) }) });
      start = k + 1;
      bytes = 0;
    }
  }
  out.push({ type: RecordType.Save, payload: encodeSave({ hardState: hs, entries: ents.slice(start) }) });
  return out;
}
