import { expect } from "chai";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { AdmissionUnavailableError } from "../../src/chain/errors";
import { OrdererMetrics } from "../../src/metrics/metrics";
import { ChainView, DEFAULT_CHAIN_ID } from "../../src/node/chain-view";
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

const config = (dir: string, chain?: Record<string, unknown>) => nodeConfig({ dataDir: dir, ...(chain === undefined ? {} : { chain }) });

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

  describe("when the replica's chain node answers", function () {
    let rpc: ReturnType<typeof rpcServer>;
    let view: ChainView;
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
      view = new ChainView(config(dir, { rpcUrl: url, chainId: 1337, evm: "anvil" }), noStore, new OrdererMetrics({ nodeId: "n1" }), pino({ level: "silent" }));
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
      });
    });
  });
});
