import { expect } from "chai";
import { seededRandom } from "../../src/core/config";
import { InvalidConfChangeError, LeadershipTransferError, NoEligibleLeaderError, NotLeaderError, ProposalDroppedError } from "../../src/core/errors";
import { RawNode } from "../../src/core/rawnode";
import { MemoryStorage } from "../../src/core/storage";
import type { ElectionMode, Member } from "../../src/core/types";
import { bytes, elect, flush, learner, nodeWithLog, part, tc } from "./helpers";

// What a client is told when its proposal cannot be taken, one node at a time (the test is the clock, the network and
// the disk). The error class tells a client whether to retry (ProposalDroppedError), go to the leader (NotLeaderError)
// or give up until an operator acts (NoEligibleLeaderError), so each case pins the class and the exact message.

/** The error `fn` throws (fails the test if it throws none). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  expect.fail("expected an error");
}

/** Node `id` of `members`, fresh from the bootstrap snapshot, in `mode`. */
function fresh(members: Member[], id: string, mode: ElectionMode = "improved"): RawNode {
  return new RawNode({ id, random: seededRandom(5), mode }, new MemoryStorage({ members }));
}

/** Ticks `n` `count` times, dropping what it would send. */
function tickN(n: RawNode, count: number): void {
  for (let i = 0; i < count; i++) n.tick();
}

describe("proposals refused by a node that does not lead (RawNode.propose)", function () {
  // electionTick 10, electionSpread 1 (the defaults): one lease (10) plus the longest randomized timeout (20).
  const noLeaderLimit = 30;

  it("§5.2 with no leader: 'retry shortly' until a lease and the longest election timeout have passed, then no eligible leader", function () {
    const b = fresh([tc("a"), part("b"), part("c")], "b");
    tickN(b, noLeaderLimit - 1);
    const early = thrown(() => b.propose(bytes("x")));
    expect(early).to.be.instanceOf(ProposalDroppedError).and.not.be.instanceOf(NoEligibleLeaderError);
    expect(early.message).to.equal("no leader yet: an election is in progress; retry shortly");
    b.tick();
    const late = thrown(() => b.propose(bytes("x")));
    expect(late).to.be.instanceOf(NoEligibleLeaderError);
    expect(late.message).to.equal(`no leader for ${noLeaderLimit} ticks: no candidate-pool node can win an election`);
  });

  it("counts the lease of its last leader before the wait for a new one: no eligible leader a lease plus that wait after it last heard of it", function () {
    const b = fresh([tc("a"), part("b"), part("c")], "b");
    tickN(b, 25); // time spent without a leader before a's first heartbeat does not count
    b.step({ type: "heartbeat", from: "a", to: "b", term: 2, commit: 1 });
    tickN(b, 9);
    expect(thrown(() => b.propose(bytes("x")))).to.be.instanceOf(NotLeaderError);
    // The lease ends at the 10th tick after the heartbeat; the wait counts from there.
    tickN(b, noLeaderLimit - 1);
    expect(thrown(() => b.propose(bytes("x")))).to.be.instanceOf(ProposalDroppedError).and.not.be.instanceOf(NoEligibleLeaderError);
    b.tick();
    expect(thrown(() => b.propose(bytes("x"))).message).to.equal(`no leader for ${noLeaderLimit} ticks: no candidate-pool node can win an election`);
  });

  it("in standard mode says no node at all can win (a learner waiting while every voter is down)", function () {
    const d = fresh([tc("a"), part("b"), part("c"), learner("d")], "d", "standard");
    tickN(d, noLeaderLimit);
    expect(thrown(() => d.propose(bytes("x"))).message).to.equal(`no leader for ${noLeaderLimit} ticks: no node can win an election`);
    expect(thrown(() => d.proposeConfChange({ op: "removeNode", id: "c" }))).to.be.instanceOf(NoEligibleLeaderError);
  });

  it("with a configuration whose pool is empty says so at once in improved mode, and waits for an election in standard mode", function () {
    const members = [part("a"), part("b"), part("c")];
    const improved = thrown(() => fresh(members, "a").propose(bytes("x")));
    expect(improved).to.be.instanceOf(NoEligibleLeaderError);
    expect(improved.message).to.equal("no leader: the candidate pool is empty");
    const standard = thrown(() => fresh(members, "a", "standard").propose(bytes("x")));
    expect(standard).to.be.instanceOf(ProposalDroppedError).and.not.be.instanceOf(NoEligibleLeaderError);
  });

  it("with a live leader points to it, and so does a configuration change", function () {
    const b = fresh([tc("a"), part("b"), part("c")], "b");
    b.step({ type: "heartbeat", from: "a", to: "b", term: 2, commit: 1 });
    for (const err of [thrown(() => b.propose(bytes("x"))), thrown(() => b.proposeConfChange({ op: "removeNode", id: "c" }))]) {
      expect(err).to.be.instanceOf(NotLeaderError);
      expect((err as NotLeaderError).leader).to.equal("a");
    }
  });
});

describe("proposals refused by a leader", function () {
  const three = [tc("a"), tc("b"), part("c")];

  /** a leads `members` (a, b, c, …) in term 2 over an empty log; every follower has acknowledged its no-op at 2. */
  function leader(mode: ElectionMode = "improved", members: Member[] = three) {
    const { n, s } = nodeWithLog(members, "a", [], 1, { mode });
    elect(n, s, 2, ["b", "c"]);
    for (const { id } of members.slice(1)) n.step({ type: "appendResp", from: id, to: "a", term: 2, index: 2 });
    flush(n, s);
    expect(n.status()).to.include({ state: "leader", commit: 2, applied: 2 });
    return { n, s };
  }

  it("thesis §3.10: drops every proposal while a leadership transfer is pending, naming the target", function () {
    const { n } = leader();
    n.transferLeadership("b");
    expect(n.status().leadTransferee).to.equal("b");
    for (const fn of [() => n.propose(bytes("x")), () => n.proposeConfChange({ op: "addLearner", id: "d" })]) {
      const err = thrown(fn);
      expect(err).to.be.instanceOf(ProposalDroppedError);
      expect(err.message).to.equal("leadership transfer to b in progress");
    }
  });

  it("refuses to transfer leadership to a node that may not lead, saying why in each mode", function () {
    const { n } = leader();
    const err = thrown(() => n.transferLeadership("c"));
    expect(err).to.be.instanceOf(LeadershipTransferError);
    expect(err.message).to.equal("c may not lead: not a pool voter");
    const std = leader("standard").n;
    std.applyConfChange({ op: "addLearner", id: "d" });
    expect(thrown(() => std.transferLeadership("d")).message).to.equal("d may not lead: not a voter");
    expect(thrown(() => fresh(three, "b").transferLeadership("a")).message).to.equal("b is not the leader");
  });

  it("refuses a pool refresh that leaves it out unless a pool member is live and holds its whole log", function () {
    const { n, s } = leader();
    const refresh = () => n.proposeConfChange({ op: "refreshPool", id: "b", pool: ["b"] });
    // b acknowledged everything but the leader has heard nothing from it since the last CheckQuorum.
    tickN(n, 10);
    flush(n, s);
    const stale = thrown(refresh);
    expect(stale).to.be.instanceOf(InvalidConfChangeError);
    expect(stale.message).to.equal("pool [b] has no live, caught-up member to take over from a");
    // Live again, but behind by the entry x.
    n.propose(bytes("x"));
    flush(n, s);
    n.step({ type: "heartbeatResp", from: "b", to: "a", term: 2 });
    flush(n, s);
    expect(thrown(refresh).message).to.equal("pool [b] has no live, caught-up member to take over from a");
    n.step({ type: "appendResp", from: "b", to: "a", term: 2, index: 3 });
    flush(n, s);
    expect(refresh().index).to.equal(4);
    // A larger pool is listed whole.
    const four = leader("improved", [tc("a"), tc("b"), part("c"), tc("d")]).n;
    tickN(four, 10);
    expect(thrown(() => four.proposeConfChange({ op: "refreshPool", id: "b", pool: ["b", "d"] })).message).to.equal(
      "pool [b,d] has no live, caught-up member to take over from a",
    );
  });

  it("takes a pool refresh that keeps it in the pool, or any refresh in standard mode, without asking who is caught up", function () {
    const { n, s } = leader();
    tickN(n, 10); // nobody is recently active any more
    flush(n, s);
    n.propose(bytes("x")); // and not even a's own copy of x is durable yet
    expect(n.proposeConfChange({ op: "refreshPool", id: "a", pool: ["a"] }).index).to.equal(4);
    const std = leader("standard");
    tickN(std.n, 10);
    flush(std.n, std.s);
    expect(std.n.proposeConfChange({ op: "refreshPool", id: "b", pool: ["b"] }).index).to.equal(3);
  });

  it("§6 takes the next configuration change as soon as the previous one is applied, and wraps a refusal with its reason", function () {
    const { n, s } = leader();
    expect(n.proposeConfChange({ op: "addLearner", id: "d" }).index).to.equal(3);
    for (const id of ["b", "c"]) n.step({ type: "appendResp", from: id, to: "a", term: 2, index: 3 });
    const rd = n.ready();
    expect(rd.committedEntries.map((e) => [e.index, e.type])).to.deep.equal([[3, "config"]]);
    s.append(rd.entries);
    s.setHardState(rd.hardState!);
    n.applyConfChange({ op: "addLearner", id: "d" });
    n.advance(rd);
    expect(n.status()).to.include({ applied: 3, lastIndex: 3 });
    expect(n.proposeConfChange({ op: "promote", id: "d" }).index).to.equal(4);
    expect(thrown(() => n.proposeConfChange({ op: "removeNode", id: "b" })).message).to.equal("configuration change at 4 is not applied yet");
    const bad = thrown(() => leader().n.proposeConfChange({ op: "promote", id: "c" }));
    expect(bad).to.be.instanceOf(InvalidConfChangeError);
    expect(bad.message).to.equal("promote: c is not a learner");
    expect(bad.cause).to.be.instanceOf(InvalidConfChangeError);
    expect((bad.cause as Error).message).to.equal("promote: c is not a learner");
  });

  it("outside the pool: drops proposals while handing over, and says no pool member can take over once a lease and the longest timeout pass", function () {
    const { n, s } = leader();
    expect(n.id).to.equal("a");
    n.proposeConfChange({ op: "refreshPool", id: "b", pool: ["b"] });
    for (const id of ["b", "c"]) n.step({ type: "appendResp", from: id, to: "a", term: 2, index: 3 });
    const rd = n.ready();
    s.append(rd.entries);
    s.setHardState(rd.hardState!);
    n.applyConfChange({ op: "refreshPool", id: "b", pool: ["b"] });
    n.advance(rd);
    // It hands over to b at once (timeoutNow), which never arrives; c keeps answering, so a keeps its quorum.
    expect(flush(n, s).filter((m) => m.type === "timeoutNow").map((m) => m.to)).to.deep.equal(["b"]);
    const handingOver = "a is outside the candidate pool and is handing over leadership";
    for (let t = 1; t < 30; t++) {
      n.tick();
      n.step({ type: "heartbeatResp", from: "c", to: "a", term: 2 });
      flush(n, s);
    }
    expect(n.status().state).to.equal("leader");
    const early = thrown(() => n.propose(bytes("x")));
    expect(early).to.be.instanceOf(ProposalDroppedError).and.not.be.instanceOf(NoEligibleLeaderError);
    expect(early.message).to.equal(handingOver);
    n.tick();
    const late = thrown(() => n.propose(bytes("x")));
    expect(late).to.be.instanceOf(NoEligibleLeaderError);
    expect(late.message).to.equal("a is outside the candidate pool and no pool member can take over");
  });
});
