import { expect } from "chai";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { getAddress } from "ethers";
import { headerOf, makeBlock, type Block } from "../../src/blocks";
import { AdmissionUnavailableError, NotAdmittedError } from "../../src/chain/errors";
import type { ParsedTx } from "../../src/chain/tx";
import { OrdererMetrics } from "../../src/metrics/metrics";
import { ChainView, DEFAULT_CHAIN_ID } from "../../src/node/chain-view";
import { capturingLog } from "../helpers/capturing-log";
import { nodeConfig } from "./config-fixture";

const H = (n: number) => "0x" + n.toString(16).padStart(64, "0");
const noStore = { headNumber: () => 0, blocks: async function* () {} };

/** A chain node that answers each JSON-RPC method with `answers[method](params)`; a throw becomes an error answer. */
function rpcServer(answers: Record<string, (params: unknown[]) => unknown>) {
  const calls: string[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const r = JSON.parse(body) as { id: number; method: string; params: unknown[] };
      calls.push(`${r.method} ${JSON.stringify(r.params)}`);
      let out: object;
      try {
        out = { jsonrpc: "2.0", id: r.id, result: answers[r.method]!(r.params) };
      } catch (err) {
        out = { jsonrpc: "2.0", id: r.id, error: { code: -32000, message: (err as Error).message } };
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(out));
    });
  });
  return { server, calls };
}

const config = (dir: string, chain?: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  nodeConfig({ dataDir: dir, ...(chain === undefined ? {} : { chain }), ...extra });

const listen = async (rpc: ReturnType<typeof rpcServer>): Promise<string> => {
  await new Promise<void>((r) => rpc.server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(rpc.server.address() as AddressInfo).port}`;
};

/** A chain block as JSON-RPC answers it. */
const rpcBlock = (n: number) => ({ number: "0x" + n.toString(16), hash: H(1000 + n), stateRoot: H(2000 + n), timestamp: "0x10", transactionsRoot: H(7), receiptsRoot: H(8) });

const metric = async (metrics: OrdererMetrics, name: string): Promise<number> => (await metrics.registry.getSingleMetric(name)!.get()).values[0]?.value ?? 0;

describe("node/chain-view: this node's view of the private chain, its own EVM replica", function () {
  let dir: string;
  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-chain-view-"));
  });
  afterEach(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe("when no chain is configured", function () {
    it("has no replica: transactions are ordered, nothing is read from a chain", async function () {
      const view = new ChainView(config(dir), noStore, new OrdererMetrics({ nodeId: "n1" }), pino({ level: "silent" }));
      expect(view.chainId).to.equal(DEFAULT_CHAIN_ID);
      expect(view.evm).to.equal("hardhat");
      expect(view.replica).to.equal(null);
      expect(view.admission).to.equal(null);
      expect(view.replicaStatus()).to.equal(null);
      expect(await view.replicaBlock(1)).to.equal(null);
      expect(await view.replicaHead()).to.equal(null);
      expect(await view.nonceOf("0x" + "11".repeat(20))).to.equal(null);
      await expect(view.clientVersion()).to.be.rejectedWith("no chain is configured");
      expect(await view.lookup(H(1), { block: 3, index: 1 })).to.deep.equal({ status: "ordered", block: 3, index: 1, chainBlock: null });
      await view.close();
    });
  });

  describe("when the replica applies the stored blocks", function () {
    // Block 1 carries three transactions (the second refused by the chain the first time), block 2 none (a clock advance).
    const blocks: Block[] = [];
    blocks.push(makeBlock(null, { raftIndex: 4, timestamp: 1001, txs: [1, 2, 3].map((i) => ({ hash: H(i), raw: Uint8Array.from([i]) })) }));
    blocks.push(makeBlock(headerOf(blocks[0]!), { raftIndex: 6, timestamp: 1002, txs: [] }));
    const store = {
      headNumber: () => blocks.length,
      blocks: async function* (from: number, to: number) {
        for (const b of blocks) if (b.number >= from && b.number <= to) yield b;
      },
    };
    let chain: { height: number; refuse: boolean; applied: number };
    let rpc: ReturnType<typeof rpcServer>;
    let view: ChainView;
    let metrics: OrdererMetrics;

    beforeEach(async function () {
      chain = { height: 0, refuse: true, applied: 0 };
      rpc = rpcServer({
        // Our replica host: whole blocks in one dplc_applyBlocks call.
        web3_clientVersion: () => "HardhatNetwork/2.28.0/@nomicfoundation/edr/0.12.0 dplc-replica-host/2",
        evm_setAutomine: () => true,
        eth_getBlockByNumber: ([tag]) => (tag === "latest" ? rpcBlock(chain.height) : tag === "0x0" ? rpcBlock(0) : null),
        eth_getTransactionReceipt: () => null,
        dplc_applyBlocks: (calls) =>
          (calls as { transactions: string[] }[]).map((call) => {
            chain.height++;
            chain.applied++;
            const results = call.transactions.map((_, i) => (chain.refuse && i === 1 ? { chainBlock: null, error: "nonce too low" } : { chainBlock: chain.height }));
            return { head: rpcBlock(chain.height), results };
          }),
      });
      const url = await listen(rpc);
      metrics = new OrdererMetrics({ nodeId: "n1" });
      view = new ChainView(config(dir, { rpcUrl: url }), store, metrics, pino({ level: "silent" }));
    });

    afterEach(async function () {
      await view.close();
      await new Promise((r) => rpc.server.close(r));
    });

    it("counts applied blocks and transactions and the refused ones, and sets the replica's gauges", async function () {
      await view.replica!.caughtUp();
      expect(await metric(metrics, "orderer_chain_applied_blocks_total")).to.equal(2);
      expect(await metric(metrics, "orderer_chain_applied_transactions_total")).to.equal(2);
      expect(await metric(metrics, "orderer_chain_refused_transactions_total")).to.equal(1);
      expect(await metric(metrics, "orderer_chain_applied_index")).to.equal(6);
      expect(await metric(metrics, "orderer_replica_applied_block")).to.equal(2);
      expect(await metric(metrics, "orderer_replica_head")).to.equal(2);
      expect(view.replicaStatus()).to.deep.equal({ number: 2, hash: H(1002), stateRoot: H(2002), appliedBlock: 2, evm: "hardhat" });
    });

    it("stops its replica when closed: nothing is applied afterwards", async function () {
      await view.close();
      view.replica!.kick();
      await new Promise((r) => setTimeout(r, 50));
      expect(chain.applied).to.equal(0);
    });

    it("answers a refused transaction with its refusal until the replica is rebuilt", async function () {
      await view.replica!.caughtUp();
      const refused = { status: "ordered", block: 4, index: 1, chainBlock: null };
      expect(await view.lookup(H(2), { block: 4, index: 1 })).to.deep.equal({ ...refused, error: "nonce too low" });
      expect(fs.readFileSync(path.join(dir, "replica-refusals.jsonl"), "utf8")).to.contain("nonce too low");
      // The chain node lost its data: the replica applies both blocks again, and this time the chain takes all three.
      chain.height = 0;
      chain.refuse = false;
      view.replica!.kick();
      for (let i = 0; i < 200 && chain.applied < 4; i++) await new Promise((r) => setTimeout(r, 10));
      await view.replica!.caughtUp();
      expect(chain.applied).to.equal(4);
      expect(await view.lookup(H(2), { block: 4, index: 1 })).to.deep.equal(refused);
      expect(await metric(metrics, "orderer_chain_refused_transactions_total")).to.equal(1);
    });
  });

  describe("when admission is configured", function () {
    const APPROVED = getAddress("0x" + "a1".repeat(20));
    const OPERATOR = getAddress("0x" + "0b".repeat(20));
    const REGISTRY = getAddress("0x" + "5e".repeat(20));
    const tx = (sender: string) => ({ hash: H(1), sender, senderKey: sender.toLowerCase(), to: "0x" + "77".repeat(20), data: "0x" }) as unknown as ParsedTx;

    it("reads approvals from the registry on the replica's chain, with the configured chain id and no network probe", async function () {
      const rpc = rpcServer({
        // isApproved(address): true for APPROVED only.
        eth_call: ([call]) => {
          const { to, data } = call as { to: string; data: string };
          expect(getAddress(to)).to.equal(REGISTRY);
          return "0x" + (data.toLowerCase().endsWith(APPROVED.slice(2).toLowerCase()) ? "1" : "0").padStart(64, "0");
        },
      });
      const url = await listen(rpc);
      const view = new ChainView(
        config(dir, { rpcUrl: url, chainId: 1337 }, { admission: { registry: REGISTRY, operators: [OPERATOR] } }),
        noStore,
        new OrdererMetrics({ nodeId: "n1" }),
        pino({ level: "silent" }),
      );
      try {
        expect(view.admission?.enabled).to.equal(true);
        await view.admission!.check(tx(APPROVED));
        await view.admission!.check(tx(OPERATOR));
        await expect(view.admission!.check(tx(getAddress("0x" + "c3".repeat(20))))).to.be.rejectedWith(NotAdmittedError);
        expect(rpc.calls.map((c) => c.split(" ")[0])).to.deep.equal(["eth_call", "eth_call"]);
      } finally {
        await view.close();
        await new Promise((r) => rpc.server.close(r));
      }
    });
  });

  describe("when the replica's chain node answers", function () {
    let rpc: ReturnType<typeof rpcServer>;
    let view: ChainView;
    let debug: ReturnType<typeof capturingLog>;
    const receipts: Record<string, unknown> = {};

    beforeEach(async function () {
      rpc = rpcServer({
        web3_clientVersion: () => "anvil/v1.7.1",
        eth_getTransactionCount: ([addr]) => {
          if (addr === "0x" + "ee".repeat(20)) throw new Error("header not found");
          return "0x1f";
        },
        eth_getTransactionReceipt: ([hash]) => {
          if (hash === H(99)) throw new Error("node busy");
          return receipts[hash as string] ?? null;
        },
        eth_getBlockByNumber: ([tag]) =>
          tag === "0x5" || tag === "latest"
            ? { number: "0x5", hash: H(5), stateRoot: H(6), timestamp: "0x10", transactionsRoot: H(7), receiptsRoot: H(8) }
            : null,
      });
      await new Promise<void>((r) => rpc.server.listen(0, "127.0.0.1", r));
      const url = `http://127.0.0.1:${(rpc.server.address() as AddressInfo).port}`;
      // The replica has applied the ordered blocks up to Raft index 10 (store block 4).
      fs.writeFileSync(path.join(dir, "chain-checkpoint.json"), JSON.stringify({ appliedIndex: 10, chainBlock: 4, block: 4 }));
      // It refused one transaction (the chain keeps no trace of it).
      fs.writeFileSync(path.join(dir, "replica-refusals.jsonl"), JSON.stringify({ hash: H(7), error: "nonce too low" }) + "\n");
      debug = capturingLog("debug");
      view = new ChainView(config(dir, { rpcUrl: url, chainId: 1337, evm: "anvil" }), noStore, new OrdererMetrics({ nodeId: "n1" }), debug.log);
    });

    afterEach(async function () {
      await view.close();
      await new Promise((r) => rpc.server.close(r));
    });

    it("takes the chain id and the EVM from the config, and reports the replica's status and blocks", async function () {
      expect(view.chainId).to.equal(1337n);
      expect(view.evm).to.equal("anvil");
      expect(view.replicaStatus()).to.deep.equal({ number: 0, hash: null, stateRoot: null, appliedBlock: 4, evm: "anvil" });
      const head = { number: 5, hash: H(5), stateRoot: H(6), timestamp: 16, transactionsRoot: H(7), receiptsRoot: H(8) };
      expect(await view.replicaBlock(5)).to.deep.equal(head);
      expect(await view.replicaBlock(6)).to.equal(null);
      expect(await view.replicaHead()).to.deep.equal(head);
      expect(await view.clientVersion()).to.equal("anvil/v1.7.1");
      expect(rpc.calls).to.deep.equal(['eth_getBlockByNumber ["0x5",false]', 'eth_getBlockByNumber ["0x6",false]', 'eth_getBlockByNumber ["latest",false]', "web3_clientVersion []"]);
    });

    it("reads an account's nonce from the chain, and fails retryably when it cannot", async function () {
      expect(await view.nonceOf("0x" + "11".repeat(20))).to.equal(31);
      expect(rpc.calls).to.deep.equal([`eth_getTransactionCount ["0x${"11".repeat(20)}","latest"]`]);
      const err = await view.nonceOf("0x" + "ee".repeat(20)).catch((e: Error) => e);
      expect(err).to.be.instanceOf(AdmissionUnavailableError);
      expect((err as Error).message).to.match(new RegExp(`^admission check unavailable: the nonce of 0x${"ee".repeat(20)} could not be read from the chain: .*header not found`));
      expect((err as Error).cause).to.be.instanceOf(Error);
    });

    describe("when a client looks a transaction up", function () {
      it("answers ordered, without asking the chain, while the replica has not applied its block", async function () {
        expect(await view.lookup(H(1), { block: 11, index: 0 })).to.deep.equal({ status: "ordered", block: 11, index: 0, chainBlock: null });
        expect(rpc.calls).to.deep.equal([]);
      });

      it("answers applied with the chain block and the receipt's status once the replica holds it", async function () {
        receipts[H(1)] = { blockNumber: "0x3", status: "0x1" };
        receipts[H(2)] = { blockNumber: "0x4", status: "0x0" };
        receipts[H(3)] = { blockNumber: "0x4" };
        expect(await view.lookup(H(1), { block: 10, index: 0 })).to.deep.equal({ status: "applied", block: 10, index: 0, chainBlock: 3, receiptStatus: "success" });
        expect(await view.lookup(H(2), { block: 9, index: 1 })).to.deep.equal({ status: "applied", block: 9, index: 1, chainBlock: 4, receiptStatus: "reverted" });
        expect(await view.lookup(H(3), { block: 9, index: 2 })).to.deep.equal({ status: "applied", block: 9, index: 2, chainBlock: 4 });
      });

      it("answers a transaction the replica refused with the refusal, without asking the chain", async function () {
        expect(await view.lookup(H(7), { block: 10, index: 3 })).to.deep.equal({ status: "ordered", block: 10, index: 3, chainBlock: null, error: "nonce too low" });
        expect(rpc.calls).to.deep.equal([]);
      });

      it("answers ordered when the chain has no receipt, a pending one, or cannot be read", async function () {
        receipts[H(4)] = { blockNumber: null };
        const ordered = (hash: string) => view.lookup(hash, { block: 10, index: 0 });
        expect(await ordered(H(5))).to.deep.equal({ status: "ordered", block: 10, index: 0, chainBlock: null });
        expect(await ordered(H(4))).to.deep.equal({ status: "ordered", block: 10, index: 0, chainBlock: null });
        expect(await ordered(H(99))).to.deep.equal({ status: "ordered", block: 10, index: 0, chainBlock: null });
        const failed = debug.lines.filter((l) => l.msg === "receipt look-up failed");
        expect(failed.map((l) => [l.hash, (l.err as { message?: string }).message])).to.deep.equal([[H(99), "chain RPC eth_getTransactionReceipt failed: node busy"]]);
      });
    });
  });
});
