import { BlockDecodeError } from "./errors";
import type { BatchTx } from "./types";

/**
 * Binary layout of a block of transactions, the payload of a normal Raft entry:
 *   [version u8 = 1][count u32] then per tx [hashLen u8][hash][rawLen u32][raw]
 * Binary rather than JSON because blocks reach 2 MB and are written, replicated and fsync'd on the
 * hot path; the version byte leaves room for block metadata later.
 */
export const BLOCK_FORMAT_VERSION = 1;

const HEX = /^0x(?:[0-9a-fA-F]{2})*$/;

function hashToBytes(hash: string): Buffer {
  if (!HEX.test(hash) || hash.length > 2 + 255 * 2) {
    throw new RangeError(`transaction hash must be 0x-prefixed even-length hex of at most 255 bytes: ${hash}`);
  }
  return Buffer.from(hash.slice(2), "hex");
}

/** Serializes a batch for `Entry.data`. */
export function encodeBlock(txs: readonly BatchTx[]): Uint8Array {
  const hashes = txs.map((tx) => hashToBytes(tx.hash));
  let size = 5;
  for (let i = 0; i < txs.length; i++) size += 1 + hashes[i].length + 4 + txs[i].raw.byteLength;
  const out = Buffer.allocUnsafe(size);
  out.writeUInt8(BLOCK_FORMAT_VERSION, 0);
  out.writeUInt32BE(txs.length, 1);
  let off = 5;
  for (let i = 0; i < txs.length; i++) {
    out.writeUInt8(hashes[i].length, off);
    off += 1;
    off += hashes[i].copy(out, off);
    out.writeUInt32BE(txs[i].raw.byteLength, off);
    off += 4;
    out.set(txs[i].raw, off);
    off += txs[i].raw.byteLength;
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

function truncated(off: number, what: string, tx: number): never {
  throw new BlockDecodeError(`truncated ${what} of tx ${tx} at byte ${off}`);
}

/**
 * Parses `Entry.data` back into transactions; throws BlockDecodeError on any malformed input. Each
 * `raw` is a view into `data` (no copy per transaction): keep a copy if it must outlive the entry.
 */
export function decodeBlock(data: Uint8Array): BatchTx[] {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < 5) throw new BlockDecodeError(`truncated header at byte 0`);
  const version = buf.readUInt8(0);
  if (version !== BLOCK_FORMAT_VERSION) throw new BlockDecodeError(`unknown format version ${version}`);
  const count = buf.readUInt32BE(1);
  const txs: BatchTx[] = [];
  let off = 5;
  for (let i = 0; i < count; i++) {
    if (off + 1 > buf.length) truncated(off, "hash length", i);
    const hashLen = buf.readUInt8(off);
    off += 1;
    if (off + hashLen > buf.length) truncated(off, "hash", i);
    const hash = "0x" + buf.toString("hex", off, off + hashLen);
    off += hashLen;
    if (off + 4 > buf.length) truncated(off, "raw length", i);
    const rawLen = buf.readUInt32BE(off);
    off += 4;
    if (off + rawLen > buf.length) truncated(off, "raw bytes", i);
    txs.push({ raw: buf.subarray(off, off + rawLen), hash });
    off += rawLen;
  }
  if (off !== buf.length) throw new BlockDecodeError(`${buf.length - off} trailing bytes after ${count} transactions`);
  return txs;
}
