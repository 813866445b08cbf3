import { expect } from "chai";
import { StorageError } from "../../src/storage/errors";
import { waitFor } from "./harness";
import { entry, followerRig, sentOf, settle, stopRig, type Rig } from "./follower-rig";

// Raft §5.1/Figure 2: currentTerm, votedFor and log[] are updated on stable storage before
// responding to RPCs. A vote or an acknowledgement that leaves before its write is durable can be
// forgotten by a crash: the node votes twice in a term, or a leader commits an entry a majority
// no longer holds.
describe("node: durable before visible (Raft §5.1, etcd's Ready order)", function () {
  this.timeout(20_000);
  let rig: Rig;

  beforeEach(async function () {
    rig = await followerRig();
  });

  afterEach(async function () {
    await stopRig(rig);
  });

  describe("when a candidate of a new term asks for a vote", function () {
    it("saves the new term and the vote before the voteResp reaches the transport", async function () {
      rig.deliver({ type: "vote", from: "n1", term: 5, index: 1, logTerm: 1 });
      const { at, message } = await sentOf(rig, "voteResp");
      expect(message.reject ?? false).to.equal(false);
      expect(message.term).to.equal(5);
      const saved = rig.events.slice(0, at).filter((e) => e.kind === "saved");
      expect(saved).to.deep.include({ kind: "saved", term: 5, vote: "n1", entries: 0 });
      expect(rig.events.slice(0, at).some((e) => e.kind === "sent")).to.equal(false);
    });
  });

  describe("when the leader appends an entry to a follower", function () {
    it("saves the entry before the appendResp acknowledging it reaches the transport", async function () {
      rig.deliver({ type: "heartbeat", from: "n1", term: 5, commit: 1 });
      await sentOf(rig, "heartbeatResp");
      const before = rig.events.length;
      rig.deliver({ type: "append", from: "n1", term: 5, index: 1, logTerm: 1, entries: [entry(2, 5)], commit: 1 });
      const { at, message } = await sentOf(rig, "appendResp");
      expect(message.reject ?? false).to.equal(false);
      expect(message.index).to.equal(2);
      const between = rig.events.slice(before, at);
      // The term is durable already (the heartbeat's save): this save carries the entry alone.
      expect(between).to.deep.equal([{ kind: "saved", term: undefined, vote: undefined, entries: 1 }]);
    });
  });

  describe("when the save throws", function () {
    it("sends nothing, halts and reports the error once", async function () {
      const err = new StorageError("disk full");
      rig.failNextSave(err);
      rig.deliver({ type: "append", from: "n1", term: 5, index: 1, logTerm: 1, entries: [entry(2, 5)], commit: 1 });
      await waitFor(() => (rig.fatal.length > 0 ? true : undefined), 5_000, "the node to halt");
      // Later messages are refused too: the failed Ready's acknowledgement must never go out.
      rig.deliver({ type: "vote", from: "n3", term: 7, index: 2, logTerm: 5 });
      rig.deliver({ type: "append", from: "n1", term: 5, index: 1, logTerm: 1, entries: [entry(2, 5)], commit: 1 });
      await settle();
      expect(rig.fatal).to.deep.equal([err]);
      expect(rig.events).to.deep.equal([]);
      // Not even stepped: the core stays in the term of the failed Ready, so /v1/status shows no term the disk lacks.
      expect(rig.node.status().term).to.equal(5);
    });
  });
});
