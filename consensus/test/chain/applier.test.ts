import { expect } from "chai";
import { HDNodeWallet, Mnemonic, Transaction } from "ethers";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { ChainApplier, applierCheckpointFile, type ApplierCheckpoint, type OrderedBlock } from "../../src/chain/applier";
import { CheckpointFile } from "../../src/chain/checkpoint";
import { BlockStore } from "../../src/blocks";
import { startHardhatNode, type DevNode } from "../../src/chain/devnode";
import { Replica } from "../../src/node/replica";
import { startReplicaEvm } from "../../src/node/replica-evm";
import { JsonRpcClient } from "../../src/chain/rpc";

const CHAIN_ID = 31337n;
const MNEMONIC = Mnemonic.fromPhrase("test test test test test test test test test test test junk");
const logger = pino({ level: "silent" });

function account(i: number): HDNodeWallet {
  return HDNodeWallet.fromMnemonic(MNEMONIC, `m/44'/60'/0'/0/${i}`);
}

interface ChainBlock {
  number: string;
  transactions: string[];
}

describe("chain/applier: ordered delivery to a Hardhat node", function () {
  this.timeout(120_000);
  let node: DevNode;
  let rpc: JsonRpcClient;
  let dir: string;
  const nonces = new Map<string, number>();

  // Signs a transfer; `tip` varies so a fee-ordered mempool would visibly reorder.
  async function transfer(from: HDNodeWallet, tip: bigint, nonce?: number): Promise<{ hash: string; raw: string }> {
    const n = nonce ?? nonces.get(from.address) ?? 0;
    if (nonce === undefined) nonces.set(from.address, n + 1);
    const raw = await from.signTransaction({
      type: 2,
      chainId: CHAIN_ID,
      nonce: n,
      to: account(19).address,
      value: 1n,
      gasLimit: 21_000n,
      maxFeePerGas: 100_000_000_000n,
      maxPriorityFeePerGas: tip,
    });
    return { hash: Transaction.from(raw).hash!.toLowerCase(), raw };
  }

  async function chainBlock(n: number): Promise<ChainBlock> {
    return rpc.call<ChainBlock>("eth_getBlockByNumber", ["0x" + n.toString(16), false]);
  }

  async function height(): Promise<number> {
    return Number(BigInt(await rpc.call<string>("eth_blockNumber")));
  }

  function newApplier(file = path.join(dir, `cp-${Math.random()}.json`)): { applier: ChainApplier; file: string } {
    const applier = new ChainApplier({ rpc, checkpoint: applierCheckpointFile(file), logger });
    applier.start();
    return { applier, file };
  }

  before(async function () {
    node = await startHardhatNode();
    rpc = new JsonRpcClient(node.url);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-applier-"));
  });

  after(async function () {
    await node?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe("when blocks are applied in order", function () {
    it("makes one chain block per ordered block with transactions in ordered sequence", async function () {
      const { applier, file } = newApplier();
      const blocks: OrderedBlock[] = [];
      for (let b = 0; b < 3; b++) {
        const txs = [];
        // Interleave senders with rising tips: FIFO must win over fee priority.
        for (let k = 0; k < 12; k++) txs.push(await transfer(account(k % 4), BigInt(1 + k * 1_000_000)));
        blocks.push({ index: 10 + b * 5, txs });
      }
      const start = await height();
      for (const block of blocks) {
        const records = (await applier.apply(block))!;
        expect(records.map((r) => r.error)).to.deep.equal(block.txs.map(() => undefined));
        expect(new Set(records.map((r) => r.chainBlock)).size).to.equal(1);
      }
      expect(await height()).to.equal(start + 3);
      for (let b = 0; b < 3; b++) {
        const mined = await chainBlock(start + 1 + b);
        expect(mined.transactions.map((h) => h.toLowerCase())).to.deep.equal(blocks[b]!.txs.map((t) => t.hash));
      }
      expect(applierCheckpointFile(file).read()).to.deep.equal({ appliedIndex: 20, chainBlock: start + 3, block: 0 });
    });

    it("skips a block at or below the checkpoint without touching the chain", async function () {
      const { applier } = newApplier();
      const block: OrderedBlock = { index: 3, txs: [await transfer(account(5), 1n)] };
      await applier.apply(block);
      const h = await height();
      expect(await applier.apply(block)).to.equal(null);
      expect(await applier.apply({ index: 2, txs: [await transfer(account(5), 1n)] })).to.equal(null);
      nonces.set(account(5).address, 1);
      expect(await height()).to.equal(h);
    });
  });

  describe("when the applier crashed after mining but before its checkpoint", function () {
    it("records the transactions from their receipts and mines nothing again", async function () {
      const file = path.join(dir, "crash-after-mine.json");
      const real = applierCheckpointFile(file);
      real.write({ appliedIndex: 40, chainBlock: await height(), block: 0 });
      const failing = new CheckpointFile<ApplierCheckpoint>(file, (v) => v as ApplierCheckpoint);
      failing.write = () => {
        throw new Error("simulated crash before the checkpoint");
      };
      const crashing = new ChainApplier({ rpc, checkpoint: failing, logger });
      crashing.start();
      const block: OrderedBlock = { index: 41, txs: [await transfer(account(6), 1n), await transfer(account(7), 1n)] };
      let crashed = false;
      await crashing.apply(block).catch(() => (crashed = true));
      expect(crashed).to.equal(true);
      const h = await height();

      const { applier } = newApplier(file);
      const records = (await applier.apply(block))!;
      expect(await height()).to.equal(h);
      expect(records.map((r) => r.chainBlock)).to.deep.equal([h, h]);
      expect(real.read()).to.deep.equal({ appliedIndex: 41, chainBlock: h, block: 0 });
    });
  });

  describe("when the applier crashed after sending part of a block", function () {
    it("sends the rest and mines the whole block once, in order", async function () {
      const { applier } = newApplier();
      await rpc.call("evm_setAutomine", [false]);
      const txs = [];
      for (let k = 0; k < 6; k++) txs.push(await transfer(account(8 + (k % 2)), BigInt(100 - k)));
      // The crashed run got the first three into the mempool.
      for (const t of txs.slice(0, 3)) await rpc.call("eth_sendRawTransaction", [t.raw]);
      const h = await height();
      const records = (await applier.apply({ index: 50, txs }))!;
      expect(await height()).to.equal(h + 1);
      expect(records.every((r) => r.chainBlock === h + 1 && r.error === undefined)).to.equal(true);
      expect((await chainBlock(h + 1)).transactions.map((x) => x.toLowerCase())).to.deep.equal(txs.map((t) => t.hash));
    });
  });

  describe("when the chain refuses a transaction", function () {
    it("records a reused nonce as refused and still applies the rest", async function () {
      const { applier } = newApplier();
      const a = account(10);
      const first = await transfer(a, 1n, 0);
      const reuse = await transfer(a, 2n, 0);
      const next = await transfer(account(11), 1n);
      nonces.set(a.address, 1);
      const records = (await applier.apply({ index: 60, txs: [first, reuse, next] }))!;
      expect(records[0]!.error).to.equal(undefined);
      expect(records[1]!.error).to.match(/nonce/i);
      expect(records[1]!.chainBlock).to.equal(null);
      expect(records[2]!.chainBlock).to.equal(records[0]!.chainBlock);
    });

    it("drops a transaction with a nonce gap so it cannot land in a later block", async function () {
      const { applier } = newApplier();
      const gap = await transfer(account(12), 1n, 5);
      const ok = await transfer(account(13), 1n);
      const records = (await applier.apply({ index: 70, txs: [gap, ok] }))!;
      expect(records[0]!.error).to.match(/nonce gap/);
      const later = await transfer(account(13), 1n);
      const h = await height();
      await applier.apply({ index: 71, txs: [later] });
      expect((await chainBlock(h + 1)).transactions.map((x) => x.toLowerCase())).to.deep.equal([later.hash]);
    });
  });

  // The replica host (one call per block or backlog) and a plain `hardhat node` (one send per round trip).
  const chainKinds: [string, (port?: number) => Promise<DevNode>][] = [
    ["the replica host", (port) => startReplicaEvm({ evm: "hardhat", port })],
    ["a plain hardhat node", (port) => startHardhatNode({ replica: true, port })],
  ];
  for (const [kind, startChain] of chainKinds) describe(`when a replica applies the blocks of a block store to ${kind}`, function () {
    let chain: DevNode;
    let store: BlockStore;
    let replica: Replica;
    const T0 = 1_790_000_000;

    before(async function () {
      chain = await startChain();
      store = await BlockStore.open(path.join(dir, `store-${kind}`));
      // Two blocks in one second: their chain blocks share the timestamp (allowBlocksWithSameTimestamp).
      for (const [k, ts] of [T0, T0, T0 + 7].entries()) {
        // Fixed nonces: each chain kind gets the same three transfers on its own fresh chain.
        const tx = await transfer(account(15), 1n, k);
        await store.append({ raftIndex: 10 + k, timestamp: ts, txs: [{ hash: tx.hash, raw: Buffer.from(tx.raw.slice(2), "hex") }] });
      }
      const crpc = new JsonRpcClient(chain.url);
      const applier = new ChainApplier({ rpc: crpc, checkpoint: applierCheckpointFile(path.join(dir, `replica-cp-${kind}.json`)), logger });
      applier.start();
      replica = new Replica({ applier, logger, store: { headNumber: () => store.head?.number ?? 0, blocks: (f, t) => store.blocks(f, t) }, minBackoffMs: 20, watchMs: 100 });
    });

    after(async function () {
      await replica?.stop();
      await store?.close();
      await chain?.stop();
    });

    async function chainHeaders(): Promise<{ number: string; hash: string; timestamp: string; transactions: string[] }[]> {
      const c = new JsonRpcClient(chain.url);
      const n = Number(BigInt(await c.call<string>("eth_blockNumber")));
      return Promise.all(Array.from({ length: n + 1 }, (_, b) => c.call<{ number: string; hash: string; timestamp: string; transactions: string[] }>("eth_getBlockByNumber", ["0x" + b.toString(16), false])));
    }

    it("mines one chain block per stored block, in order, with the block's timestamp", async function () {
      replica.kick();
      await replica.caughtUp();
      const blocks = await chainHeaders();
      expect(blocks.slice(1).map((b) => Number(BigInt(b.timestamp)))).to.deep.equal([T0, T0, T0 + 7]);
      const stored = [];
      for await (const b of store.blocks(1)) stored.push(b.txs[0]!.hash);
      expect(blocks.slice(1).map((b) => b.transactions[0]!.toLowerCase())).to.deep.equal(stored);
      expect(replica.appliedBlock).to.equal(3);
      expect(replica.head?.hash).to.equal(blocks[3]!.hash);
    });

    it("rebuilds the same chain from block 1 when its chain node lost its data", async function () {
      const before = await chainHeaders();
      const port = chain.port;
      await chain.stop();
      chain = await startChain(port);
      await waitUntil(async () => (await chainHeaders()).length === before.length);
      expect((await chainHeaders()).map((b) => b.hash)).to.deep.equal(before.map((b) => b.hash));
      expect(replica.appliedBlock).to.equal(3);
    });
  });
});

async function waitUntil(probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
