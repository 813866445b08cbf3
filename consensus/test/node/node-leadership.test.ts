import { expect } from "chai";
import { Wallet } from "ethers";
import { ClockAdvanceDisabledError, LeaderUnavailableError } from "../../src/api/errors";
import { decodeBlockPage } from "../../src/blocks";
import { parseRawTransaction } from "../../src/chain/tx";
import { NotLeaderError } from "../../src/core";
import { CHAIN_ID, InProcessCluster, metric, post, signedTransfer, waitFor } from "./harness";

const ROLES = ["trading-centre", "trading-centre", "participant"] as const;

/** Orders one transaction through `lead`: it has applied its leadership's first entry and serves. */
async function serving(cluster: InProcessCluster, lead: string): Promise<void> {
  const raw = await signedTransfer(new Wallet(Wallet.createRandom().privateKey), 0);
  expect((await post(cluster.peerApi[lead]!, raw)).body.status).to.equal("ordered");
}

describe("node: leadership as the driver sees it (metrics, lost leadership, devnet clock)", function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;

  afterEach(async function () {
    await cluster.stopAll();
    cluster.cleanup();
  });

  it("counts elections, leader changes, its role, term, commit index and what it proposed and committed", async function () {
    cluster = new InProcessCluster({ roles: [...ROLES] });
    await cluster.startAll();
    const lead = await cluster.leader();
    const leader = cluster.nodes.get(lead)!;
    const w = new Wallet(Wallet.createRandom().privateKey);
    for (let i = 0; i < 2; i++) expect((await post(cluster.peerApi[lead]!, await signedTransfer(w, i))).body.status).to.equal("ordered");
    const st = leader.status();
    expect(await metric(leader, "orderer_is_leader")).to.equal(1);
    expect(await metric(leader, "orderer_elections_total")).to.be.at.least(1);
    expect(await metric(leader, "orderer_leader_changes_total")).to.be.at.least(1);
    expect(await metric(leader, "orderer_term")).to.equal(st.term);
    expect(await metric(leader, "orderer_commit_index")).to.be.at.least(st.appliedIndex);
    expect(await metric(leader, "orderer_proposals_total")).to.be.within(1, 2);
    expect(await metric(leader, "orderer_proposed_transactions_total")).to.equal(2);
    expect(await metric(leader, "orderer_committed_entries_total")).to.equal(await metric(leader, "orderer_proposals_total"));
    for (const [id, node] of cluster.nodes) {
      if (id === lead) continue;
      await waitFor(() => (node.status().appliedIndex >= st.appliedIndex ? true : undefined), 10_000, `${id} to apply`);
      expect(await metric(node, "orderer_is_leader")).to.equal(0);
      expect(await metric(node, "orderer_leader_changes_total")).to.be.at.least(1);
      // A follower that never campaigned counts no election; the participant never may.
      if (id === "n3") expect(await metric(node, "orderer_elections_total")).to.equal(0);
      expect(await metric(node, "orderer_committed_entries_total")).to.equal(await metric(leader, "orderer_committed_entries_total"));
    }
  });

  describe("when the leader loses its quorum while a client waits for its transaction", function () {
    it("fails its wait at once: the transaction may still be ordered, resubmit the same bytes", async function () {
      // A lease of 50 ticks (1 s): on a loaded machine a lease of 10 could end before the submit reaches the leader.
      cluster = new InProcessCluster({ roles: [...ROLES], electionTicks: 50 }, { faultInjection: true, submitWaitMs: 30_000 });
      await cluster.startAll();
      const lead = await cluster.leader();
      const leader = cluster.nodes.get(lead)!;
      const others = cluster.configs.map((c) => c.id).filter((id) => id !== lead);
      await serving(cluster, lead);
      const tx = parseRawTransaction(await signedTransfer(new Wallet(Wallet.createRandom().privateKey), 0), CHAIN_ID);
      const campaigns = await metric(leader, "orderer_elections_total");
      leader.partition.set(others);
      const started = Date.now();
      let campaignsAtFailure = -1;
      const err = await leader.submit(tx).catch(async (e: Error) => {
        campaignsAtFailure = await metric(leader, "orderer_elections_total");
        return e;
      });
      // Failed when it stepped down, before its first campaign as a follower (an election timeout later).
      expect(campaignsAtFailure).to.equal(campaigns);
      expect(err).to.be.instanceOf(LeaderUnavailableError);
      expect((err as Error).message).to.equal(
        "leadership lost (no leader known) before the transaction committed; it may still be ordered: resubmit the same signed bytes",
      );
      // CheckQuorum stepped it down within a few election timeouts, long before the client's 30 s wait.
      expect(Date.now() - started).to.be.below(20_000);
      expect(await metric(leader, "orderer_is_leader")).to.equal(0);
      expect(await leader.lookup(tx.hash)).to.equal(undefined);
    });

    it("fails every waiter at once: proposed blocks, a batch held back, a clock advance and a membership change", async function () {
      // The same lease: time to set up every waiter before CheckQuorum steps the leader down.
      cluster = new InProcessCluster({ roles: [...ROLES], electionTicks: 50, clockAdvance: true }, { submitWaitMs: 30_000 });
      // A batch waiting behind the in-flight limit is cut only by a block committing or by this timeout: never here.
      for (const c of cluster.configs) c.batching.batchTimeoutMs = 60_000;
      await cluster.startAll();
      const lead = await cluster.leader();
      const leader = cluster.nodes.get(lead)!;
      await serving(cluster, lead);
      const proposed = await metric(leader, "orderer_proposals_total");
      leader.partition.set(cluster.configs.map((c) => c.id).filter((id) => id !== lead));
      const w = new Wallet(Wallet.createRandom().privateKey);
      const waits: Promise<unknown>[] = [];
      for (let nonce = 0; nonce < 3; nonce++) {
        const tx = parseRawTransaction(await signedTransfer(w, nonce), CHAIN_ID);
        waits.push(leader.submit(tx).catch((e: Error) => e));
        // Proposed (or batched), but no follower hears of it: in flight until the leadership is lost.
        const inflight = await waitFor(() => leader.lookup(tx.hash), 5_000, `transaction ${nonce} in flight`);
        expect(inflight).to.deep.equal({ status: "pending", block: null, index: null, chainBlock: null });
      }
      // Two blocks in flight (maxInflightBlocks): the third transaction waits in the cutter, never proposed.
      expect(await metric(leader, "orderer_proposals_total")).to.equal(proposed + 2);
      waits.push(leader.advanceClock(60).catch((e: Error) => e));
      waits.push(leader.addMember({ id: "n4", raftHost: "127.0.0.1", raftPort: 17_999, apiUrl: "http://127.0.0.1:17998", role: "participant" }).catch((e: Error) => e));
      const [proposed0, proposed1, held, clock, member] = (await Promise.all(waits)) as Error[];
      for (const err of [proposed0, proposed1]) expect(err).to.be.instanceOf(LeaderUnavailableError);
      expect(held).to.be.instanceOf(NotLeaderError);
      expect((held as NotLeaderError).leader).to.equal(null);
      expect(clock).to.be.instanceOf(LeaderUnavailableError);
      expect(clock!.message).to.equal("leadership lost before the clock advance applied; retry");
      expect(member).to.be.instanceOf(LeaderUnavailableError);
      expect(member!.message).to.equal("leadership lost before the membership change applied; it may still apply: check /v1/status");
    });
  });

  describe("devnet clock advances (POST /v1/clock)", function () {
    it("orders the advance on the leader, answers once applied there, and every node dates an empty block by it", async function () {
      cluster = new InProcessCluster({ roles: [...ROLES], clockAdvance: true });
      await cluster.startAll();
      const lead = await cluster.leader();
      const leader = cluster.nodes.get(lead)!;
      const follower = cluster.nodes.get(lead === "n1" ? "n2" : "n1")!;
      const err = await follower.advanceClock(60).catch((e: Error) => e);
      expect(err).to.be.instanceOf(NotLeaderError);
      const before = Math.floor(Date.now() / 1000);
      const adv = await leader.advanceClock(3_600);
      expect(adv.offsetSeconds).to.equal(3_600);
      expect(adv.now).to.be.within(before + 3_600, Math.floor(Date.now() / 1000) + 3_600);
      expect(adv.index).to.be.greaterThan(0);
      for (const node of cluster.nodes.values()) {
        await waitFor(() => (node.status().blocks.number >= 1 ? true : undefined), 10_000, "the clock block");
        const [block] = decodeBlockPage((await node.blockPage(1, 1, false)).body, "page");
        expect(block!.raftIndex).to.equal(adv.index);
        expect(block!.txs).to.deep.equal([]);
        expect(block!.timestamp).to.be.within(before + 3_600, Math.floor(Date.now() / 1000) + 3_600);
      }
    });

    it("fails an advance still waiting when the node stops", async function () {
      cluster = new InProcessCluster({ roles: [...ROLES], electionTicks: 50, clockAdvance: true });
      await cluster.startAll();
      const lead = await cluster.leader();
      await serving(cluster, lead);
      const leader = cluster.nodes.get(lead)!;
      // Cut off: the advance is proposed but never commits.
      leader.partition.set(cluster.configs.map((c) => c.id).filter((id) => id !== lead));
      const waiting = leader.advanceClock(60).catch((e: Error) => e);
      // Proposed and waiting (well inside the 1 s lease), then stopped.
      await new Promise((r) => setTimeout(r, 100));
      await cluster.stop(lead);
      const err = await waiting;
      expect(err).to.be.instanceOf(LeaderUnavailableError);
      expect((err as Error).message).to.equal("the node is stopping");
    });

    it("is refused on a node without devnet.clockAdvance", async function () {
      cluster = new InProcessCluster({ roles: [...ROLES] });
      await cluster.startAll();
      const lead = await cluster.leader();
      await expect(cluster.nodes.get(lead)!.advanceClock(60)).to.be.rejectedWith(ClockAdvanceDisabledError);
    });
  });
});
