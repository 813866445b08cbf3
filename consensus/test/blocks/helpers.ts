import { expect } from "chai";
import { BlockStore, headerOf, makeBlock, type Block, type BlockTx } from "../../src/blocks";

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


/** A stored chain as a node left it: per block its number, hash and transaction hashes, in order. */
export interface StoredChain {
  blocks: { number: number; hash: string; raftIndex: number; timestamp: number; txs: string[] }[];
}

/** Opens the block store in `dir` (its node stopped), reads every block (each checked against its hash), closes it. */
export async function readStoredChain(dir: string): Promise<StoredChain> {
  const store = await BlockStore.open(dir);
  try {
    const blocks: StoredChain["blocks"] = [];
    for await (const b of store.blocks(1)) {
      blocks.push({ number: b.number, hash: b.hash, raftIndex: b.raftIndex, timestamp: b.timestamp, txs: b.txs.map((t) => t.hash) });
    }
    return { blocks };
  } finally {
    await store.close();
  }
}

/** The chain is numbered 1..n without a gap, linked by hash, and holds each acknowledged transaction exactly once. */
export function expectWholeChain(chain: StoredChain, acked: readonly string[]): void {
  chain.blocks.forEach((b, i) => expect(b.number, "numbered without gaps").to.equal(i + 1));
  for (let i = 1; i < chain.blocks.length; i++) {
    expect(chain.blocks[i]!.raftIndex).to.be.greaterThan(chain.blocks[i - 1]!.raftIndex);
    expect(chain.blocks[i]!.timestamp).to.be.at.least(chain.blocks[i - 1]!.timestamp);
  }
  const txs = chain.blocks.flatMap((b) => b.txs);
  expect(new Set(txs).size, "no transaction stored twice").to.equal(txs.length);
  expect(txs).to.include.members(acked.map((h) => h.toLowerCase()));
}

