import { GENESIS_PARENT } from "../blocks";

/** The head of the ordered block chain: what a snapshot says the chain held at its index. */
export interface ChainHead {
  readonly number: number;
  readonly hash: string;
}

/** The chain before its first block. */
export const EMPTY_CHAIN: ChainHead = { number: 0, hash: GENESIS_PARENT };

/** First byte of a snapshot that carries the chain head; ledger snapshots start with their version (1 or 2). */
const MAGIC = 0xb1;
const HEADER_BYTES = 1 + 8 + 32;

/**
 * Raft snapshot data: `[0xb1][chain head number u64][chain head hash 32]` then the ledger's snapshot. The chain head
 * at the snapshot's index is the same on every node (blocks are made deterministically from committed entries), so
 * a node that installs a leader's snapshot can tell whether its block store misses blocks the snapshot covers.
 */
export function encodeSnapshotData(head: ChainHead, ledger: Uint8Array): Uint8Array {
  const out = Buffer.alloc(HEADER_BYTES + ledger.byteLength);
  out.writeUInt8(MAGIC, 0);
  out.writeBigUInt64BE(BigInt(head.number), 1);
  out.write(head.hash.slice(2), 9, "hex");
  out.set(ledger, HEADER_BYTES);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Splits snapshot data into the chain head and the ledger's bytes. Empty data (the bootstrap snapshot) is the empty
 * chain; a snapshot written before the block store (no magic byte) has an unknown head (null).
 */
export function decodeSnapshotData(data: Uint8Array): { head: ChainHead | null; ledger: Uint8Array } {
  if (data.byteLength === 0) return { head: EMPTY_CHAIN, ledger: data };
  if (data[0] !== MAGIC) return { head: null, ledger: data };
  if (data.byteLength < HEADER_BYTES) throw new Error(`snapshot data of ${data.byteLength} bytes is shorter than its chain head`);
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const head = { number: Number(buf.readBigUInt64BE(1)), hash: "0x" + buf.toString("hex", 9, HEADER_BYTES) };
  return { head, ledger: data.subarray(HEADER_BYTES) };
}
