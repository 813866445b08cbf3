import { expect } from "chai";
import { Transaction, Wallet } from "ethers";
import { InProcessCluster, getJson, post, signedTransfer, waitFor } from "./harness";

const wallet = (): Wallet => new Wallet(Wallet.createRandom().privateKey);

describe("node: the orderer driver over an in-process network", function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;

  afterEach(async function () {
    await cluster.stopAll();
    cluster.cleanup();
  });

  describe("when three pool nodes run", function () {
    beforeEach(async function () {
      cluster = new InProcessCluster({ roles: ["trading-centre", "trading-centre", "participant"] });
      await cluster.startAll();
    });

    it("orders a transaction sent to a follower (forwarded) and every node agrees on its position", async function () {
      const lead = await cluster.leader();
      const follower = [...cluster.nodes.keys()].find((id) => id !== lead)!;
      const raw = await signedTransfer(wallet(), 0);
      const res = await post(cluster.peerApi[follower]!, raw);
      expect(res.status).to.equal(200);
      expect(res.body.status).to.equal("ordered");
      const hash = Transaction.from(raw).hash!;
      expect(res.body.hash).to.equal(hash);
      const positions = await Promise.all(
        [...cluster.nodes.values()].map((n) => waitFor(() => n.lookup(hash), 5_000, "the position on every node")),
      );
      for (const p of positions) expect(p).to.deep.equal(positions[0]);
      expect(positions[0]!.status).to.equal("ordered");
    });

    it("deduplicates a transaction submitted twice", async function () {
      const lead = await cluster.leader();
      const raw = await signedTransfer(wallet(), 0);
      const [a, b] = await Promise.all([post(cluster.peerApi[lead]!, raw), post(cluster.peerApi[lead]!, raw)]);
      const c = await post(cluster.peerApi[lead]!, raw);
      expect([a.body.status, b.body.status, c.body.status]).to.deep.equal(["ordered", "ordered", "ordered"]);
      const status = (await getJson(`${cluster.peerApi[lead]}/v1/status`)).body;
      const node = cluster.nodes.get(lead)!;
      const pos = await node.lookup(Transaction.from(raw).hash!);
      expect(pos!.index).to.equal(0);
      expect(status.commitIndex).to.be.a("number");
    });

    it("reports status with role, term, leader, pool and members", async function () {
      const lead = await cluster.leader();
      // A follower learns who leads from the leader's first append, a moment after the election.
      const body = await waitFor(async () => {
        const b = (await getJson(`${cluster.peerApi.n3}/v1/status`)).body;
        return b.leader !== null ? b : undefined;
      }, 5_000, "n3 to know the leader");
      expect(body.id).to.equal("n3");
      expect(body.role).to.equal("participant");
      expect(body.leader).to.equal(lead);
      expect(body.pool).to.deep.equal(["n1", "n2"]);
      expect((body.members as unknown[]).length).to.equal(3);
      expect(body.term as number).to.be.greaterThan(0);
    });

    it("exposes orderer, WAL and request metrics on /metrics", async function () {
      const lead = await cluster.leader();
      await post(cluster.peerApi[lead]!, await signedTransfer(wallet(), 0));
      const text = await (await fetch(`${cluster.peerApi[lead]}/metrics`)).text();
      for (const name of [
        "orderer_proposals_total",
        "orderer_committed_entries_total",
        "orderer_leader_changes_total",
        "orderer_elections_total",
        "orderer_dropped_messages_total",
        "orderer_http_request_duration_seconds_bucket",
        "dplc_wal_fsync_seconds_bucket",
        "dplc_log_last_index",
      ]) {
        expect(text).to.contain(name);
      }
      expect(text).to.match(/orderer_proposals_total\{node="n\d"\} [1-9]/);
    });

    it("keeps ordering after the leader stops and catches the old leader up on restart", async function () {
      const w = wallet();
      const first = await cluster.leader();
      const hashes: string[] = [];
      for (let i = 0; i < 5; i++) {
        const raw = await signedTransfer(w, i);
        hashes.push(Transaction.from(raw).hash!);
        expect((await post(cluster.peerApi.n3!, raw)).body.status).to.equal("ordered");
      }
      await cluster.stop(first);
      const second = await cluster.leader();
      expect(second).to.not.equal(first);
      for (let i = 5; i < 10; i++) {
        const raw = await signedTransfer(w, i);
        hashes.push(Transaction.from(raw).hash!);
        const res = await waitFor(async () => {
          const r = await post(cluster.peerApi.n3!, raw);
          return r.status === 200 && r.body.status === "ordered" ? r : undefined;
        }, 10_000, "the transaction ordered by the new leader");
        expect(res.body.hash).to.equal(hashes[i]);
      }
      const back = await cluster.start(first);
      for (const h of hashes) {
        const mine = await waitFor(() => back.lookup(h), 10_000, "the restarted node to catch up");
        expect(mine).to.deep.equal(await cluster.nodes.get(second)!.lookup(h));
      }
      const order = (await Promise.all(hashes.map((h) => back.lookup(h)))).map((p) => [p!.block, p!.index]);
      const sorted = [...order].sort((x, y) => x[0]! - y[0]! || x[1]! - y[1]!);
      expect(order).to.deep.equal(sorted);
    });
  });

  describe("when no candidate-pool node is alive (the paper's pool gate)", function () {
    it("answers 503 'no eligible leader' promptly instead of hanging", async function () {
      cluster = new InProcessCluster({ roles: ["trading-centre", "participant", "participant"] }, { leaderWaitMs: 1_500 });
      await cluster.startAll();
      expect(await cluster.leader()).to.equal("n1");
      await cluster.stop("n1");
      const res = await post(cluster.peerApi.n2!, await signedTransfer(wallet(), 0));
      expect(res.status).to.equal(503);
      expect(res.body.error).to.match(/no eligible leader/);
      const again = await post(cluster.peerApi.n3!, await signedTransfer(wallet(), 0));
      expect(again.status).to.equal(503);
      expect(again.body.error).to.match(/no eligible leader/);
    });
  });
});
