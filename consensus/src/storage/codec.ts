import type { ConfState, Entry, EntryType, HardState } from "../core";
import { ByteWriter } from "../encoding/byte-writer";

/**
 * Binary payloads of WAL records. Integers are u64 big-endian; every index and term must be a safe
 * integer, which Raft never approaches in practice.
 */
export const enum RecordType {
  /** One `save`: optional hard state plus contiguous entries (a save is one record, so it is atomic). */
  Save = 1,
  /** The log restarts right after (index, term): a snapshot was installed or the log was rewritten. */
  LogBase = 2,
  /**
   * First record of every segment: the log's last (index, term) when the segment was created. A
   * replay that starts here (older segments deleted after compaction) starts the log after it.
   */
  SegmentStart = 3,
}

const ENTRY_TYPES: EntryType[] = ["normal", "config"];

const TWO_32 = 2 ** 32;

/** The WAL payload writer: `ByteWriter` whose u64s refuse anything but non-negative safe integers. */
export class Writer extends ByteWriter {
  override u64(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`not a non-negative safe integer: ${v}`);
    return super.u64(v);
  }
}

export class Reader {
  private off = 0;
  constructor(private readonly buf: Buffer) {}
  private need(n: number): void {
    if (this.off + n > this.buf.length) throw new RangeError(`payload truncated at byte ${this.off}`);
  }
  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.off++);
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.off);
    this.off += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.off);
    this.off += 4;
    return v;
  }
  u64(): number {
    this.need(8);
    const v = this.buf.readUInt32BE(this.off) * TWO_32 + this.buf.readUInt32BE(this.off + 4);
    if (!Number.isSafeInteger(v)) throw new RangeError(`u64 at byte ${this.off} exceeds the safe range`);
    this.off += 8;
    return v;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return b;
  }
  rest(): Buffer {
    const b = this.buf.subarray(this.off);
    this.off = this.buf.length;
    return b;
  }
  done(): void {
    if (this.off !== this.buf.length) throw new RangeError(`${this.buf.length - this.off} trailing bytes`);
  }
}

function writeHardState(w: Writer, hs: HardState): void {
  w.u64(hs.term).u64(hs.commit);
  const vote = hs.vote === null ? Buffer.alloc(0) : Buffer.from(hs.vote, "utf8");
  if (hs.vote !== null && vote.length === 0) throw new RangeError("vote must be null or a non-empty node id");
  w.u16(vote.length).raw(vote);
}

function readHardState(r: Reader): HardState {
  const term = r.u64();
  const commit = r.u64();
  const n = r.u16();
  return { term, commit, vote: n === 0 ? null : r.bytes(n).toString("utf8") };
}

export function writeEntry(w: Writer, e: Entry): void {
  const t = ENTRY_TYPES.indexOf(e.type);
  if (t < 0) throw new RangeError(`unknown entry type ${String(e.type)}`);
  w.u64(e.term).u64(e.index).u8(t).u32(e.data.byteLength).raw(e.data);
}

export function readEntry(r: Reader): Entry {
  const term = r.u64();
  const index = r.u64();
  const t = r.u8();
  const type = ENTRY_TYPES[t];
  if (type === undefined) throw new RangeError(`unknown entry type tag ${t}`);
  // Copy: the record buffer is a slice of a whole segment that must not stay pinned in memory.
  const data = Uint8Array.prototype.slice.call(r.bytes(r.u32()));
  return { term, index, type, data };
}

export interface SaveRecord {
  hardState: HardState | null;
  entries: Entry[];
}

export function encodeSave(rec: SaveRecord): Buffer {
  // Exact size, so the writer never grows: flag, hard state (term, commit, vote length + id), count,
  // then per entry term, index, type, data length and data.
  const hs = rec.hardState;
  let size = 1 + (hs === null ? 0 : 8 + 8 + 2 + (hs.vote === null ? 0 : Buffer.byteLength(hs.vote, "utf8"))) + 4;
  for (const e of rec.entries) size += 8 + 8 + 1 + 4 + e.data.byteLength;
  const w = new Writer(size);
  w.u8(rec.hardState === null ? 0 : 1);
  if (rec.hardState !== null) writeHardState(w, rec.hardState);
  w.u32(rec.entries.length);
  for (const e of rec.entries) writeEntry(w, e);
  return w.finish();
}

export function decodeSave(buf: Buffer): SaveRecord {
  const r = new Reader(buf);
  const hardState = r.u8() === 1 ? readHardState(r) : null;
  const n = r.u32();
  const entries: Entry[] = [];
  for (let i = 0; i < n; i++) entries.push(readEntry(r));
  r.done();
  return { hardState, entries };
}

export interface LogBaseRecord {
  index: number;
  term: number;
}

export function encodeLogBase(rec: LogBaseRecord): Buffer {
  return new Writer().u64(rec.index).u64(rec.term).finish();
}

export function decodeLogBase(buf: Buffer): LogBaseRecord {
  const r = new Reader(buf);
  const rec = { index: r.u64(), term: r.u64() };
  r.done();
  return rec;
}

/** Snapshot payload: [index u64][term u64][confLen u32][conf JSON][data]. Conf as JSON so new fields persist. */
export function encodeSnapshotBody(index: number, term: number, conf: ConfState, data: Uint8Array): Buffer {
  const confJson = Buffer.from(JSON.stringify(conf), "utf8");
  return new Writer().u64(index).u64(term).u32(confJson.length).raw(confJson).raw(data).finish();
}

export function decodeSnapshotBody(buf: Buffer): { index: number; term: number; conf: ConfState; data: Uint8Array } {
  const r = new Reader(buf);
  const index = r.u64();
  const term = r.u64();
  const conf = JSON.parse(r.bytes(r.u32()).toString("utf8")) as ConfState;
  if (conf === null || typeof conf !== "object" || !Array.isArray(conf.members)) {
    throw new RangeError("snapshot conf has no members list");
  }
  return { index, term, conf, data: Uint8Array.prototype.slice.call(r.rest()) };
}
