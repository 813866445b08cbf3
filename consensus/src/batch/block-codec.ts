import { BlockDecodeError } from "./errors";
import type { BatchTx } from "./types";

/**
 * Binary layout of a block of transactions, the payload of a normal Raft entry:
 *   [version u8 = 3][timestamp u64][count u32] then per tx
 *   [hashLen u8][hash][senderLen u8 (0 or 20)][sender][nonce u64][rawLen u32][raw]
 * Binary rather than JSON because blocks reach 2 MB and are written, replicated and fsync'd on the
 * hot path. The leader writes each transaction's recovered sender and nonce beside it, so every
 * node applies the same nonce rule without recovering signatures again (see `node/ledger.ts`).
 * The leader also fixes the block's timestamp (seconds) in the entry, so every node stores the same
 * block (and hash) in its block store (`blocks/`). Versions 1 (no sender, no nonce) and 2 (no
 * timestamp) still decode: logs written before them stay readable.
 */
export const BLOCK_FORMAT_VERSION = 3;

/** A decoded entry: its transactions and the leader's timestamp (null in entries of versions 1 and 2). */
export interface DecodedEntry {
  txs: BatchTx[];
  timestamp: number | null;
}

const HEADER_BYTES = 13;
const HEX = /^0x(?:[0-9a-fA-F]{2})*$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

function hashToBytes(hash: string): Buffer {
  if (!HEX.test(hash) || hash.length > 2 + 255 * 2) {
    throw new RangeError(`transaction hash must be 0x-prefixed even-length hex of at most 255 bytes: ${hash}`);
  }
  return Buffer.from(hash.slice(2), "hex");
}

function senderToBytes(tx: BatchTx): Buffer | null {
  if (tx.sender === undefined) return null;
  if (!ADDRESS.test(tx.sender)) throw new RangeError(`sender must be a 0x-prefixed 20-byte address: ${tx.sender}`);
  if (!Number.isSafeInteger(tx.nonce) || tx.nonce! < 0) throw new RangeError(`nonce must be a safe non-negative integer: ${tx.nonce}`);
  return Buffer.from(tx.sender.slice(2), "hex");
}

/** Serializes a batch for `Entry.data`, with the leader's timestamp in seconds (default: now). */
export function encodeBlock(txs: readonly BatchTx[], timestamp = Math.floor(Date.now() / 1000)): Uint8Array {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new RangeError(`timestamp must be a safe non-negative integer: ${timestamp}`);
  const hashes = txs.map((tx) => hashToBytes(tx.hash));
  const senders = txs.map(senderToBytes);
  let size = HEADER_BYTES;
  for (let i = 0; i < txs.length; i++) size += 1 + hashes[i]!.length + 1 + (senders[i]?.length ?? 0) + 8 + 4 + txs[i]!.raw.byteLength;
  const out = Buffer.allocUnsafe(size);
  out.writeUInt8(BLOCK_FORMAT_VERSION, 0);
  out.writeBigUInt64BE(BigInt(timestamp), 1);
  out.writeUInt32BE(txs.length, 9);
  let off = HEADER_BYTES;
  for (let i = 0; i < txs.length; i++) {
    const tx = txs[i]!;
    off = out.writeUInt8(hashes[i]!.length, off);
    off += hashes[i]!.copy(out, off);
    const sender = senders[i];
    off = out.writeUInt8(sender?.length ?? 0, off);
    if (sender !== null && sender !== undefined) off += sender.copy(out, off);
    off = out.writeBigUInt64BE(BigInt(sender === null ? 0 : tx.nonce!), off);
    off = out.writeUInt32BE(tx.raw.byteLength, off);
    out.set(tx.raw, off);
    off += tx.raw.byteLength;
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

function truncated(off: number, what: string, tx: number): never {
  throw new BlockDecodeError(`truncated ${what} of tx ${tx} at byte ${off}`);
}

/** Reads `[senderLen u8][sender][nonce u64]` (version 2) into `tx`; answers the offset after it. */
function readSender(buf: Buffer, off: number, i: number, tx: { sender?: string; nonce?: number }): number {
  if (off + 1 > buf.length) truncated(off, "sender length", i);
  const len = buf.readUInt8(off);
  off += 1;
  if (len !== 0 && len !== 20) throw new BlockDecodeError(`bad sender length ${len} of tx ${i}`);
  if (off + len + 8 > buf.length) truncated(off, "sender and nonce", i);
  const nonce = buf.readBigUInt64BE(off + len);
  if (len === 20) {
    if (nonce > BigInt(Number.MAX_SAFE_INTEGER)) throw new BlockDecodeError(`nonce of tx ${i} is too large`);
    tx.sender = "0x" + buf.toString("hex", off, off + len);
    tx.nonce = Number(nonce);
  }
  return off + len + 8;
}

/**
 * Parses `Entry.data` back into transactions; throws BlockDecodeError on any malformed input. Each
 * `raw` is a view into `data` (no copy per transaction): keep a copy if it must outlive the entry.
 */
export function decodeBlock(data: Uint8Array): BatchTx[] {
  return decodeEntry(data).txs;
}

/** Like {@link decodeBlock}, with the leader's timestamp (null in entries written before version 3). */
export function decodeEntry(data: Uint8Array): DecodedEntry {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < 5) throw new BlockDecodeError(`truncated header at byte 0`);
  const version = buf.readUInt8(0);
  if (version < 1 || version > BLOCK_FORMAT_VERSION) throw new BlockDecodeError(`unknown format version ${version}`);
  let timestamp: number | null = null;
  let off = 1;
  if (version >= 3) {
    if (buf.length < HEADER_BYTES) throw new BlockDecodeError(`truncated header at byte 0`);
    const ts = buf.readBigUInt64BE(1);
    if (ts > BigInt(Number.MAX_SAFE_INTEGER)) throw new BlockDecodeError(`timestamp ${ts} is too large`);
    timestamp = Number(ts);
    off = 9;
  }
  const count = buf.readUInt32BE(off);
  off += 4;
  const txs: BatchTx[] = [];
  for (let i = 0; i < count; i++) {
    if (off + 1 > buf.length) truncated(off, "hash length", i);
    const hashLen = buf.readUInt8(off);
    off += 1;
    if (off + hashLen > buf.length) truncated(off, "hash", i);
    const tx: BatchTx = { raw: new Uint8Array(0), hash: "0x" + buf.toString("hex", off, off + hashLen) };
    off += hashLen;
    if (version >= 2) off = readSender(buf, off, i, tx);
    if (off + 4 > buf.length) truncated(off, "raw length", i);
    const rawLen = buf.readUInt32BE(off);
    off += 4;
    if (off + rawLen > buf.length) truncated(off, "raw bytes", i);
    tx.raw = buf.subarray(off, off + rawLen);
    txs.push(tx);
    off += rawLen;
  }
  if (off !== buf.length) throw new BlockDecodeError(`${buf.length - off} trailing bytes after ${count} transactions`);
  return { txs, timestamp };
}
