/**
 * Ordered blocks as every node keeps them, without I/O: the header fields, the hash chain, and the byte encoding the
 * store writes. A block is what one committed Raft entry delivered to the chain (deduplicated transactions), numbered
 * consecutively from 1 and linked to its parent by hash, so a node can check blocks pulled from any peer.
 */
import { createHash } from "node:crypto";
import { BlockChainError, BlockCorruptionError } from "./errors";

/** One ordered transaction: its hash and signed raw bytes. */
export interface BlockTx {
  readonly hash: string;
  readonly raw: Uint8Array;
}

/** The fields a block is made from; number and parent come from the chain it extends. */
export interface BlockInput {
  /** The Raft log index of the entry that ordered it. */
  readonly raftIndex: number;
  /** Seconds since the epoch, fixed by the leader in the entry, so every replica's chain block gets the same. */
  readonly timestamp: number;
  readonly txs: readonly BlockTx[];
}

export interface Block extends BlockInput {
  readonly number: number;
  readonly parentHash: string;
  /** sha256 over the header (number, raftIndex, timestamp, parentHash, txRoot). */
  readonly hash: string;
}

/** A block without its transactions: what a store keeps of its head. */
export type BlockHeader = Omit<Block, "txs">;

export function headerOf(b: Block): BlockHeader {
  return { number: b.number, raftIndex: b.raftIndex, timestamp: b.timestamp, parentHash: b.parentHash, hash: b.hash };
}

/** The parent hash of block 1. */
export const GENESIS_PARENT = "0x" + "00".repeat(32);

const VERSION = 1;

function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
}

function hexBytes(hex: string, what: string, length?: number): Buffer {
  if (!/^0x([0-9a-fA-F]{2})*$/.test(hex) || (length !== undefined && hex.length !== 2 + 2 * length)) {
    throw new RangeError(`${what} must be 0x-prefixed hex${length === undefined ? "" : ` of ${length} bytes`}, got ${hex}`);
  }
  return Buffer.from(hex.slice(2), "hex");
}

function u64(n: number, what: string): Buffer {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be a non-negative safe integer, got ${n}`);
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

/** sha256 over the transactions' hashes in order: binds the header to the body. */
export function txRoot(txs: readonly BlockTx[]): string {
  return "0x" + sha256(...txs.map((t) => hexBytes(t.hash, "transaction hash"))).toString("hex");
}

function hashOver(number: number, raftIndex: number, timestamp: number, parentHash: string, root: string): string {
  const digest = sha256(
    u64(number, "number"),
    u64(raftIndex, "raftIndex"),
    u64(timestamp, "timestamp"),
    hexBytes(parentHash, "parent hash", 32),
    hexBytes(root, "tx root", 32),
  );
  return "0x" + digest.toString("hex");
}

function headerHash(number: number, input: BlockInput, parentHash: string): string {
  return hashOver(number, input.raftIndex, input.timestamp, parentHash, txRoot(input.txs));
}

/** Whether a block's hash is the hash of its own header and transactions. */
export function hashMatches(b: Block): boolean {
  return headerHash(b.number, b, b.parentHash) === b.hash;
}

/** The block that extends `parent` (null: the first block) with `input`; checked as {@link checkBlock} would. */
export function makeBlock(parent: BlockHeader | null, input: BlockInput): Block {
  const number = parent === null ? 1 : parent.number + 1;
  const parentHash = parent === null ? GENESIS_PARENT : parent.hash;
  const block = { number, parentHash, hash: headerHash(number, input, parentHash), ...input };
  checkBlock(parent, block);
  return block;
}

/**
 * Checks that `block` continues `parent`: the next number, the parent's hash, a later Raft entry, a timestamp that
 * does not run backward, and its own hash over its contents. Throws BlockChainError naming what is wrong.
 */
export function checkBlock(parent: BlockHeader | null, block: Block): void {
  checkLink(parent, block);
  if (!hashMatches(block)) throw new BlockChainError(block.number, `hash ${block.hash} does not match its contents`);
}

/**
 * A header with the root of its transactions: enough to check the hash chain without the bodies, which is how a
 * puller proves a range ends at a trusted head before it stores any block of it.
 */
export interface LinkedHeader extends BlockHeader {
  readonly txRoot: string;
}

export function linkedHeaderOf(b: Block): LinkedHeader {
  return { ...headerOf(b), txRoot: txRoot(b.txs) };
}

/** {@link checkBlock} for a header: the same rules, the hash taken over the header and its transaction root. */
export function checkHeader(parent: BlockHeader | null, h: LinkedHeader): void {
  checkLink(parent, h);
  if (hashOver(h.number, h.raftIndex, h.timestamp, h.parentHash, h.txRoot) !== h.hash) {
    throw new BlockChainError(h.number, `hash ${h.hash} does not match its header`);
  }
}

function checkLink(parent: BlockHeader | null, block: BlockHeader): void {
  const expected = parent === null ? 1 : parent.number + 1;
  if (block.number !== expected) throw new BlockChainError(block.number, `expected block ${expected}`);
  const parentHash = parent === null ? GENESIS_PARENT : parent.hash;
  if (block.parentHash !== parentHash) throw new BlockChainError(block.number, `parent hash ${block.parentHash} is not ${parentHash}`);
  if (parent !== null && block.raftIndex <= parent.raftIndex) {
    throw new BlockChainError(block.number, `Raft index ${block.raftIndex} is not after the parent's ${parent.raftIndex}`);
  }
  if (parent !== null && block.timestamp < parent.timestamp) {
    throw new BlockChainError(block.number, `timestamp ${block.timestamp} runs behind the parent's ${parent.timestamp}`);
  }
}

const LINKED_HEADER_BYTES = 8 * 3 + 32 * 3;

/** [number u64][raftIndex u64][timestamp u64][parentHash 32][txRoot 32][hash 32]: fixed width. */
export function encodeLinkedHeader(h: LinkedHeader): Buffer {
  return Buffer.concat([
    u64(h.number, "number"),
    u64(h.raftIndex, "raftIndex"),
    u64(h.timestamp, "timestamp"),
    hexBytes(h.parentHash, "parent hash", 32),
    hexBytes(h.txRoot, "tx root", 32),
    hexBytes(h.hash, "hash", 32),
  ]);
}

export function decodeLinkedHeader(buf: Uint8Array, what: string): LinkedHeader {
  if (buf.byteLength !== LINKED_HEADER_BYTES) throw new BlockCorruptionError(what, `header of ${buf.byteLength} bytes, not ${LINKED_HEADER_BYTES}`);
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const num = (off: number) => Number(b.readBigUInt64BE(off));
  const hex = (off: number) => "0x" + b.toString("hex", off, off + 32);
  return { number: num(0), raftIndex: num(8), timestamp: num(16), parentHash: hex(24), txRoot: hex(56), hash: hex(88) };
}

/**
 * [version u8][number u64][raftIndex u64][timestamp u64][parentHash 32][hash 32][count u32] then per transaction
 * [hash 32][len u32][raw]. Fixed-width fields keep decoding a bounds check per field.
 */
export function encodeBlock(b: Block): Buffer {
  const parts: Buffer[] = [
    Buffer.from([VERSION]),
    u64(b.number, "number"),
    u64(b.raftIndex, "raftIndex"),
    u64(b.timestamp, "timestamp"),
    hexBytes(b.parentHash, "parent hash", 32),
    hexBytes(b.hash, "hash", 32),
    Buffer.alloc(4),
  ];
  parts[6]!.writeUInt32BE(b.txs.length);
  for (const t of b.txs) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(t.raw.byteLength);
    parts.push(hexBytes(t.hash, "transaction hash", 32), len, Buffer.from(t.raw.buffer, t.raw.byteOffset, t.raw.byteLength));
  }
  return Buffer.concat(parts);
}

/** Inverse of {@link encodeBlock}; `what` names the record in errors. */
export function decodeBlock(buf: Uint8Array, what: string): Block {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const need = (off: number, n: number) => {
    if (off + n > b.length) throw new BlockCorruptionError(what, `truncated at byte ${off}`);
  };
  need(0, 93);
  if (b[0] !== VERSION) throw new BlockCorruptionError(what, `unknown version ${b[0]}`);
  const num = (off: number) => Number(b.readBigUInt64BE(off));
  const hex = (off: number, n: number) => "0x" + b.toString("hex", off, off + n);
  const count = b.readUInt32BE(89);
  const txs: BlockTx[] = [];
  let off = 93;
  for (let i = 0; i < count; i++) {
    need(off, 36);
    const len = b.readUInt32BE(off + 32);
    need(off + 36, len);
    txs.push({ hash: hex(off, 32), raw: b.subarray(off + 36, off + 36 + len) });
    off += 36 + len;
  }
  if (off !== b.length) throw new BlockCorruptionError(what, `${b.length - off} trailing bytes`);
  return { number: num(1), raftIndex: num(9), timestamp: num(17), parentHash: hex(25, 32), hash: hex(57, 32), txs };
}
