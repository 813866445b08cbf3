import { expect } from "chai";
import { Transaction } from "ethers";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { FundedTxFactory } from "../../bench/funded";
import { runLoad } from "../../bench/load";
import { JsonRpcClient } from "../../src/chain/rpc";
import { LocalCluster } from "../../src/node/cluster";
import { until } from "../helpers/until";
import { freeBasePort } from "../process/load";

// Issue 13: `bench:consensus --replicas` sends transactions a chain executes, where the default payload's nonces
// near 2^48 made every node with a replica refuse every transaction (409, nonce gap).
describe("bench/funded: the --replicas payload", function () {
  describe("when a client's transactions are made", function () {
    const f = FundedTxFactory.create(2);

    it("signs each with the client's own sender, consecutive nonces from 0, 200 bytes for the replicas' chain", function () {
      const txs = [f.next(1), f.next(1), f.next(1)].map((raw) => ({ raw, tx: Transaction.from(raw) }));
      expect(txs.map((t) => t.tx.from)).to.deep.equal(Array(3).fill(f.addresses[1]));
      expect(txs.map((t) => t.tx.nonce)).to.deep.equal([0, 1, 2]);
      expect(txs.map((t) => (t.raw.length - 2) / 2)).to.deep.equal([200, 200, 200]);
      expect(txs[0]!.tx.chainId).to.equal(31337n);
      expect(txs[0]!.tx.from).to.not.equal(Transaction.from(f.next(0)).from);
    });

    it("hands out what was signed ahead, in nonce order, before signing during the load", function () {
      const g = FundedTxFactory.create(1);
      g.presign(1, 0.002);
      const nonces = [0, 1, 2, 3].map(() => Transaction.from(g.next(0)).nonce);
      expect(nonces).to.deep.equal([0, 1, 2, 3]);
      expect(g.signedDuringLoad).to.equal(1);
    });
  });

  describe("when a short load runs against three nodes with a replica each (real processes)", function () {
    this.timeout(240_000);
    let cluster: LocalCluster;
    let dir: string;

    before(async function () {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-funded-"));
      cluster = new LocalCluster({ nodes: 3, dir, basePort: await freeBasePort(3), chain: true, fsync: true, logLevel: "warn", tickMs: 50, electionTicks: 10 });
      await cluster.generate();
      await cluster.startAll();
      await cluster.leader(30_000);
    });

    after(async function () {
      await cluster?.stopAll();
      if (this.currentTest?.state !== "failed") fs.rmSync(dir, { recursive: true, force: true });
    });

    it("commits every transaction without a refusal, and every replica executes each client's every one", async function () {
      const clients = 4;
      const f = FundedTxFactory.create(clients);
      await f.fund(cluster.apiUrl(await cluster.leader()));
      const sent = Array<number>(clients).fill(0);
      f.presign(clients, 2);
      const stats = await runLoad({
        url: cluster.apiUrl(await cluster.leader()),
        clients,
        warmupMs: 0,
        durationMs: 2_000,
        request: (c) => (sent[c]!++, { path: "/v1/transactions", body: JSON.stringify({ raw: f.next(c) }) }),
        accept: (b) => b.includes('"ordered"') || b.includes('"applied"'),
      });
      expect(stats.failed).to.equal(0);
      // Each client's last answer comes after the window closed and is not counted either way.
      expect(stats.completed).to.equal(sent.reduce((a, b) => a + b, 0) - clients);
      expect(Math.min(...sent)).to.be.greaterThan(0);
      for (const id of cluster.ids) {
        const rpc = new JsonRpcClient(cluster.replicaUrl(id));
        const want = JSON.stringify(sent);
        await until(async () => (JSON.stringify(await chainNonces(rpc, f.addresses)) === want ? true : undefined), 60_000, `${id}'s replica to show nonces ${want}`);
      }
    });
  });
});

/** Each sender's account nonce on a replica's chain: how many of its transactions the chain executed. */
const chainNonces = (rpc: JsonRpcClient, senders: string[]): Promise<number[]> =>
  Promise.all(senders.map(async (a) => Number(await rpc.call<string>("eth_getTransactionCount", [a, "latest"]))));
