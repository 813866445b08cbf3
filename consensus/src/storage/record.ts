import { crc32 } from "./crc32";

/**
 * WAL record framing: [length u32][crc32 u32][type u8][payload]. `length` counts the payload only;
 * the CRC covers type and payload, so a flipped type byte is caught like a flipped payload byte.
 */
export const RECORD_HEADER_BYTES = 9;
/** Upper bound on one record; larger saves are split. Also rejects absurd lengths when scanning. */
export const MAX_RECORD_PAYLOAD = 128 * 1024 * 1024;

export interface RawRecord {
  type: number;
  payload: Buffer;
}

export function frameRecord(type: number, payload: Buffer): Buffer {
  return frameRecords([{ type, payload }]);
}

/** Frames records back to back into one buffer (one allocation and one copy per append). */
export function frameRecords(records: readonly RawRecord[], headroom = 0): Buffer {
  let size = headroom;
  for (const r of records) size += RECORD_HEADER_BYTES + r.payload.length;
  const out = Buffer.allocUnsafe(size);
  let off = headroom;
  for (const { type, payload } of records) {
    out.writeUInt32BE(payload.length, off);
    out.writeUInt8(type, off + 8);
    payload.copy(out, off + RECORD_HEADER_BYTES);
    const end = off + RECORD_HEADER_BYTES + payload.length;
    // Type byte and payload are contiguous here: one CRC pass over both.
    out.writeUInt32BE(crc32(out.subarray(off + 8, end)), off + 4);
    off = end;
  }
  return out;
}

/** A record that decodes with a good checksum at `offset`, with where the next one starts. */
export function readRecordAt(buf: Buffer, offset: number): { record: RawRecord; next: number } | null {
  if (offset + RECORD_HEADER_BYTES > buf.length) return null;
  const length = buf.readUInt32BE(offset);
  if (length > MAX_RECORD_PAYLOAD) return null;
  const end = offset + RECORD_HEADER_BYTES + length;
  if (end > buf.length) return null;
  const type = buf.readUInt8(offset + 8);
  const payload = buf.subarray(offset + RECORD_HEADER_BYTES, end);
  if (crc32(buf.subarray(offset + 8, end)) !== buf.readUInt32BE(offset + 4)) return null;
  return { record: { type, payload }, next: end };
}

/** Whether every byte from `offset` to the end of `buf` is zero (true for an empty range). */
export function isZeroFrom(buf: Buffer, offset: number): boolean {
  for (let i = offset; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}

/**
 * Whether the bad bytes from `offset` to the end can only be a torn final write. A crash while
 * appending leaves a partial record, or a zero-filled tail where the file grew before its data
 * reached disk. If a checksummed record still follows the damage, the damage is in the middle.
 */
export function isTornTail(buf: Buffer, offset: number): boolean {
  if (isZeroFrom(buf, offset)) return true;
  for (let p = offset + 1; p + RECORD_HEADER_BYTES <= buf.length; p++) {
    const length = buf.readUInt32BE(p);
    if (length === 0 && buf.readUInt32BE(p + 4) === 0) continue;
    if (p + RECORD_HEADER_BYTES + length > buf.length) continue;
    if (readRecordAt(buf, p) !== null) return false;
  }
  return true;
}
