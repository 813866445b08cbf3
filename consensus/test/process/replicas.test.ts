import { expect } from "chai";
import { Wallet } from "ethers";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { JsonRpcClient } from "../../src/chain/rpc";
import { LocalCluster } from "../../src/node/cluster";
import { devAccount, freeBasePort } from "./load";
import { chainOf } from "../helpers/chain-headers";

interface Header {
  number: string;
  hash: string;
  stateRoot: string;
  receiptsRoot: string;
  transactions: string[];
}

interface Status {
  blocks: { number: number; hash: string };
  replica: { number: number; hash: string | null; stateRoot: string | null; appliedBlock: number };
}

async function json<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { ...init, headers: { "content-type": "application/json" }, signal: AbortSignal.timeout(15_000) });
  return { status: res.status, body: (await res.json()) as T };
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const transfer = (from: Wallet | ReturnType<typeof devAccount>, nonce: number, value = 1n): Promise<string> =>
  from.signTransaction({ type: 2, chainId: 31337n, nonce, to: devAccount(0).address, value, gasLimit: 21_000n, maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: 1n });

describe("process: a replica per member — three orderer processes, each with its own Hardhat replica", function () {
  this.timeout(300_000);
  let cluster: LocalCluster;
  let dir: string;
  const nonces = new Map<number, number>();

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-replicas-"));
    cluster = new LocalCluster({ nodes: 3, dir, basePort: await freeBasePort(3), chain: true, tickMs: 50, electionTicks: 10, logLevel: "info", divergenceCheckMs: 300 });
    await cluster.generate();
    await cluster.startAll();
    await cluster.leader(30_000);
  });

  after(async function () {
    await cluster?.stopAll();
    if (this.currentTest?.state !== "failed") fs.rmSync(dir, { recursive: true, force: true });
  });

  async function submit(id: string, raw: string): Promise<string> {
    const res = await json<{ hash: string; status: string }>(`${cluster.apiUrl(id)}/v1/transactions`, { method: "POST", body: JSON.stringify({ raw }) });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body.hash;
  }

  /** A load of transfers from ten senders through every node; answers the acknowledged hashes. */
  async function load(count: number): Promise<string[]> {
    const acked: string[] = [];
    await Promise.all(
      Array.from({ length: 10 }, async (_, s) => {
        const sender = devAccount(1 + s);
        for (let k = 0; k < count / 10; k++) {
          const nonce = nonces.get(s) ?? 0;
          nonces.set(s, nonce + 1);
          acked.push(await submit(cluster.ids[(s + k) % 3]!, await transfer(sender, nonce)));
        }
      }),
    );
    return acked;
  }

  /** Every node's replica applied every block of its store, and the stores agree. */
  async function settled(): Promise<Status[]> {
    // The same on two polls in a row: block stores write up to 10 ms after a block applies (see untilStable).
    let last: string | undefined;
    return until(async () => {
      const st = await Promise.all(cluster.ids.map(async (id) => (await json<Status>(`${cluster.apiUrl(id)}/v1/status`)).body));
      const top = st[0]!.blocks;
      const done = st.every((s) => s.blocks.hash === top.hash && s.replica.appliedBlock === top.number && s.replica.hash !== null);
      const key = done ? st.map((s) => `${s.blocks.hash}/${s.replica.hash}`).join(",") : undefined;
      const stable = key !== undefined && key === last;
      last = key;
      return stable ? st : undefined;
    }, 120_000, "every replica to apply every block");
  }

  /** Every node's replica applied (or refused) `hash`. */
  async function landed(hash: string): Promise<void> {
    await until(async () => {
      const views = await Promise.all(cluster.ids.map(async (id) => (await json<{ status: string; error?: string }>(`${cluster.apiUrl(id)}/v1/transactions/${hash}`)).body));
      return views.every((v) => v.status === "applied" || v.error !== undefined) ? true : undefined;
    }, 60_000, `${hash} on every replica`);
  }

  async function expectIdentical(): Promise<Header[]> {
    const all = await Promise.all(cluster.ids.map((id) => chainOf<Header>(cluster.replicaUrl(id))));
    for (const [k, chain] of all.entries()) {
      expect(chain.map((b) => b.hash), `${cluster.ids[k]}'s block hashes`).to.deep.equal(all[0]!.map((b) => b.hash));
      expect(chain.map((b) => b.stateRoot), `${cluster.ids[k]}'s state roots`).to.deep.equal(all[0]!.map((b) => b.stateRoot));
    }
    return all[0]!;
  }

  describe("when a load of transfers is ordered", function () {
    it("ends with the same block hash and state root at every height on every replica, each transaction once", async function () {
      const acked = await load(200);
      await landed(acked.at(-1)!);
      const st = await settled();
      const chain = await expectIdentical();
      const onChain = chain.flatMap((b) => b.transactions.map((h) => h.toLowerCase()));
      expect(new Set(onChain).size).to.equal(onChain.length);
      expect(onChain.filter((h) => acked.includes(h)).length).to.equal(acked.length);
      for (const s of st) expect(s.replica).to.deep.include({ number: chain.length - 1, hash: chain.at(-1)!.hash, stateRoot: chain.at(-1)!.stateRoot });
    });
  });

  describe("when a transaction is looked up", function () {
    it("answers the same on every node, for an applied and for a refused transaction", async function () {
      const ok = await submit("n2", await transfer(devAccount(15), 0));
      const refused = await submit("n3", await transfer(new Wallet(Wallet.createRandom().privateKey), 0));
      await landed(ok);
      await landed(refused);
      for (const hash of [ok, refused]) {
        const answers = await Promise.all(cluster.ids.map((id) => json<Record<string, unknown>>(`${cluster.apiUrl(id)}/v1/transactions/${hash}`)));
        for (const a of answers) expect(a).to.deep.equal(answers[0]);
      }
      const a = (await json<Record<string, unknown>>(`${cluster.apiUrl("n1")}/v1/transactions/${ok}`)).body;
      expect(a).to.deep.include({ status: "applied", receiptStatus: "success" });
      const r = (await json<Record<string, unknown>>(`${cluster.apiUrl("n1")}/v1/transactions/${refused}`)).body;
      expect(r).to.deep.include({ status: "ordered", chainBlock: null });
      expect(r.error).to.match(/funds/i);
    });
  });

  describe("when the clock is advanced (devnet)", function () {
    it("gives the next block the advanced time on every replica", async function () {
      const before = Math.floor(Date.now() / 1000);
      const res = await json<{ offsetSeconds: number; now: number }>(`${cluster.apiUrl("n3")}/v1/clock`, { method: "POST", body: JSON.stringify({ advanceSeconds: 3_600 }) });
      expect(res.status).to.equal(200);
      const hash = await submit("n1", await transfer(devAccount(16), 0));
      await landed(hash);
      await settled();
      const chain = await expectIdentical();
      const mined = chain.find((b) => b.transactions.map((h) => h.toLowerCase()).includes(hash))!;
      const ts = await new JsonRpcClient(cluster.replicaUrl("n2")).call<{ timestamp: string }>("eth_getBlockByNumber", [mined.number, false]);
      expect(Number(BigInt(ts.timestamp))).to.be.at.least(before + 3_600);
    });
  });

  describe("when a replica's chain node is restarted empty", function () {
    it("rebuilds the replica from the block store: the same chain as its peers", async function () {
      const before = await expectIdentical();
      await cluster.stopChain("n2");
      await cluster.startChain("n2");
      await until(async () => ((await chainOf<Header>(cluster.replicaUrl("n2"))).length >= before.length ? true : undefined), 120_000, "n2's replica to be rebuilt");
      await load(30);
      await settled();
      const after = await expectIdentical();
      expect(after.slice(0, before.length).map((b) => b.hash)).to.deep.equal(before.map((b) => b.hash));
      expect((await json(`${cluster.apiUrl("n2")}/healthz`)).status).to.equal(200);
    });
  });

  describe("when a transaction is sent straight into one replica's EVM node", function () {
    it("is detected: /healthz fails naming the peer and height, and the divergence metric is set", async function () {
      await settled();
      // Straight into n3's chain node, then one more ordered block: n3's applier mines the stray transaction with it.
      const rpc = new JsonRpcClient(cluster.replicaUrl("n3"));
      await rpc.call("eth_sendRawTransaction", [await transfer(devAccount(17), 0)]);
      await load(10);
      await settled();
      const health = await until(async () => {
        const h = await json<{ ok: boolean; divergence?: { peer: string; height: number }[] }>(`${cluster.apiUrl("n3")}/healthz`);
        return h.status === 503 && h.body.divergence?.length === 2 ? h.body : undefined;
      }, 30_000, "n3's /healthz to fail, naming both peers");
      expect(health.ok).to.equal(false);
      expect(health.divergence!.map((d) => d.peer).sort()).to.deep.equal(["n1", "n2"]);
      expect(health.divergence![0]!.height).to.be.greaterThan(0);
      const metrics = await (await fetch(`${cluster.apiUrl("n3")}/metrics`)).text();
      expect(metrics).to.match(/orderer_replica_diverged\{[^}]*peer="n1"[^}]*\} 1/);
      const peerHealth = await until(async () => ((await json(`${cluster.apiUrl("n1")}/healthz`)).status === 503 ? true : undefined), 30_000, "n1 to see n3 diverge");
      expect(peerHealth).to.equal(true);
    });
  });
});
