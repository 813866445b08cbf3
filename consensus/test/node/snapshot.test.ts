import { expect } from "chai";
import { Transaction, Wallet } from "ethers";
import fs from "node:fs";
import path from "node:path";
import { InProcessCluster, metric, post, signedTransfer, waitFor } from "./harness";

describe("node: §7 log compaction and snapshots", function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;

  afterEach(async function () {
    await cluster.stopAll();
    cluster.cleanup();
  });

  async function order(count: number, w: Wallet, from: number, via: string): Promise<string[]> {
    const hashes: string[] = [];
    for (let i = from; i < from + count; i++) {
      const raw = await signedTransfer(w, i);
      const res = await waitFor(async () => {
        const r = await post(cluster.peerApi[via]!, raw);
        return r.status === 200 && r.body.status === "ordered" ? r : undefined;
      }, 10_000, "the transaction ordered");
      hashes.push(res.body.hash as string);
    }
    return hashes;
  }

  it("restores the ledger from its own snapshot after a restart, and installs the leader's snapshot when it missed compacted entries", async function () {
    cluster = new InProcessCluster(
      { roles: ["trading-centre", "trading-centre", "trading-centre"], snapshotEntries: 5 },
      { catchUpEntries: 2 },
    );
    await cluster.startAll();
    const lead = await cluster.leader();
    const lagging = [...cluster.nodes.keys()].find((id) => id !== lead)!;
    const via = [...cluster.nodes.keys()].find((id) => id !== lagging)!;
    const w = new Wallet(Wallet.createRandom().privateKey);
    const early = await order(12, w, 0, via);

    await cluster.stop(lagging);
    const missed = await order(15, w, 12, via);
    const snapDir = path.join(cluster.dir, lead, "raft", "snap");
    expect(fs.readdirSync(snapDir).length, "the leader wrote snapshots").to.be.greaterThan(0);

    // The lagging node needs entries the leader compacted away: only a snapshot can bring it up.
    const back = await cluster.start(lagging);
    for (const h of [...early, ...missed]) {
      const mine = await waitFor(() => back.lookup(h), 10_000, `${h} on the restarted node`);
      expect(mine).to.deep.equal(await cluster.nodes.get(via)!.lookup(h));
    }

    expect(await metric(back, "orderer_snapshots_installed_total")).to.be.greaterThan(0);
    expect(await metric(cluster.nodes.get(lead)!, "orderer_snapshots_taken_total")).to.be.greaterThan(0);

    // A node restarted from its own snapshot plus log answers the same positions.
    await cluster.stop(via);
    const again = await cluster.start(via);
    for (const h of [...early, ...missed]) {
      const p = await waitFor(() => again.lookup(h), 10_000, `${h} after restart`);
      expect(p).to.deep.equal(await back.lookup(h));
    }
    const dup = await post(cluster.peerApi[via]!, await signedTransfer(w, 3));
    expect(dup.body.hash).to.equal(Transaction.from(await signedTransfer(w, 3)).hash);
    expect(dup.body.status).to.equal("ordered");
  });
});
