import { expect } from "chai";
import { HDNodeWallet, Mnemonic, Transaction } from "ethers";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { ChainApplier, applierCheckpointFile, type AppliedTx, type ApplierCheckpoint, type OrderedBlock, type OrderedTx } from "../../src/chain/applier";
import { CheckpointFile } from "../../src/chain/checkpoint";
import { freePort, REPO_ROOT, startHardhatNode, superviseNode, type DevNode } from "../../src/chain/devnode";
import { ChainNotAtParentError } from "../../src/chain/errors";
import { JsonRpcClient, type RpcRequest } from "../../src/chain/rpc";
import { REPLICA_HOST, startReplicaEvm } from "../../src/node/replica-evm";
import { signedTransfer } from "../node/harness";

const MNEMONIC = Mnemonic.fromPhrase("test test test test test test test test test test test junk");
const logger = pino({ level: "silent" });
const T0 = Math.floor(Date.parse("2026-01-01T00:00:00Z") / 1000) + 100;

function account(i: number): HDNodeWallet {
  return HDNodeWallet.fromMnemonic(MNEMONIC, `m/44'/60'/0'/0/${i}`);
}

// A transfer; rising tips across a block show that a fee-ordered mempool would reorder it.
async function transfer(from: number, nonce: number, tip = 1n): Promise<OrderedTx> {
  const raw = await signedTransfer(account(from), nonce, account(19).address, tip);
  return { hash: Transaction.from(raw).hash!.toLowerCase(), raw };
}

/** A workload with every case the apply path must keep: interleaved senders, a reused nonce, a nonce gap, an empty
 * block, two blocks in one second. */
async function workload(): Promise<OrderedBlock[]> {
  const blocks: OrderedBlock[] = [];
  const next = [0, 0, 0, 0];
  for (let b = 0; b < 4; b++) {
    const txs = [];
    for (let k = 0; k < 9; k++) txs.push(await transfer(k % 4, next[k % 4]!++, BigInt(1 + k * 1_000_000)));
    blocks.push({ index: 10 + 3 * b, number: b + 1, timestamp: T0 + (b < 2 ? 0 : 5 * b), txs });
  }
  blocks.push({ index: 30, number: 5, timestamp: T0 + 30, txs: [] });
  blocks.push({ index: 31, number: 6, timestamp: T0 + 31, txs: [await transfer(0, 0, 2n), await transfer(5, 7), await transfer(6, 0)] });
  return blocks;
}

interface Header {
  hash: string;
  timestamp: string;
  stateRoot: string;
  transactions: string[];
}

async function headers(rpc: JsonRpcClient): Promise<Header[]> {
  const n = Number(BigInt(await rpc.call<string>("eth_blockNumber")));
  return Promise.all(Array.from({ length: n + 1 }, (_, b) => rpc.call<Header>("eth_getBlockByNumber", ["0x" + b.toString(16), false])));
}

/** A client that remembers which methods it was asked for. */
function countingRpc(url: string): { rpc: JsonRpcClient; methods: Map<string, number>; requests: Map<string, number> } {
  const rpc = new JsonRpcClient(url);
  const methods = new Map<string, number>();
  const requests = new Map<string, number>();
  const batch = rpc.batch.bind(rpc);
  rpc.batch = (reqs: RpcRequest[]) => {
    for (const r of reqs) methods.set(r.method, (methods.get(r.method) ?? 0) + 1);
    requests.set(reqs[0]!.method, (requests.get(reqs[0]!.method) ?? 0) + 1);
    return batch(reqs);
  };
  return { rpc, methods, requests };
}

describe("chain/block-call: a whole ordered block in one dplc_applyBlocks call to the replica host", function () {
  this.timeout(120_000);
  let dir: string;
  let blocks: OrderedBlock[];

  function applier(rpc: JsonRpcClient, file = path.join(dir, `cp-${Math.random()}.json`)): ChainApplier {
    const a = new ChainApplier({ rpc, checkpoint: applierCheckpointFile(file), logger });
    a.start();
    return a;
  }

  async function applyAll(a: ChainApplier, list: OrderedBlock[]): Promise<AppliedTx[][]> {
    const out: AppliedTx[][] = [];
    for (const b of list) out.push((await a.apply(b))!);
    return out;
  }

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-block-call-"));
    blocks = await workload();
  });

  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe("when the same blocks go to the host and to a plain hardhat node", function () {
    let host: DevNode;
    let backlogHost: DevNode;
    let plain: DevNode;
    let viaHost: { rpc: JsonRpcClient; methods: Map<string, number> };
    let viaBacklog: { rpc: JsonRpcClient; methods: Map<string, number> };
    let viaSends: { rpc: JsonRpcClient; methods: Map<string, number> };
    let hostRecords: AppliedTx[][];
    let backlogRecords: (AppliedTx[] | null)[];
    let sendRecords: AppliedTx[][];
    let hostApplier: ChainApplier;
    let sendApplier: ChainApplier;

    before(async function () {
      [host, backlogHost, plain] = await Promise.all([startReplicaEvm({ evm: "hardhat" }), startReplicaEvm({ evm: "hardhat" }), startHardhatNode({ replica: true })]);
      viaHost = countingRpc(host.url);
      viaBacklog = countingRpc(backlogHost.url);
      viaSends = countingRpc(plain.url);
      hostApplier = applier(viaHost.rpc);
      sendApplier = applier(viaSends.rpc);
      hostRecords = await applyAll(hostApplier, blocks);
      backlogRecords = await applier(viaBacklog.rpc).applyMany(blocks);
      sendRecords = await applyAll(sendApplier, blocks);
    });

    after(async function () {
      await Promise.all([host?.stop(), backlogHost?.stop(), plain?.stop()]);
    });

    it("uses one call per block on the host, and no per-transaction send there", function () {
      expect(viaHost.methods.get("dplc_applyBlocks")).to.equal(blocks.length);
      expect(viaHost.methods.has("eth_sendRawTransaction")).to.equal(false);
      expect(viaSends.methods.has("dplc_applyBlocks")).to.equal(false);
      expect(viaSends.methods.get("eth_sendRawTransaction")).to.equal(blocks.flatMap((b) => b.txs).length);
    });

    it("applies a backlog in two calls (the first block alone after a start) with the same records and chain", async function () {
      expect(viaBacklog.methods.get("dplc_applyBlocks")).to.equal(2);
      expect(backlogRecords).to.deep.equal(hostRecords);
      const [a, b] = await Promise.all([headers(viaHost.rpc), headers(viaBacklog.rpc)]);
      expect(b.map((h) => h.hash)).to.deep.equal(a.map((h) => h.hash));
    });

    it("gives the same records as the per-transaction path, refusals included", function () {
      expect(hostRecords).to.deep.equal(sendRecords);
      const last = hostRecords.at(-1)!;
      expect(last[0]!.error).to.match(/nonce/i);
      expect(last[0]!.chainBlock).to.equal(null);
      expect(last[1]!.error).to.match(/nonce gap/);
      expect(last[2]!.error).to.equal(undefined);
    });

    it("makes the same chain block by block: order kept, fixed timestamps, one block for the empty one", async function () {
      const [a, b] = await Promise.all([headers(viaHost.rpc), headers(viaSends.rpc)]);
      expect(a.map((h) => h.hash)).to.deep.equal(b.map((h) => h.hash));
      // The last ordered block makes two chain blocks on both paths: the nonce gap's transaction waits for one more
      // mine before it is dropped.
      expect(a.length).to.equal(blocks.length + 2);
      expect(a.slice(1).map((h) => Number(BigInt(h.timestamp)))).to.deep.equal([...blocks.map((x) => x.timestamp), blocks.at(-1)!.timestamp]);
      expect(a[7]!.transactions).to.deep.equal([]);
      blocks.slice(0, 4).forEach((block, i) => {
        expect(a[i + 1]!.transactions.map((h) => h.toLowerCase())).to.deep.equal(block.txs.map((t) => t.hash));
      });
      expect(a[5]!.transactions).to.deep.equal([]);
      expect(a[6]!.transactions.map((h) => h.toLowerCase())).to.deep.equal([blocks[5]!.txs[2]!.hash]);
    });

    it("mines a block whose time is behind the head at the head's time, as the per-transaction path does", async function () {
      const late: OrderedBlock = { index: 50, number: 7, timestamp: T0, txs: [await transfer(7, 0)] };
      const a = await hostApplier.apply(late);
      const b = await sendApplier.apply(late);
      expect(a).to.deep.equal(b);
      expect(a![0]!.error).to.equal(undefined);
      const [ha, hb] = await Promise.all([headers(viaHost.rpc), headers(viaSends.rpc)]);
      expect(ha.at(-1)!.hash).to.equal(hb.at(-1)!.hash);
      expect(Number(BigInt(ha.at(-1)!.timestamp))).to.equal(blocks.at(-1)!.timestamp);
    });

    it("refuses malformed parameters with invalid params", async function () {
      const err = await viaHost.rpc.call("dplc_applyBlocks", [{ index: "one", transactions: [] }]).catch((e: unknown) => e);
      expect(err).to.include({ code: -32602 });
    });
  });

  describe("when a block's one EDR batch stops at a refusal after sends it already took", function () {
    let host: DevNode;
    let plain: DevNode;
    let viaHost: JsonRpcClient;
    let viaSends: JsonRpcClient;
    let hostRecords: AppliedTx[][];
    let sendRecords: AppliedTx[][];
    let stopping: OrderedBlock[];

    before(async function () {
      [host, plain] = await Promise.all([startReplicaEvm({ evm: "hardhat" }), startHardhatNode({ replica: true })]);
      viaHost = new JsonRpcClient(host.url);
      viaSends = new JsonRpcClient(plain.url);
      stopping = [
        { index: 2, number: 1, timestamp: T0, txs: [await transfer(8, 0), await transfer(9, 0)] },
        // The used nonce stops the batch at its third send: the first two are in the mempool, the rest never ran.
        { index: 3, number: 2, timestamp: T0 + 1, txs: [await transfer(11, 0), await transfer(9, 1), await transfer(8, 0, 5n), await transfer(10, 5), await transfer(11, 1)] },
      ];
      hostRecords = await applyAll(applier(viaHost), stopping);
      const sends = new ChainApplier({ rpc: viaSends, checkpoint: applierCheckpointFile(path.join(dir, "stop-sends.json")), logger, feed: "sends" });
      sends.start();
      sendRecords = await applyAll(sends, stopping);
    });

    after(async function () {
      await Promise.all([host?.stop(), plain?.stop()]);
    });

    it("answers as the sends one by one do: the sends before the refusal kept, the used nonce refused", function () {
      expect(hostRecords).to.deep.equal(sendRecords);
      expect(hostRecords[1]!.map((r) => r.error === undefined)).to.deep.equal([true, true, false, false, true]);
      expect(hostRecords[1]![2]!.error).to.match(/nonce too low/i);
      expect(hostRecords[1]![3]!.error).to.match(/nonce gap/);
    });

    it("makes the same chain, the block's transactions in the order sent", async function () {
      const [a, b] = await Promise.all([headers(viaHost), headers(viaSends)]);
      expect(a.map((h) => h.hash)).to.deep.equal(b.map((h) => h.hash));
      expect(a[2]!.transactions.map((h) => h.toLowerCase())).to.deep.equal([0, 1, 4].map((i) => stopping[1]!.txs[i]!.hash));
    });

    it("refuses a transaction sent twice in one block the second time, as the host's sends one by one did", async function () {
      const twice = await transfer(12, 0);
      const [records] = await applyAll(applier(viaHost), [{ index: 4, number: 3, timestamp: T0 + 2, txs: [twice, twice] }]);
      const head = Number(BigInt(await viaHost.call<string>("eth_blockNumber")));
      expect(records!.map((r) => r.chainBlock)).to.deep.equal([head, null]);
      expect(records![1]!.error).to.equal(`Known transaction: ${twice.hash}`);
    });
  });

  describe("when the applier crashed after the host applied a block but before its checkpoint", function () {
    let host: DevNode;

    beforeEach(async function () {
      host = await startReplicaEvm({ evm: "hardhat" });
    });

    afterEach(async function () {
      await host?.stop();
    });

    it("gets the host's first answer again and mines nothing twice, a refusal's text included", async function () {
      const rpc = new JsonRpcClient(host.url);
      const file = path.join(dir, "crash.json");
      const first = await applyAll(applier(rpc, file), blocks.slice(0, 4));
      const failing = new CheckpointFile<ApplierCheckpoint>(file, (v) => v as ApplierCheckpoint);
      failing.write = () => {
        throw new Error("simulated crash before the checkpoint");
      };
      const crashing = new ChainApplier({ rpc, checkpoint: failing, logger });
      crashing.start();
      const lastTwo = blocks.slice(4);
      for (const b of lastTwo) expect(await crashing.apply(b).then(() => "applied", () => "crashed")).to.equal("crashed");
      const before = await headers(rpc);

      const again = await applyAll(applier(rpc, file), lastTwo);
      expect((await headers(rpc)).map((h) => h.hash)).to.deep.equal(before.map((h) => h.hash));
      expect(again.at(-1)!.map((r) => r.error !== undefined)).to.deep.equal([true, true, false]);
      expect(again.at(-1)![0]!.error).to.match(/nonce/i);
      expect(first.flat().every((r) => r.error === undefined)).to.equal(true);
      expect(applierCheckpointFile(file).read()).to.include({ appliedIndex: 31, block: 6, chainBlock: before.length - 1 });
    });
  });

  describe("when a call names a parent the chain does not hold (a wiped chain node, another chain)", function () {
    let host: DevNode;
    let rpc: JsonRpcClient;

    beforeEach(async function () {
      host = await startReplicaEvm({ evm: "hardhat" });
      rpc = new JsonRpcClient(host.url);
    });

    afterEach(async function () {
      await host?.stop();
    });

    const height = async (): Promise<number> => Number(BigInt(await rpc.call<string>("eth_blockNumber")));

    it("refuses the whole call and applies nothing when the head is below the parent", async function () {
      const call = { index: 10, number: 1, timestamp: T0, parent: { chainBlock: 3 }, transactions: [blocks[0]!.txs[0]!.raw] };
      const err = await rpc.call("dplc_applyBlocks", [call]).catch((e: unknown) => e);
      expect(err).to.include({ code: -32010 });
      expect(await height()).to.equal(0);
    });

    it("refuses a call whose parent names another genesis", async function () {
      const call = { index: 10, number: 1, timestamp: T0, parent: { chainBlock: 0, genesis: "0x" + "77".repeat(32) }, transactions: [] };
      const err = await rpc.call("dplc_applyBlocks", [call]).catch((e: unknown) => e);
      expect(err).to.include({ code: -32010 });
      expect(await height()).to.equal(0);
    });

    it("makes an applier whose checkpoint the chain lacks throw ChainNotAtParentError, and apply after a reset", async function () {
      const file = path.join(dir, "wiped.json");
      applierCheckpointFile(file).write({ appliedIndex: 13, chainBlock: 2, block: 2 });
      const a = applier(rpc, file);
      const err = await a.applyMany(blocks.slice(2, 3)).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ChainNotAtParentError);
      expect(await height()).to.equal(0);
      a.reset();
      const records = await a.applyMany(blocks.slice(0, 2));
      expect(records.flat().every((r) => r!.error === undefined && r!.chainBlock !== null)).to.equal(true);
      expect(await height()).to.equal(2);
    });
  });

  describe("when the host no longer keeps the answer of a block sent again", function () {
    let host: DevNode;

    before(async function () {
      const port = await freePort();
      const child = spawn(process.execPath, [REPLICA_HOST, "--port", String(port), "--kept-answers", "1"], { cwd: REPO_ROOT, detached: true, stdio: ["ignore", "ignore", "pipe"] });
      host = await superviseNode(child, port, 60_000, "replica host");
    });

    after(async function () {
      await host?.stop();
    });

    it("records from receipts where each transaction went, and the rest as refused", async function () {
      const rpc = new JsonRpcClient(host.url);
      await applyAll(applier(rpc), [...blocks, { index: 40, number: 7, timestamp: T0 + 40, txs: [] }]);
      const before = await headers(rpc);
      const [records] = await applyAll(applier(rpc), [blocks[5]!]);
      expect((await headers(rpc)).map((h) => h.hash)).to.deep.equal(before.map((h) => h.hash));
      expect(records!.map((r) => r.chainBlock)).to.deep.equal([null, null, 6]);
      expect(records![2]!.error).to.equal(undefined);
      expect(records!.slice(0, 2).every((r) => /refused by the chain before this node restarted/.test(r.error ?? ""))).to.equal(true);
    });
  });

  describe("when the chain node is Anvil", function () {
    let batched: DevNode;
    let single: DevNode;

    before(async function () {
      [batched, single] = await Promise.all([startReplicaEvm({ evm: "anvil" }), startReplicaEvm({ evm: "anvil" })]);
    });

    after(async function () {
      await Promise.all([batched?.stop(), single?.stop()]);
    });

    it("sends each block as one batch, checked against the pending block: the same records and chain as one by one", async function () {
      const viaBatch = countingRpc(batched.url);
      const viaSends = countingRpc(single.url);
      const a = new ChainApplier({ rpc: viaBatch.rpc, checkpoint: applierCheckpointFile(path.join(dir, "anvil-batch.json")), logger });
      const b = new ChainApplier({ rpc: viaSends.rpc, checkpoint: applierCheckpointFile(path.join(dir, "anvil-sends.json")), logger, feed: "sends" });
      a.start();
      b.start();
      const batchRecords = await applyAll(a, blocks);
      const sendRecords = await applyAll(b, blocks);
      expect(batchRecords).to.deep.equal(sendRecords);
      const sends = blocks.flatMap((x) => x.txs).length;
      expect(viaBatch.requests.get("eth_sendRawTransaction")).to.equal(blocks.filter((x) => x.txs.length > 0).length);
      expect(viaSends.requests.get("eth_sendRawTransaction")).to.equal(sends);
      const [ha, hb] = await Promise.all([headers(viaBatch.rpc), headers(viaSends.rpc)]);
      expect(ha.map((h) => h.hash)).to.deep.equal(hb.map((h) => h.hash));
      blocks.slice(0, 4).forEach((block, i) => {
        expect(ha[i + 1]!.transactions.map((h) => h.toLowerCase())).to.deep.equal(block.txs.map((t) => t.hash));
      });
    });
  });
});
