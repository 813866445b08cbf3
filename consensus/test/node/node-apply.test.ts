import { expect } from "chai";
import { Wallet } from "ethers";
import { encodeBlock } from "../../src/batch/block-codec";
import { encodeClockEntry } from "../../src/batch/clock-entry";
import type { BatchTx } from "../../src/batch/types";
import { decodeBlockPage } from "../../src/blocks";
import { NonceConflictError } from "../../src/chain/errors";
import { parseRawTransaction } from "../../src/chain/tx";
import { CHAIN_ID, metric, signedTransfer, waitFor } from "./harness";
import { entry, followerRig, sentOf, settle, stopRig, type Rig } from "./follower-rig";

/** A leader's clock, far from this machine's: a block dated by the follower's own clock would show. */
const LEADER_TIME = 1_700_000_000;

async function batchTx(wallet: Wallet, nonce: number): Promise<BatchTx> {
  const tx = parseRawTransaction(await signedTransfer(wallet, nonce), CHAIN_ID);
  return { hash: tx.hash, raw: Buffer.from(tx.raw.slice(2), "hex"), sender: tx.senderKey, nonce: tx.nonce };
}

/** The same block in format version 2, written before entries carried the leader's timestamp. */
function withoutTimestamp(v3: Uint8Array): Uint8Array {
  return Buffer.concat([Buffer.from([2]), Buffer.from(v3).subarray(9)]);
}

async function storedBlocks(rig: Rig, count: number): Promise<{ raftIndex: number; timestamp: number; txs: number }[]> {
  await waitFor(() => (rig.node.status().blocks.number >= count ? true : undefined), 5_000, `${count} stored blocks`);
  return decodeBlockPage((await rig.node.blockPage(1, count, false)).body, "page").map((b) => ({ raftIndex: b.raftIndex, timestamp: b.timestamp, txs: b.txs.length }));
}

// What a follower does with the entries a leader commits (node.ts applyEntry), and what a node stops taking in once
// it has stopped or halted. n2 is driven by hand: n1 plays the leader.
describe("node: applying committed entries and refusing input when stopped (follower driven by hand)", function () {
  this.timeout(20_000);
  let rig: Rig;
  const wallet = new Wallet(Wallet.createRandom().privateKey);

  afterEach(async function () {
    await stopRig(rig);
  });

  describe("when the leader commits a clock advance, a block, and a block of the old format", function () {
    it("dates each stored block by the leader's clock plus the replicated offset, the old one by its parent", async function () {
      rig = await followerRig();
      const entries = [
        entry(2, 5, encodeClockEntry(3_600, LEADER_TIME)),
        entry(3, 5, encodeBlock([await batchTx(wallet, 0)], LEADER_TIME + 5)),
        entry(4, 5, withoutTimestamp(encodeBlock([await batchTx(wallet, 1)], LEADER_TIME + 9))),
      ];
      rig.deliver({ type: "append", from: "n1", term: 5, index: 1, logTerm: 1, entries, commit: 4 });
      expect(await storedBlocks(rig, 3)).to.deep.equal([
        { raftIndex: 2, timestamp: LEADER_TIME + 3_600, txs: 0 },
        { raftIndex: 3, timestamp: LEADER_TIME + 3_605, txs: 1 },
        // No timestamp in the entry: the block keeps its parent's time (block times never go back).
        { raftIndex: 4, timestamp: LEADER_TIME + 3_605, txs: 1 },
      ]);
      expect(rig.node.status().appliedIndex).to.equal(4);
      expect(await metric(rig.node, "orderer_committed_entries_total")).to.equal(2);
    });
  });

  describe("when a block orders two transactions of one sender with one nonce", function () {
    it("orders the first and names the second's refusal (the nonce it expected)", async function () {
      rig = await followerRig();
      const first = await batchTx(wallet, 0);
      // Same sender and nonce, another transaction: signed to another recipient.
      const other = parseRawTransaction(await signedTransfer(wallet, 0, Wallet.createRandom().address), CHAIN_ID);
      const refused: BatchTx = { hash: other.hash, raw: Buffer.from(other.raw.slice(2), "hex"), sender: other.senderKey, nonce: 0 };
      rig.deliver({ type: "append", from: "n1", term: 5, index: 1, logTerm: 1, entries: [entry(2, 5, encodeBlock([first, refused], LEADER_TIME))], commit: 2 });
      expect(await storedBlocks(rig, 1)).to.deep.equal([{ raftIndex: 2, timestamp: LEADER_TIME, txs: 1 }]);
      expect(rig.node.refusal(first.hash)).to.equal(undefined);
      const err = rig.node.refusal(refused.hash);
      expect(err).to.be.instanceOf(NonceConflictError);
      expect(err).to.deep.include({ sender: wallet.address, nonce: 0, expectedNonce: 1 });
    });
  });

  describe("when an answer comes from a node that is no member", function () {
    it("drops it and counts the drop", async function () {
      rig = await followerRig();
      // A response from outside the configuration: the core refuses it (StepPeerNotFoundError) and changes nothing.
      rig.deliver({ type: "appendResp", from: "n9", term: 1, index: 1 });
      await settle();
      expect(await metric(rig.node, "orderer_dropped_messages_total")).to.equal(1);
      expect(rig.events.filter((e) => e.kind === "sent")).to.deep.equal([]);
    });
  });

  describe("when the node has stopped", function () {
    it("steps no message it is still handed", async function () {
      rig = await followerRig();
      rig.deliver({ type: "heartbeat", from: "n1", term: 5, commit: 1 });
      await sentOf(rig, "heartbeatResp");
      await rig.node.stop();
      rig.deliver({ type: "vote", from: "n3", term: 9, index: 5, logTerm: 5 });
      await settle();
      expect(rig.node.status().term).to.equal(5);
    });
  });

  describe("when the transport counts messages it dropped itself (full queues)", function () {
    it("adds each new drop to orderer_dropped_messages_total once, on the next tick, and each one it reports", async function () {
      // Ticks every 5 ms; an election timeout of 10,000 ticks (50 s) never passes during the test.
      rig = await followerRig({ tickMs: 5, electionTicks: 10_000, countsDrops: true });
      const dropped = () => metric(rig.node, "orderer_dropped_messages_total");
      rig.transportDropped = 3;
      await waitFor(async () => ((await dropped()) === 3 ? true : undefined), 5_000, "3 drops counted");
      rig.transportDropped = 5;
      await waitFor(async () => ((await dropped()) === 5 ? true : undefined), 5_000, "5 drops counted");
      await settle();
      expect(await dropped()).to.equal(5);
      rig.reportDrop("bad authentication");
      expect(await dropped()).to.equal(6);
    });

    it("stops ticking when the node stops: a drop the transport counts afterwards is not read", async function () {
      rig = await followerRig({ tickMs: 5, electionTicks: 10_000, countsDrops: true });
      const dropped = () => metric(rig.node, "orderer_dropped_messages_total");
      rig.transportDropped = 1;
      await waitFor(async () => ((await dropped()) === 1 ? true : undefined), 5_000, "1 drop counted");
      await rig.node.stop();
      rig.transportDropped = 4;
      // Twenty tick intervals: a tick timer left running after stop would read the new count.
      await settle(100);
      expect(await dropped()).to.equal(1);
    });
  });
});
