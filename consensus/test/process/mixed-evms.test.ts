import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { JsonRpcClient } from "../../src/chain/rpc";
import { LocalCluster } from "../../src/node/cluster";
import { until, untilStable } from "../helpers/until";
import { MarketWorkload, devWallet, type SignedTx } from "../helpers/market-workload";
import { freeBasePort } from "./load";
import { chainOf } from "../helpers/chain-headers";

type Header = Record<string, string> & { number: string; hash: string; timestamp: string; transactionsRoot: string; receiptsRoot: string };

interface Status {
  blocks: { number: number; hash: string };
  replica: { number: number; hash: string | null; appliedBlock: number; evm: string };
}

interface Proof {
  balance: string;
  nonce: string;
  codeHash: string;
}

/** Header fields an Anvil replica fills otherwise than a Hardhat one (measured: consensus/test/chain/replica-evms.test.ts). */
const EVM_OWN_FIELDS = new Set(["hash", "parentHash", "mixHash", "parentBeaconBlockRoot", "size", "stateRoot", "extraData", "transactionsRoot"]);

async function json<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { ...init, headers: { "content-type": "application/json" }, signal: AbortSignal.timeout(15_000) });
  return { status: res.status, body: (await res.json()) as T };
}

describe("process: a mixed-EVM cluster — two Hardhat replicas and one Anvil replica of the same ordered chain", function () {
  this.timeout(300_000);
  let cluster: LocalCluster;
  let dir: string;
  const work = new MarketWorkload();

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-mixed-evms-"));
    const evm = ["hardhat", "hardhat", "anvil"] as const;
    cluster = new LocalCluster({ nodes: 3, dir, basePort: await freeBasePort(3), chain: true, evm, tickMs: 50, electionTicks: 10, logLevel: "info", divergenceCheckMs: 300 });
    await cluster.generate();
    await cluster.startAll();
    await cluster.leader(30_000);
  });

  after(async function () {
    await cluster?.stopAll();
    if (this.currentTest?.state !== "failed") fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Submits in order (a sender's nonces follow each other), each through another node. */
  async function submitAll(txs: SignedTx[]): Promise<void> {
    for (const [k, tx] of txs.entries()) {
      const res = await json<{ hash: string }>(`${cluster.apiUrl(cluster.ids[k % 3]!)}/v1/transactions`, { method: "POST", body: JSON.stringify({ raw: tx.raw }) });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
    }
  }

  async function settled(): Promise<Status[]> {
    return untilStable(async () => {
      const st = await Promise.all(cluster.ids.map(async (id) => (await json<Status>(`${cluster.apiUrl(id)}/v1/status`)).body));
      const top = st[0]!.blocks;
      return st.every((s) => s.blocks.hash === top.hash && s.replica.appliedBlock === top.number && s.replica.hash !== null) ? st : undefined;
    }, (st) => st.map((s) => `${s.blocks.hash}/${s.replica.hash}`).join(","), 120_000, "every replica to apply every block");
  }

  describe("when the market's contracts are deployed and used through the cluster", function () {
    let chains: Header[][];

    before(async function () {
      await submitAll(await work.deploy());
      await settled();
      for (let k = 1; k <= 4; k++) await submitAll(await work.round(k));
      const st = await settled();
      expect(st.map((s) => s.replica.evm)).to.deep.equal(["hardhat", "hardhat", "anvil"]);
      chains = await Promise.all(cluster.ids.map((id) => chainOf<Header>(cluster.replicaUrl(id))));
    });

    it("gives the two Hardhat replicas the same block hash at every height", function () {
      expect(chains[1]!.map((b) => b.hash)).to.deep.equal(chains[0]!.map((b) => b.hash));
    });

    it("gives the Anvil replica the same time, transactions root and receipts root at every height after genesis", function () {
      const agreed = (c: Header[]) => c.slice(1).map((b) => ({ number: b.number, timestamp: b.timestamp, transactionsRoot: b.transactionsRoot, receiptsRoot: b.receiptsRoot, gasUsed: b.gasUsed, logsBloom: b.logsBloom }));
      expect(chains[2]!.length).to.equal(chains[0]!.length).and.to.be.greaterThan(5);
      expect(agreed(chains[2]!)).to.deep.equal(agreed(chains[0]!));
      chains[0]!.forEach((h, n) => {
        const differ = Object.keys(h).filter((k) => JSON.stringify(h[k]) !== JSON.stringify(chains[2]![n]![k]));
        expect(differ.filter((k) => !EVM_OWN_FIELDS.has(k)), `block ${n}`).to.deep.equal([]);
      });
    });

    it("leaves every account with the same balance, nonce and code on all three replicas", async function () {
      const accounts = [...Array.from({ length: 20 }, (_, i) => devWallet(i).address), work.tokenAddress, work.registryAddress];
      const state = async (id: string) => {
        const rpc = new JsonRpcClient(cluster.replicaUrl(id));
        const proofs = await Promise.all(accounts.map((a) => rpc.call<Proof>("eth_getProof", [a, [], "latest"])));
        return proofs.map((p) => ({ balance: p.balance, nonce: p.nonce, codeHash: p.codeHash }));
      };
      const [n1, n2, n3] = await Promise.all(cluster.ids.map(state));
      expect(n2).to.deep.equal(n1);
      expect(n3).to.deep.equal(n1);
    });

    it("raises no divergence: every node's /healthz answers 200 after several comparison rounds", async function () {
      await new Promise((r) => setTimeout(r, 1_500));
      const health = await Promise.all(cluster.ids.map((id) => json<{ ok: boolean }>(`${cluster.apiUrl(id)}/healthz`)));
      expect(health.map((h) => h.status)).to.deep.equal([200, 200, 200]);
    });
  });

  describe("when a transaction is sent straight into the Anvil replica's node", function () {
    it("is detected across EVMs below the head: the Hardhat nodes name n3, the block and the transactions root", async function () {
      await settled();
      // n3's applier mines the stray transaction with the next ordered block, so that block's transactions differ.
      const stray = await work.transfer(devWallet(18), devWallet(19).address);
      await new JsonRpcClient(cluster.replicaUrl("n3")).call("eth_sendRawTransaction", [stray.raw]);
      await submitAll(await work.round(5));
      await settled();
      const health = await until(async () => {
        const h = await json<{ divergence?: { peer: string; field: string; height: number }[] }>(`${cluster.apiUrl("n1")}/healthz`);
        return h.status === 503 ? h.body : undefined;
      }, 30_000, "n1's /healthz to fail");
      // Later blocks agree again; roots do not chain, so only comparing every height finds the one that differs.
      const strayBlock = (await new JsonRpcClient(cluster.replicaUrl("n3")).call<{ blockNumber: string }>("eth_getTransactionReceipt", [stray.hash])).blockNumber;
      expect(health.divergence!.map((d) => [d.peer, d.field, d.height])).to.deep.equal([["n3", "transactionsRoot", Number(BigInt(strayBlock))]]);
      const heads = await Promise.all(cluster.ids.map(async (id) => (await json<Status>(`${cluster.apiUrl(id)}/v1/status`)).body.replica.number));
      expect(heads[0]).to.be.greaterThan(Number(BigInt(strayBlock)));
    });
  });
});
