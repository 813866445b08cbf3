import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ClassicLevel } from "classic-level";
import { BlockChainError, BlockCorruptionError, BlockStore, encodeBlock, makeBlock, type Block } from "../../src/blocks";
import { chain, tx } from "./helpers";
import { runAndKill } from "../helpers/run-and-kill";

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "dplc-blocks-"));
}

async function collect(it: AsyncIterable<Block>): Promise<number[]> {
  const out: number[] = [];
  for await (const b of it) out.push(b.number);
  return out;
}

const WRITER = path.join(__dirname, "fixtures", "block-writer.ts");

describe("blocks/store: every ordered block, durably, on every node", function () {
  let dir: string;
  let store: BlockStore;

  beforeEach(async function () {
    dir = tempDir();
    store = await BlockStore.open(dir);
  });

  afterEach(async function () {
    await store.close().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("appends blocks in order and finds each by number and each transaction by hash", async function () {
    expect(store.head).to.equal(null);
    const b1 = await store.append({ raftIndex: 3, timestamp: 100, txs: [tx(1), tx(2)] });
    const b2 = await store.append({ raftIndex: 5, timestamp: 101, txs: [tx(3)] });
    expect(store.head).to.include({ number: 2, hash: b2.hash, parentHash: b1.hash, raftIndex: 5 });
    expect((await store.block(1))!.hash).to.equal(b1.hash);
    expect(await store.block(3)).to.equal(undefined);
    expect(await store.locate(tx(2).hash)).to.deep.equal({ number: 1, index: 1 });
    expect(await store.locate(tx(3).hash.toUpperCase().replace("0X", "0x"))).to.deep.equal({ number: 2, index: 0 });
    expect(await store.locate(tx(4).hash)).to.equal(undefined);
    expect(await collect(store.blocks(1))).to.deep.equal([1, 2]);
    expect(await collect(store.blocks(2, 2))).to.deep.equal([2]);
    expect(await collect(store.blocks(3))).to.deep.equal([]);
  });

  it("numbers concurrent appends consecutively, in call order", async function () {
    const made = await Promise.all([1, 2, 3, 4].map((k) => store.append({ raftIndex: k, timestamp: 7, txs: [tx(k)] })));
    expect(made.map((b) => b.number)).to.deep.equal([1, 2, 3, 4]);
    expect(made.map((b) => b.raftIndex)).to.deep.equal([1, 2, 3, 4]);
  });

  it("keeps every block and the index across a close and reopen", async function () {
    for (const b of chain(5)) await store.appendPulled(b);
    await store.close();
    store = await BlockStore.open(dir);
    expect(store.head!.number).to.equal(5);
    expect(await collect(store.blocks(1))).to.deep.equal([1, 2, 3, 4, 5]);
    expect(await store.locate(tx(4).hash)).to.deep.equal({ number: 4, index: 0 });
    const next = await store.append({ raftIndex: 20, timestamp: 2000, txs: [] });
    expect(next.parentHash).to.equal((await store.block(5))!.hash);
  });

  describe("when blocks are pulled from a peer", function () {
    it("stores a chain made elsewhere, block by block, with identical hashes", async function () {
      const peer = chain(3);
      for (const b of peer) await store.appendPulled(b);
      expect(store.head!.hash).to.equal(peer[2]!.hash);
    });

    it("refuses a forged or out-of-order block and stores nothing of it", async function () {
      const [b1, b2, b3] = chain(3);
      await store.appendPulled(b1!);
      await expect(store.appendPulled(b3!)).to.be.rejectedWith(BlockChainError, /block 3: expected block 2/);
      const forged = { ...b2!, txs: [tx(42)] };
      await expect(store.appendPulled(forged)).to.be.rejectedWith(BlockChainError, /does not match its contents/);
      const otherChain = makeBlock(null, { raftIndex: 9, timestamp: 1, txs: [] });
      await expect(store.appendPulled({ ...b2!, parentHash: otherChain.hash })).to.be.rejectedWith(BlockChainError, /parent hash/);
      expect(store.head!.number).to.equal(1);
      expect(await store.locate(tx(42).hash)).to.equal(undefined);
      await store.appendPulled(b2!);
      expect(store.head!.number).to.equal(2);
    });
  });

  describe("when a node stores the blocks committed during one write together", function () {
    it("writes them in one batch, the same chain as one by one", async function () {
      const made = chain(4);
      await store.appendBlocks(made.slice(0, 3));
      await store.appendBlocks(made.slice(3));
      expect(store.head!.hash).to.equal(made[3]!.hash);
      expect(await store.locate(tx(3).hash)).to.deep.equal({ number: 3, index: 0 });
    });

    it("stores none of the batch when one block does not continue the chain", async function () {
      const [b1, b2, b3] = chain(3);
      await expect(store.appendBlocks([b1!, b3!])).to.be.rejectedWith(BlockChainError, /block 3: expected block 2/);
      expect(store.head).to.equal(null);
      expect(await store.locate(b1!.txs[0]!.hash)).to.equal(undefined);
      await store.appendBlocks([b1!, b2!]);
      expect(store.head!.number).to.equal(2);
    });
  });

  describe("when a stored record was damaged on disk", function () {
    async function damage(n: number): Promise<void> {
      await store.close();
      const raw = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: "buffer", valueEncoding: "buffer" });
      const key = Buffer.alloc(9);
      key[0] = 0x62;
      key.writeBigUInt64BE(BigInt(n), 1);
      await raw.put(key, encodeBlock({ ...chain(3)[n - 1]!, txs: [tx(77)] }));
      await raw.close();
    }

    beforeEach(async function () {
      for (const b of chain(3)) await store.appendPulled(b);
    });

    it("refuses to serve it as a block, alone or in a range", async function () {
      await damage(1);
      store = await BlockStore.open(dir);
      await expect(store.block(1)).to.be.rejectedWith(BlockCorruptionError, /block 1 is corrupt: its hash does not match/);
      await expect(collect(store.blocks(1))).to.be.rejectedWith(BlockCorruptionError, /block 1 is corrupt/);
      expect(await collect(store.blocks(2))).to.deep.equal([2, 3]);
    });

    it("refuses to open on a damaged head", async function () {
      await damage(3);
      await expect(BlockStore.open(dir)).to.be.rejectedWith(BlockCorruptionError, /block 3 is corrupt: its hash does not match/);
    });
  });

  describe("when the writing process is killed with kill -9", function () {
    this.timeout(120_000);

    it("keeps every acknowledged block, in one hash chain, across three kill and reopen cycles", async function () {
      await store.close();
      let acked = 0;
      for (let round = 0; round < 3; round++) {
        acked = Math.max(acked, ...(await runAndKill(WRITER, dir, 100)));
        const reopened = await BlockStore.open(dir);
        try {
          expect(reopened.head!.number).to.be.at.least(acked);
          let parent: string | null = null;
          for await (const b of reopened.blocks(1)) {
            if (parent !== null) expect(b.parentHash).to.equal(parent);
            expect(b.txs[0]!.hash).to.equal("0x" + b.number.toString(16).padStart(64, "0"));
            parent = b.hash;
          }
          expect(await reopened.locate("0x" + acked.toString(16).padStart(64, "0"))).to.deep.equal({ number: acked, index: 0 });
        } finally {
          await reopened.close();
        }
      }
      store = await BlockStore.open(dir);
    });
  });
});
