import { expect } from "chai";
import { Transaction, Wallet } from "ethers";
import fs from "node:fs";
import path from "node:path";
import type { OrderLedger } from "../../src/node/ledger";
import type { OrdererNode } from "../../src/node/node";
import { expectWholeChain, readStoredChain } from "../blocks/helpers";
import { InProcessCluster, getJson, post, signedTransfer, waitFor } from "./harness";

const POOL = ["trading-centre", "trading-centre", "trading-centre"] as const;

/** Closed-loop clients, one wallet each, posting to nodes in turn (followers forward): answers the acknowledged hashes. */
async function load(cluster: InProcessCluster, clients: number, perClient: number): Promise<string[]> {
  const ids = [...cluster.nodes.keys()];
  const acked: string[][] = await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      const w = new Wallet(Wallet.createRandom().privateKey);
      const mine: string[] = [];
      for (let nonce = 0; nonce < perClient; nonce++) {
        const raw = await signedTransfer(w, nonce);
        const via = ids[(c + nonce) % ids.length]!;
        const res = await waitFor(async () => {
          const r = await post(cluster.peerApi[via]!, raw);
          return r.status === 200 && r.body.status === "ordered" ? r : undefined;
        }, 10_000, "the transaction ordered");
        mine.push(res.body.hash as string);
      }
      return mine;
    }),
  );
  return acked.flat();
}

/** Waits until every running node applied the same log and its block store holds the same head, twice in a row. */
async function agreedHead(cluster: InProcessCluster, atLeast: number): Promise<{ number: number; hash: string }> {
  let last = "";
  return waitFor(() => {
    const sts = [...cluster.nodes.values()].map((n) => n.status());
    const key = JSON.stringify(sts.map((s) => [s.appliedIndex, s.blocks]));
    const same = sts.every((s) => s.appliedIndex === sts[0]!.appliedIndex && s.blocks.hash === sts[0]!.blocks.hash);
    const stable = key === last;
    last = key;
    return same && stable && sts[0]!.blocks.number >= atLeast ? sts[0]!.blocks : undefined;
  }, 15_000, "every node's block store at the same head");
}

describe("node: every node keeps every committed block in its own block store (issue 13)", function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;

  afterEach(async function () {
    await cluster.stopAll();
    cluster.cleanup();
  });

  describe("when three nodes order a load", function () {
    it("every node's block store holds the same blocks with the same hashes, under the leader's timestamps", async function () {
      cluster = new InProcessCluster({ roles: [...POOL], snapshotEntries: 7 }, { catchUpEntries: 3 });
      await cluster.startAll();
      const before = Math.floor(Date.now() / 1000);
      const acked = await load(cluster, 4, 12);
      const head = await agreedHead(cluster, 1);
      const status = (await getJson(`${cluster.peerApi["n2"]}/v1/status`)).body;
      expect(status.blocks).to.deep.equal(head);
      await cluster.stopAll();

      const chains = await Promise.all(cluster.configs.map((c) => readStoredChain(path.join(c.dataDir, "blocks"))));
      for (const chain of chains) expect(chain).to.deep.equal(chains[0]);
      expectWholeChain(chains[0]!, acked);
      expect(chains[0]!.blocks.at(-1)!.hash).to.equal(head.hash);
      expect(chains[0]!.blocks[0]!.timestamp).to.be.within(before, Math.floor(Date.now() / 1000));
    });
  });

  describe("when a node restarts from its own snapshot", function () {
    it("skips the blocks its store already holds and goes on with the same chain as its peers", async function () {
      cluster = new InProcessCluster({ roles: [...POOL], snapshotEntries: 5 }, { catchUpEntries: 2 });
      await cluster.startAll();
      const first = await load(cluster, 2, 8);
      const lead = await cluster.leader();
      const other = [...cluster.nodes.keys()].find((id) => id !== lead)!;
      await agreedHead(cluster, 1);
      const taken = await cluster.nodes.get(other)!.metrics.registry.getSingleMetric("orderer_snapshots_taken_total")!.get();
      expect(taken.values[0]!.value, "the node restarts from a snapshot of its own").to.be.greaterThan(0);
      await cluster.stop(other);
      await cluster.start(other);
      const second = await load(cluster, 2, 6);
      await agreedHead(cluster, 2);
      await cluster.stopAll();

      const chains = await Promise.all(cluster.configs.map((c) => readStoredChain(path.join(c.dataDir, "blocks"))));
      for (const chain of chains) expect(chain).to.deep.equal(chains[0]);
      expectWholeChain(chains[0]!, [...first, ...second]);
    });
  });

  describe("when a node installs the leader's snapshot covering blocks its store lacks", function () {
    it("pulls the missing blocks from its peers and ends with the same chain, entries applied meanwhile included", async function () {
      cluster = new InProcessCluster({ roles: [...POOL], snapshotEntries: 5 }, { catchUpEntries: 2 });
      await cluster.startAll();
      const lead = await cluster.leader();
      const lagging = [...cluster.nodes.keys()].find((id) => id !== lead)!;
      const first = await load(cluster, 1, 4);
      await agreedHead(cluster, 1);
      await cluster.stop(lagging);
      const missed = await load(cluster, 1, 15);
      const back = await cluster.start(lagging);
      const after = await load(cluster, 2, 5);
      await agreedHead(cluster, 1);
      const pulled = await back.metrics.registry.getSingleMetric("orderer_blocks_pulled_total")!.get();
      expect(pulled.values[0]!.value, "blocks came from peers").to.be.greaterThan(0);
      expect(back.status().catchingUp).to.equal(null);
      await cluster.stopAll();

      const chains = await Promise.all(cluster.configs.map((c) => readStoredChain(path.join(c.dataDir, "blocks"))));
      for (const chain of chains) expect(chain).to.deep.equal(chains[0]);
      expectWholeChain(chains[0]!, [...first, ...missed, ...after]);
    });
  });

  describe("when a node's blocks directory was wiped", function () {
    it("rebuilds it from its peers at its next start", async function () {
      cluster = new InProcessCluster({ roles: [...POOL], snapshotEntries: 5 }, { catchUpEntries: 2 });
      await cluster.startAll();
      const acked = await load(cluster, 2, 10);
      await agreedHead(cluster, 1);
      const victim = "n3";
      await cluster.stop(victim);
      fs.rmSync(path.join(cluster.configs.find((c) => c.id === victim)!.dataDir, "blocks"), { recursive: true, force: true });
      const back = await cluster.start(victim);
      const more = await load(cluster, 1, 4);
      await agreedHead(cluster, 1);
      const pulled = await back.metrics.registry.getSingleMetric("orderer_blocks_pulled_total")!.get();
      expect(pulled.values[0]!.value, "the store was rebuilt from peers, not from the node's own log").to.be.greaterThan(0);
      await cluster.stopAll();

      const chains = await Promise.all(cluster.configs.map((c) => readStoredChain(path.join(c.dataDir, "blocks"))));
      for (const chain of chains) expect(chain).to.deep.equal(chains[0]);
      expectWholeChain(chains[0]!, [...acked, ...more]);
    });
  });

  describe("when a transaction is older than the ledger's retention", function () {
    it("answers its look-up from the block store, as the ledger answered it", async function () {
      cluster = new InProcessCluster({ roles: [...POOL] }, { ledgerRetainedTxs: 2 });
      await cluster.startAll();
      const w = new Wallet(Wallet.createRandom().privateKey);
      const raw0 = await signedTransfer(w, 0);
      const hash0 = Transaction.from(raw0).hash!;
      expect((await post(cluster.peerApi["n1"]!, raw0)).body.status).to.equal("ordered");
      const nodes = [...cluster.nodes.values()];
      const fromLedger = await Promise.all(nodes.map((n) => waitFor(() => n.lookup(hash0), 5_000, "the position on every node")));
      for (let nonce = 1; nonce <= 5; nonce++) {
        expect((await post(cluster.peerApi["n1"]!, await signedTransfer(w, nonce))).body.status).to.equal("ordered");
      }
      await agreedHead(cluster, 6);

      // The ledger keeps only the newest blocks: it no longer knows the first transaction on any node.
      const ledgerOf = (n: OrdererNode): OrderLedger => (n as unknown as { ledger: OrderLedger }).ledger;
      for (const n of nodes) expect(ledgerOf(n).position(hash0.toLowerCase())).to.equal(undefined);
      for (const [i, n] of nodes.entries()) expect(await n.lookup(hash0)).to.deep.equal(fromLedger[i]);
      const res = await getJson(`${cluster.peerApi["n3"]}/v1/transactions/${hash0}`);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal(fromLedger[2]);
    });
  });
});
