import { expect } from "chai";
import { Wallet } from "ethers";
import { parseRawTransaction, type ParsedTx } from "../../src/chain/tx";
import { NotLeaderError, ProposalDroppedError } from "../../src/core";
import type { Message } from "../../src/core/types";
import { CHAIN_ID, metric, signedTransfer, waitFor } from "./harness";
import { followerRig, sentOf, settle, stopRig, type Rig } from "./follower-rig";

async function parsedTransfer(wallet: Wallet, nonce: number): Promise<ParsedTx> {
  return parseRawTransaction(await signedTransfer(wallet, nonce), CHAIN_ID);
}

/** Every message of `type` sent so far. */
const sent = (rig: Rig, type: Message["type"]): Message[] =>
  rig.events.flatMap((e) => (e.kind === "sent" ? e.messages.filter((m) => m.type === type) : []));

/** Appends sent so far that carry a block (an entry with data): the leader's no-op and the probe's entries are empty. */
const blockAppends = (rig: Rig): Message[] => sent(rig, "append").filter((m) => (m.entries ?? []).some((e) => e.data.byteLength > 0));

/** A promise's outcome, readable without awaiting it: undefined while it is pending. */
function outcome<T>(p: Promise<T>): { value?: T; error?: Error; settled: boolean } {
  const o: { value?: T; error?: Error; settled: boolean } = { settled: false };
  p.then(
    (v) => Object.assign(o, { value: v, settled: true }),
    (e: Error) => Object.assign(o, { error: e, settled: true }),
  );
  return o;
}

// Campaigns and leadership as the driver sees them (node.ts onSoftState, awaitLeadership), on node n2 of three driven
// by hand: n1 plays the other voter. Ticks every 20 ms; the election timeout (1,000 ticks, 20 s) never passes unless a
// test shortens it.
describe("node: campaigns, and serving only once a new leadership's first entry applied (node driven by hand)", function () {
  this.timeout(30_000);
  let rig: Rig;
  const wallet = new Wallet(Wallet.createRandom().privateKey);
  const elections = () => metric(rig.node, "orderer_elections_total");

  afterEach(async function () {
    await stopRig(rig);
  });

  describe("when its election timeout passes", function () {
    it("counts the pre-vote and the vote as one campaign each, and none for becoming leader", async function () {
      // 50 ticks of 10 ms: the first campaign starts after 0.5–1 s, and a round outlasts the answers sent here.
      rig = await followerRig({ tickMs: 10, electionTicks: 50 });
      expect(await elections()).to.equal(0);
      const preVote = (await sentOf(rig, "preVote")).message;
      expect(await elections()).to.equal(1);
      rig.deliver({ type: "preVoteResp", from: "n1", term: preVote.term });
      const vote = (await sentOf(rig, "vote")).message;
      expect(await elections()).to.equal(2);
      rig.deliver({ type: "voteResp", from: "n1", term: vote.term });
      await waitFor(() => (rig.node.status().leader === "n2" ? true : undefined), 5_000, "n2 to lead");
      await rig.node.stop();
      expect(await elections()).to.equal(2);
    });
  });

  describe("when the leader hands it leadership (timeoutNow)", function () {
    it("counts one campaign (no pre-vote), and serves a client only once its first entry applied", async function () {
      rig = await followerRig({ tickMs: 20, electionTicks: 1_000 });
      rig.deliver({ type: "heartbeat", from: "n1", term: 5, commit: 1 });
      await sentOf(rig, "heartbeatResp");
      rig.deliver({ type: "timeoutNow", from: "n1", term: 5 });
      const vote = (await sentOf(rig, "vote")).message;
      expect(vote.term).to.equal(6);
      expect(await elections()).to.equal(1);
      rig.deliver({ type: "voteResp", from: "n1", term: 6 });
      const noop = (await sentOf(rig, "append")).message;
      expect(noop.entries!.map((e) => [e.index, e.term, e.data.byteLength])).to.deep.equal([[2, 6, 0]]);
      expect(await elections()).to.equal(1);

      // Its no-op is not committed yet: a client's transaction waits, nothing of it is proposed (appended to its log;
      // the appends to n1 and n3 would wait for their acknowledgement of the no-op either way).
      const tx = await parsedTransfer(wallet, 0);
      const submitted = outcome(rig.node.submit(tx));
      await settle(200);
      expect(submitted.settled).to.equal(false);
      expect(await metric(rig.node, "orderer_proposals_total")).to.equal(0);
      expect(blockAppends(rig)).to.deep.equal([]);

      // n1 acknowledges the no-op: it commits and applies, then the transaction is proposed and, acknowledged, ordered.
      rig.deliver({ type: "appendResp", from: "n1", term: 6, index: 2 });
      const block = await waitFor(() => blockAppends(rig).find((m) => m.to === "n1"), 5_000, "the transaction's block sent to n1");
      expect(block.entries!.map((e) => e.index)).to.deep.equal([3]);
      rig.deliver({ type: "appendResp", from: "n1", term: 6, index: 3 });
      await waitFor(() => (submitted.settled ? true : undefined), 5_000, "the submit to settle");
      expect(submitted.error).to.equal(undefined);
      expect(submitted.value).to.deep.equal({ hash: tx.hash, status: "ordered" });
      expect(await elections()).to.equal(1);
    });
  });

  describe("when its core refuses the proposal of a batch (a leadership transfer in progress)", function () {
    it("fails the batch's clients at once with the core's reason", async function () {
      rig = await followerRig({ tickMs: 20, electionTicks: 1_000 });
      rig.deliver({ type: "heartbeat", from: "n1", term: 5, commit: 1 });
      await sentOf(rig, "heartbeatResp");
      rig.deliver({ type: "timeoutNow", from: "n1", term: 5 });
      await sentOf(rig, "vote");
      rig.deliver({ type: "voteResp", from: "n1", term: 6 });
      await sentOf(rig, "append");
      rig.deliver({ type: "appendResp", from: "n1", term: 6, index: 2 });
      await waitFor(() => (rig.node.status().appliedIndex === 2 ? true : undefined), 5_000, "the no-op to apply");
      // n1, caught up, asks for leadership: n2 hands it over (timeoutNow) and proposes nothing until the transfer ends.
      rig.deliver({ type: "transferLeader", from: "n1", term: 6 });
      await waitFor(() => (sent(rig, "timeoutNow").length > 0 ? true : undefined), 5_000, "n2 to hand over");
      const submitted = outcome(rig.node.submit(await parsedTransfer(wallet, 0)));
      await waitFor(() => (submitted.settled ? true : undefined), 5_000, "the submit to settle");
      expect(submitted.error).to.be.instanceOf(ProposalDroppedError);
      expect(submitted.error!.message).to.equal("leadership transfer to n1 in progress");
      expect(blockAppends(rig)).to.deep.equal([]);
    });
  });

  describe("when a client submits while no leader is known", function () {
    it("waits for the election instead of failing, and names the leader once one is known", async function () {
      rig = await followerRig({ tickMs: 20, electionTicks: 1_000 });
      const submitted = outcome(rig.node.submit(await parsedTransfer(wallet, 0)));
      await settle(200);
      expect(submitted.settled).to.equal(false);
      rig.deliver({ type: "heartbeat", from: "n1", term: 5, commit: 1 });
      await waitFor(() => (submitted.settled ? true : undefined), 5_000, "the submit to settle");
      expect(submitted.error).to.be.instanceOf(NotLeaderError);
      expect((submitted.error as NotLeaderError).leader).to.equal("n1");
      expect(blockAppends(rig)).to.deep.equal([]);
    });
  });
});
