/**
 * A strict RLP decoder over a Buffer for the orderer's hot path. Byte strings come back as views
 * into the input (no copies, no hex strings), which is most of what made ethers' `decodeRlp` the
 * largest allocator of a loaded leader. Only canonical encodings are accepted, as Ethereum clients
 * require: a single byte below 0x80 encoded as itself, minimal length prefixes.
 */

/** A byte string (a view into the decoded buffer) or a list of items. */
export type RlpItem = Buffer | RlpItem[];

/** Thrown for any input that is not exactly one canonical RLP item. */
export class RlpError extends Error {
  override name = "RlpError";
}

/** Lists nest no deeper than this (a transaction needs 3: fields, access list, storage keys). */
const MAX_DEPTH = 16;

/** Decodes `buf`, which must hold exactly one item. */
export function decodeRlpItem(buf: Buffer): RlpItem {
  const [item, end] = decodeAt(buf, 0, buf.length, 0);
  if (end !== buf.length) throw new RlpError(`${buf.length - end} trailing byte(s) after the item`);
  return item;
}

function decodeAt(buf: Buffer, pos: number, limit: number, depth: number): [RlpItem, number] {
  if (pos >= limit) throw new RlpError("data too short");
  const p = buf[pos]!;
  if (p < 0x80) return [buf.subarray(pos, pos + 1), pos + 1];
  if (p < 0xc0) {
    const [start, len] = header(buf, pos, limit, p, 0x80);
    if (len === 1 && buf[start]! < 0x80) throw new RlpError("single byte below 0x80 must encode as itself");
    return [buf.subarray(start, start + len), start + len];
  }
  if (depth >= MAX_DEPTH) throw new RlpError(`lists nested deeper than ${MAX_DEPTH}`);
  const [start, len] = header(buf, pos, limit, p, 0xc0);
  const end = start + len;
  const items: RlpItem[] = [];
  let at = start;
  while (at < end) {
    const [item, next] = decodeAt(buf, at, end, depth + 1);
    items.push(item);
    at = next;
  }
  return [items, end];
}

/** Payload start and length of the item at `pos` with prefix byte `p` (`base`: 0x80 string, 0xc0 list). */
function header(buf: Buffer, pos: number, limit: number, p: number, base: number): [number, number] {
  let start: number;
  let len: number;
  if (p <= base + 55) {
    start = pos + 1;
    len = p - base;
  } else {
    const lenOfLen = p - base - 55;
    if (pos + 1 + lenOfLen > limit) throw new RlpError("data too short for the length");
    if (buf[pos + 1] === 0) throw new RlpError("length has a leading zero");
    if (lenOfLen > 4) throw new RlpError("item longer than 4 GiB");
    len = buf.readUIntBE(pos + 1, lenOfLen);
    if (len <= 55) throw new RlpError("long form used for a short item");
    start = pos + 1 + lenOfLen;
  }
  if (start + len > limit) throw new RlpError("data too short");
  return [start, len];
}
