import { GENESIS_PARENT, type BlockHeader } from "../blocks";

/** The head of the ordered block chain: what a snapshot says the chain held at its index. */
export interface ChainHead {
  readonly number: number;
  readonly hash: string;
}

/** A snapshot's chain head; `header` (the head block's header, null for the empty chain) is absent in format 0xb1. */
export interface SnapshotChain extends ChainHead {
  readonly header?: BlockHeader | null;
}

/** The chain before its first block. */
export const EMPTY_CHAIN: ChainHead = { number: 0, hash: GENESIS_PARENT };

/** First byte of a snapshot that carries the chain head; ledger snapshots start with their version (1 or 2). */
const MAGIC_HEAD = 0xb1;
const MAGIC_HEADER = 0xb2;
const HEAD_BYTES = 1 + 8 + 32;
const HEADER_BYTES = 1 + 8 * 3 + 32 * 2;

/**
 * Raft snapshot data: `[0xb2][number u64][raftIndex u64][timestamp u64][parentHash 32][hash 32]` (the chain's head
 * block header at the snapshot's index; all zero for the empty chain) then the ledger's snapshot. The head is the
 * same on every node (blocks are made deterministically from committed entries), so a node that installs a
 * leader's snapshot can tell whether its block store misses blocks the snapshot covers, pull them up to exactly this
 * hash, and meanwhile make the blocks of later entries on top of it. `"unknown"` (a node whose store lost its
 * history before block stores) writes the ledger alone, as snapshots were before block stores.
 * Format 0xb1 (`[0xb1][number u64][hash 32]`, no header) is still read.
 */
export function encodeSnapshotData(head: BlockHeader | null | "unknown", ledger: Uint8Array): Uint8Array {
  if (head === "unknown") return ledger;
  const out = Buffer.alloc(HEADER_BYTES + ledger.byteLength);
  out.writeUInt8(MAGIC_HEADER, 0);
  if (head !== null) {
    out.writeBigUInt64BE(BigInt(head.number), 1);
    out.writeBigUInt64BE(BigInt(head.raftIndex), 9);
    out.writeBigUInt64BE(BigInt(head.timestamp), 17);
    out.write(head.parentHash.slice(2), 25, "hex");
    out.write(head.hash.slice(2), 57, "hex");
  }
  out.set(ledger, HEADER_BYTES);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Splits snapshot data into the chain head and the ledger's bytes. Empty data (the bootstrap snapshot) is the empty
 * chain; a snapshot written before the block store (no magic byte) has an unknown head (null).
 */
export function decodeSnapshotData(data: Uint8Array): { head: SnapshotChain | null; ledger: Uint8Array } {
  if (data.byteLength === 0) return { head: { ...EMPTY_CHAIN, header: null }, ledger: data };
  const magic = data[0];
  if (magic !== MAGIC_HEAD && magic !== MAGIC_HEADER) return { head: null, ledger: data };
  const size = magic === MAGIC_HEAD ? HEAD_BYTES : HEADER_BYTES;
  if (data.byteLength < size) throw new Error(`snapshot data of ${data.byteLength} bytes is shorter than its chain head`);
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const num = (off: number) => Number(buf.readBigUInt64BE(off));
  const hex = (off: number) => "0x" + buf.toString("hex", off, off + 32);
  if (magic === MAGIC_HEAD) return { head: { number: num(1), hash: hex(9) }, ledger: data.subarray(size) };
  const number = num(1);
  const header = number === 0 ? null : { number, raftIndex: num(9), timestamp: num(17), parentHash: hex(25), hash: hex(57) };
  return { head: header === null ? { ...EMPTY_CHAIN, header } : { number, hash: header.hash, header }, ledger: data.subarray(size) };
}
