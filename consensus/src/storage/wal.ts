import fs from "node:fs";
import path from "node:path";
import { StorageClosedError, StorageError, WalCorruptionError } from "./errors";
import { fsyncDir, mkdirDurable, removeStaleTempFiles } from "./fs-util";
import { frameRecords, isTornTail, isZeroFrom, readRecordAt, type RawRecord } from "./record";

/** Every segment starts with this; it names the format version. */
export const SEGMENT_MAGIC = Buffer.from("DPLCWAL1", "ascii");
const SEGMENT_RE = /^(\d{16})\.wal$/;
const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
const DEFAULT_PREALLOCATE_BYTES = 1024 * 1024;
/** Shared source of zeros for preallocation; never written to. */
const ZEROS = Buffer.alloc(256 * 1024);

export interface WalLogger {
  warn(obj: object, msg: string): void;
}

/** Observation points for tests and metrics; they run synchronously inside `append`. */
export interface WalHooks {
  afterWrite?(file: string, bytes: number): void;
  /** `ms`: how long the fsync took (0 when fsync is off). */
  afterSync?(file: string, ms: number): void;
}

export interface WalOptions {
  /** fsync (fdatasync) every append before returning. Default true. */
  fsync?: boolean;
  /** Start a new segment once the current one reaches this size. Default 64 MiB. */
  segmentBytes?: number;
  logger?: WalLogger;
  hooks?: WalHooks;
  /**
   * Records every new segment starts with (the segment number is passed). The storage puts the
   * state a replay needs there (log position, hard state), so older segments can be deleted whole.
   */
  segmentHeader?: (seq: number) => RawRecord[];
  /**
   * Zero bytes written ahead of the logical end, in chunks of this size (default 1 MiB, capped at
   * `segmentBytes`; 0 turns it off). Appends then overwrite allocated blocks instead of growing the
   * file, so fdatasync need not commit a size change to the filesystem journal on every append.
   */
  preallocateBytes?: number;
}

/** A replayed record and the segment it came from. */
export interface WalRecord extends RawRecord {
  seq: number;
}

/** What recovery found: the records in order, and the torn tail it cut off, if any. */
export interface WalRecovery {
  records: WalRecord[];
  truncated: { file: string; offset: number; droppedBytes: number } | null;
}

export interface WalStats {
  segments: number;
  /** Record bytes appended since open; segment headers and preallocated zeros are not counted. */
  bytesWritten: number;
  syncs: number;
  lastSyncMs: number;
}

const segmentName = (seq: number): string => `${String(seq).padStart(16, "0")}.wal`;

function writeAll(fd: number, buf: Buffer, position: number): void {
  let done = 0;
  while (done < buf.length) done += fs.writeSync(fd, buf, done, buf.length - done, position + done);
}

/** Real zeros, not ftruncate: a sparse hole would still need block allocation at fdatasync time. */
function writeZeros(fd: number, from: number, to: number): void {
  for (let pos = from; pos < to; pos += ZEROS.length) {
    writeAll(fd, ZEROS.subarray(0, Math.min(ZEROS.length, to - pos)), pos);
  }
}

/**
 * How far to zero-fill a segment whose records reach `end`. Never past `segmentBytes` (unless the
 * records already are): the segment is cut there and its tail truncated, so more would be wasted.
 */
function allocationEnd(end: number, opts: WalOptions): number {
  const chunk = opts.preallocateBytes ?? DEFAULT_PREALLOCATE_BYTES;
  if (chunk === 0) return end;
  return Math.max(end, Math.min(end + chunk, opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES));
}

/**
 * Append-only, segmented write-ahead log of checksummed records. Segments are created whole (header
 * records included) under a temp name and renamed into place. The current segment is zero-filled
 * ahead of its logical end (see `preallocateBytes`); sealed segments are truncated to their records.
 * Recovery repairs only a torn final write in the last segment; any other damage raises
 * WalCorruptionError.
 */
export class Wal {
  private fd: number;
  /** Logical end of the current segment: where the next record goes. */
  private size: number;
  /** Length of the current segment's file; everything from `size` up to it is zeros. */
  private allocated: number;
  private seqs: number[];
  /** Path of the current segment (computed once per segment, not per append). */
  private current: string;
  private closed = false;
  private failure: unknown = null;
  /** Background fdatasyncs not yet completed (see `syncInBackground`). */
  private backgroundSyncs = 0;
  /** Bumped whenever `fd` is closed (segment cut, close): the number may be reused by the next open. */
  private fdGeneration = 0;
  private readonly fsync: boolean;
  private readonly segmentBytes: number;
  private readonly stat: WalStats = { segments: 0, bytesWritten: 0, syncs: 0, lastSyncMs: 0 };

  private constructor(
    readonly dir: string,
    private readonly opts: WalOptions,
    seqs: number[],
    end: number,
  ) {
    this.fsync = opts.fsync ?? true;
    this.segmentBytes = opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    this.seqs = seqs;
    this.current = this.file(seqs[seqs.length - 1]);
    this.fd = fs.openSync(this.current, "r+");
    this.size = end;
    this.allocated = fs.fstatSync(this.fd).size;
  }

  /** Opens (creating if needed) the WAL in `dir` and replays it. */
  static open(dir: string, opts: WalOptions = {}): { wal: Wal; recovery: WalRecovery } {
    const prealloc = opts.preallocateBytes ?? 0;
    if (!Number.isSafeInteger(prealloc) || prealloc < 0) {
      throw new StorageError(`preallocateBytes must be a non-negative integer, got ${prealloc}`);
    }
    mkdirDurable(dir, opts.fsync ?? true);
    removeStaleTempFiles(dir);
    const seqs = fs
      .readdirSync(dir)
      .map((n) => SEGMENT_RE.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    for (let i = 1; i < seqs.length; i++) {
      if (seqs[i] !== seqs[i - 1] + 1) {
        throw new WalCorruptionError(path.join(dir, segmentName(seqs[i - 1] + 1)), 0, "segment is missing");
      }
    }
    if (seqs.length === 0) {
      createSegment(dir, 1, opts);
      seqs.push(1);
    }
    const recovery: WalRecovery = { records: [], truncated: null };
    let end = 0;
    seqs.forEach((seq, i) => {
      end = scanSegment(path.join(dir, segmentName(seq)), seq, i === seqs.length - 1, recovery, opts);
    });
    return { wal: new Wal(dir, opts, seqs, end), recovery };
  }

  /** Appends records as one write; durable (when fsync is on) by the time this returns. */
  append(records: RawRecord[]): void {
    if (records.length === 0) return;
    this.write(records);
    this.sync();
  }

  /**
   * Appends records as one write, not yet durable: `sync()` or `syncInBackground()` makes it so.
   * (A crash of the process keeps it; a power loss may not.)
   */
  write(records: RawRecord[]): void {
    if (this.closed) throw new StorageClosedError();
    if (records.length === 0) return;
    if (this.failure !== null) throw new StorageError("WAL failed earlier; restart to recover", { cause: this.failure });
    // Cut before writing, not after: the new segment's header must describe the state after the
    // previous append completed, which the storage has applied in memory only once append returned.
    if (this.size >= this.segmentBytes) this.cut();
    const buf = frameRecords(records);
    const file = this.current;
    try {
      // Zeros first, so this append's fdatasync makes the longer file durable along with the record.
      this.reserve(this.size + buf.length);
      writeAll(this.fd, buf, this.size);
    } catch (err) {
      // Cut the partial write off so the next append does not land behind garbage.
      this.failIfThrows(() => fs.ftruncateSync(this.fd, this.size));
      this.allocated = this.size;
      throw new StorageError(`WAL write to ${file} failed: ${(err as Error).message}`, { cause: err });
    }
    this.size += buf.length;
    this.stat.bytesWritten += buf.length;
    this.opts.hooks?.afterWrite?.(file, buf.length);
  }

  /** Makes every write so far durable (when fsync is on) before returning. */
  sync(): void {
    if (this.closed) throw new StorageClosedError();
    let syncMs = 0;
    if (this.fsync) {
      const t0 = process.hrtime.bigint();
      // After a failed fsync the kernel may have dropped the dirty pages (fsyncgate): never retry.
      this.failIfThrows(() => fs.fdatasyncSync(this.fd));
      syncMs = Number(process.hrtime.bigint() - t0) / 1e6;
      this.recordSync(syncMs);
    }
    this.opts.hooks?.afterSync?.(this.current, syncMs);
  }

  /**
   * Makes every write so far durable on libuv's thread pool; `done` runs once it is (or with the
   * error that failed the WAL). Writes made meanwhile are not covered. A segment cut or `close()`
   * before it runs syncs the old segment itself, so `done` then reports success.
   */
  syncInBackground(done: (err: StorageError | null) => void): void {
    if (this.closed) throw new StorageClosedError();
    if (this.failure !== null) throw new StorageError("WAL failed earlier; restart to recover", { cause: this.failure });
    if (!this.fsync) return void setImmediate(() => done(null));
    const generation = this.fdGeneration;
    const file = this.current;
    const t0 = process.hrtime.bigint();
    this.backgroundSyncs++;
    fs.fdatasync(this.fd, (err) => {
      this.backgroundSyncs--;
      // The fd was closed since (its number perhaps reused): the cut or close synced it first.
      if (this.closed || generation !== this.fdGeneration) return done(null);
      if (err !== null) {
        this.failure = err;
        return done(new StorageError(`WAL sync failed: ${err.message}`, { cause: err }));
      }
      const syncMs = Number(process.hrtime.bigint() - t0) / 1e6;
      this.recordSync(syncMs);
      this.opts.hooks?.afterSync?.(file, syncMs);
      done(null);
    });
  }

  private recordSync(ms: number): void {
    this.stat.lastSyncMs = ms;
    this.stat.syncs++;
  }

  /**
   * Deletes every segment numbered below `seq` (the caller knows their records are obsolete). The
   * current segment is never deleted. Oldest first, so a crash midway leaves a contiguous suffix.
   */
  removeSegmentsBefore(seq: number): number {
    if (this.closed) throw new StorageClosedError();
    const current = this.seqs[this.seqs.length - 1];
    const doomed = this.seqs.filter((s) => s < Math.min(seq, current));
    if (doomed.length === 0) return 0;
    for (const s of doomed) fs.rmSync(this.file(s), { force: true });
    if (this.fsync) fsyncDir(this.dir);
    this.seqs = this.seqs.filter((s) => !doomed.includes(s));
    return doomed.length;
  }

  /** Byte offset in the current segment where the next record goes (its file may be longer). */
  get logicalSize(): number {
    return this.size;
  }

  /** Segment numbers on disk, oldest first; the last is the one being appended to. */
  segmentSeqs(): number[] {
    return [...this.seqs];
  }

  private failIfThrows(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.failure = err;
      throw new StorageError(`WAL sync failed: ${(err as Error).message}`, { cause: err });
    }
  }

  stats(): WalStats {
    return { ...this.stat, segments: this.seqs.length };
  }

  segmentFiles(): string[] {
    return this.seqs.map((s) => this.file(s));
  }

  close(): void {
    if (this.closed) return;
    // A background sync may not have started yet: cover its writes before the fd goes.
    if (this.backgroundSyncs > 0 && this.fsync && this.failure === null) this.failIfThrows(() => fs.fdatasyncSync(this.fd));
    this.closed = true;
    this.fdGeneration++;
    fs.closeSync(this.fd);
  }

  /**
   * Grows the file to cover `end` plus a chunk of zeros. The record itself covers [size, end), so
   * only the part past it is zero-filled: a large record is not written twice.
   */
  private reserve(end: number): void {
    if (end <= this.allocated) return;
    const target = allocationEnd(end, this.opts);
    writeZeros(this.fd, Math.max(this.allocated, end), target);
    this.allocated = target;
  }

  private cut(): void {
    // Seal first, durably: recovery forgives a zero tail only in the last segment, and once the
    // next segment exists this one is no longer last.
    if (this.allocated > this.size) {
      this.failIfThrows(() => {
        fs.ftruncateSync(this.fd, this.size);
        if (this.fsync) fs.fsyncSync(this.fd);
      });
      this.allocated = this.size;
    } else if (this.backgroundSyncs > 0 && this.fsync) {
      // Writes a background sync was to cover must be durable before the fd is closed.
      this.failIfThrows(() => fs.fdatasyncSync(this.fd));
    }
    const seq = this.seqs[this.seqs.length - 1] + 1;
    const size = createSegment(this.dir, seq, this.opts);
    this.fdGeneration++;
    fs.closeSync(this.fd);
    this.seqs.push(seq);
    this.current = this.file(seq);
    this.fd = fs.openSync(this.current, "r+");
    this.size = size;
    this.allocated = fs.fstatSync(this.fd).size;
  }

  private file(seq: number): string {
    return path.join(this.dir, segmentName(seq));
  }
}

/**
 * Writes a complete segment (header records, then its first chunk of zeros) under a temp name, then
 * renames it into place (durably when fsync). Returns its logical end.
 */
function createSegment(dir: string, seq: number, opts: WalOptions): number {
  const records = opts.segmentHeader?.(seq) ?? [];
  const sync = opts.fsync ?? true;
  const buf = frameRecords(records, SEGMENT_MAGIC.length);
  SEGMENT_MAGIC.copy(buf, 0);
  const final = path.join(dir, segmentName(seq));
  const tmp = path.join(dir, `.${segmentName(seq)}.tmp`);
  const fd = fs.openSync(tmp, "w");
  try {
    writeAll(fd, buf, 0);
    writeZeros(fd, buf.length, allocationEnd(buf.length, opts));
    if (sync) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, final);
  if (sync) fsyncDir(dir);
  return buf.length;
}

/** Replays one segment into `out` and returns its logical end (where the next record would go). */
function scanSegment(file: string, seq: number, last: boolean, out: WalRecovery, opts: WalOptions): number {
  const buf = fs.readFileSync(file);
  if (buf.length < SEGMENT_MAGIC.length || !buf.subarray(0, SEGMENT_MAGIC.length).equals(SEGMENT_MAGIC)) {
    throw new WalCorruptionError(file, 0, "bad segment header");
  }
  let off = SEGMENT_MAGIC.length;
  while (off < buf.length) {
    const got = readRecordAt(buf, off);
    if (got !== null) {
      out.records.push({ ...got.record, seq });
      off = got.next;
      continue;
    }
    // Nothing but zeros after the last record: the preallocated tail, not damage.
    if (last && isZeroFrom(buf, off)) return off;
    if (!last || !isTornTail(buf, off)) {
      throw new WalCorruptionError(file, off, last ? "bad record followed by valid records" : "bad record in a sealed segment");
    }
    repairTornTail(file, off, buf.length - off, opts);
    out.truncated = { file, offset: off, droppedBytes: buf.length - off };
    return off;
  }
  return off;
}

function repairTornTail(file: string, offset: number, dropped: number, opts: WalOptions): void {
  opts.logger?.warn({ file, offset, droppedBytes: dropped }, "WAL: truncating torn final record");
  const fd = fs.openSync(file, "r+");
  try {
    fs.ftruncateSync(fd, offset);
    if (opts.fsync ?? true) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
