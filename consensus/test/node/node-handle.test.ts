import { expect } from "chai";
import { Wallet } from "ethers";
import { ConflictError, NotFoundError } from "../../src/api/errors";
import { decodeBlockPage } from "../../src/blocks";
import { parseRawTransaction, type ParsedTx } from "../../src/chain/tx";
import { NoEligibleLeaderError } from "../../src/core";
import type { OrdererNode } from "../../src/node/node";
import { CHAIN_ID, InProcessCluster, metric, signedTransfer, waitFor } from "./harness";

async function parsedTransfer(wallet: Wallet, nonce: number): Promise<ParsedTx> {
  return parseRawTransaction(await signedTransfer(wallet, nonce), CHAIN_ID);
}

// The OrdererHandle methods the client API calls (node.ts), on a one-node orderer that leads at once, and on a node
// of three that never finds a quorum.
describe("node: the handle the client API calls (submit, look-ups, status, members, stop)", function () {
  this.timeout(30_000);
  let cluster: InProcessCluster;
  const wallet = new Wallet(Wallet.createRandom().privateKey);

  afterEach(async function () {
    await cluster.stopAll();
    cluster.cleanup();
  });

  describe("when it leads a one-node cluster", function () {
    let node: OrdererNode;

    beforeEach(async function () {
      // The ledger keeps one transaction: older ones are answered from the block store.
      cluster = new InProcessCluster({ roles: ["trading-centre"] }, { ledgerRetainedTxs: 1, submitWaitMs: 3_000 });
      await cluster.startAll();
      await cluster.leader();
      node = cluster.nodes.get("n1")!;
    });

    it("orders a transaction once, answers a resubmission from the ledger, and looks both up", async function () {
      const tx = await parsedTransfer(wallet, 0);
      expect(await node.submit(tx)).to.deep.equal({ hash: tx.hash, status: "ordered" });
      expect(await node.submit(tx)).to.deep.equal({ hash: tx.hash, status: "ordered" });
      expect(await metric(node, "orderer_proposed_transactions_total")).to.equal(1);
      const first = await node.lookup(tx.hash);
      expect(first).to.deep.include({ status: "ordered", index: 0, chainBlock: null });
      // Entry 1 is the bootstrap configuration, 2 the leader's no-op: a leader's submit appends nothing else.
      expect(first!.block).to.equal(3);
      // The block carries the transaction's signed bytes as submitted.
      await waitFor(() => (node.status().blocks.number >= 1 ? true : undefined), 5_000, "the block stored");
      const [block] = decodeBlockPage((await node.blockPage(1, 1, false)).body, "page");
      expect(Buffer.from(block!.txs[0]!.raw).toString("hex")).to.equal(tx.raw.slice(2));
      // A second transaction pushes the first out of the ledger; the block store still knows it, by its Raft index.
      const next = await parsedTransfer(wallet, 1);
      expect(await node.submit(next)).to.deep.equal({ hash: next.hash, status: "ordered" });
      // The block store writes up to 10 ms after the block applied.
      expect(await waitFor(() => node.lookup(tx.hash), 5_000, "the block store to know it")).to.deep.equal(first);
      expect(await node.lookup("0x" + "ab".repeat(32))).to.equal(undefined);
      expect(node.refusal(tx.hash)).to.equal(undefined);
    });

    it("reports its status, its own API as the leader's, and no replica, divergence or wrong EVM", async function () {
      // Its leadership's first entry (the no-op, after the bootstrap configuration) applied: it serves from then on.
      const st = await waitFor(() => (node.status().appliedIndex >= 2 ? node.status() : undefined), 5_000, "the no-op applied");
      expect(st).to.include({ id: "n1", role: "trading-centre", leader: "n1", catchingUp: null });
      expect(st.term).to.be.greaterThan(0);
      expect(st.pool).to.deep.equal(["n1"]);
      expect(st.appliedIndex).to.equal(st.commitIndex);
      expect(st).to.not.have.property("replica");
      expect(node.leaderApiUrl()).to.equal(node.apiUrl);
      // One change of leader seen: from none to itself (its campaign knew no leader either).
      expect(await metric(node, "orderer_leader_changes_total")).to.equal(1);
      expect(node.divergences()).to.deep.equal([]);
      expect(node.wrongEvm()).to.equal(null);
    });

    it("refuses to add a member that is one, or to remove one that is not", async function () {
      await expect(node.addMember({ id: "n1", raftHost: "127.0.0.1", raftPort: 1, apiUrl: "http://127.0.0.1:1", role: "pool" })).to.be.rejectedWith(
        ConflictError,
        "n1 is already a member",
      );
      await expect(node.removeMember("n9")).to.be.rejectedWith(NotFoundError, "n9 is not a member");
    });

    it("adds a member and answers once the change applied, with the member's address in its status", async function () {
      const change = await node.addMember({ id: "n2", raftHost: "127.0.0.1", raftPort: 17_999, apiUrl: "http://127.0.0.1:17998", role: "participant" });
      expect(change.members.map((m) => m.id)).to.deep.equal(["n1", "n2"]);
      expect(node.status().members.find((m) => m.id === "n2")).to.deep.include({ role: "participant", raftAddress: "127.0.0.1:17999", apiUrl: "http://127.0.0.1:17998" });
    });

    it("aborts the leader-change signal when it stops, and stops twice without error", async function () {
      const signal = node.leaderChangeSignal();
      expect(signal.aborted).to.equal(false);
      await node.stop();
      expect(signal.aborted).to.equal(true);
      await node.stop();
    });
  });

  describe("when a follower is handed a transaction it already applied", function () {
    it("answers from its own ledger instead of sending it to the leader", async function () {
      cluster = new InProcessCluster({ roles: ["trading-centre", "trading-centre", "participant"] });
      await cluster.startAll();
      const lead = await cluster.leader();
      const tx = await parsedTransfer(wallet, 0);
      expect(await cluster.nodes.get(lead)!.submit(tx)).to.deep.equal({ hash: tx.hash, status: "ordered" });
      const follower = cluster.nodes.get(lead === "n3" ? "n1" : "n3")!;
      await waitFor(() => follower.lookup(tx.hash), 10_000, "the follower to apply it");
      // A follower's submit of a new transaction throws NotLeaderError (the API forwards it); of a known one, it answers.
      expect(await follower.submit(tx)).to.deep.equal({ hash: tx.hash, status: "ordered" });
    });
  });

  describe("when a membership change arrives before the first election", function () {
    it("waits for this node to lead, then applies it", async function () {
      cluster = new InProcessCluster({ roles: ["trading-centre"] });
      const node = await cluster.start("n1");
      expect(node.status().leader).to.equal(null);
      const change = await node.addMember({ id: "n2", raftHost: "127.0.0.1", raftPort: 17_999, apiUrl: "http://127.0.0.1:17998", role: "participant" });
      expect(change.members.map((m) => m.id)).to.deep.equal(["n1", "n2"]);
    });
  });

  describe("when it is one of three and no quorum is up", function () {
    it("names no leader, and a submit waiting for one fails as soon as the node stops", async function () {
      cluster = new InProcessCluster({ roles: ["trading-centre", "trading-centre", "participant"] }, { leaderWaitMs: 30_000 });
      const node = await cluster.start("n1");
      expect(node.leaderApiUrl()).to.equal(null);
      const waiting = node.submit(await parsedTransfer(wallet, 0)).catch((e: Error) => e);
      await new Promise((r) => setTimeout(r, 200));
      const started = Date.now();
      await node.stop();
      const err = await waiting;
      expect(err).to.be.instanceOf(NoEligibleLeaderError);
      expect((err as Error).message).to.equal("no leader within 30000 ms: no node of the candidate pool [n1, n2] won an election");
      expect(Date.now() - started).to.be.below(5_000);
    });
  });
});
