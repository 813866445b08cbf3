import { headerOf, makeBlock, type Block, type BlockTx } from "../../src/blocks";

/** A transaction whose hash is `n` and whose raw bytes count up from it. */
export function tx(n: number, size = 8): BlockTx {
  return { hash: "0x" + n.toString(16).padStart(64, "0"), raw: Uint8Array.from({ length: size }, (_, i) => (n + i) & 0xff) };
}

/** A chain of `count` blocks, one transaction each, Raft index 2k + 1 and timestamps 1000 + k. */
export function chain(count: number, first = 1): Block[] {
  const out: Block[] = [];
  for (let k = 0; k < count; k++) {
    const parent = out.length === 0 ? null : headerOf(out[out.length - 1]!);
    out.push(makeBlock(parent, { raftIndex: 2 * k + first, timestamp: 1000 + k, txs: [tx(k + first)] }));
  }
  return out;
}

