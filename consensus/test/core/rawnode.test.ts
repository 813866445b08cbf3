import { expect } from "chai";
import { seededRandom } from "../../src/core/config";
import { InvariantError, NoEligibleLeaderError, ProposalDroppedError, RaftError } from "../../src/core/errors";
import { decodeConfChange, encodeConfChange } from "../../src/core/membership";
import { RawNode } from "../../src/core/rawnode";
import { MemoryStorage } from "../../src/core/storage";
import type { ConfChange } from "../../src/core/types";
import { bytes, cluster, elect, flush, learner, nodeWithLog, part, tc } from "./helpers";

function lone(): { n: RawNode; s: MemoryStorage } {
  const s = new MemoryStorage({ members: [tc("a")] });
  return { n: new RawNode({ id: "a", random: seededRandom(9) }, s), s };
}

/** The driver's loop for a lone node: persists every Ready, applies configuration entries, advances. */
function persistAll(n: RawNode, s: MemoryStorage): void {
  while (n.hasReady()) {
    const rd = n.ready();
    s.append(rd.entries);
    if (rd.hardState) s.setHardState(rd.hardState);
    for (const e of rd.committedEntries) if (e.type === "config") n.applyConfChange(decodeConfChange(e.data));
    n.advance(rd);
  }
}

/** A lone voter's storage with x, the change `cc` and y at 2..4, all committed (term 1). */
function committedWithConfAt3(cc: ConfChange): MemoryStorage {
  const s = new MemoryStorage({ members: [tc("a")] });
  s.append([
    { term: 1, index: 2, type: "normal", data: bytes("x") },
    { term: 1, index: 3, type: "config", data: encodeConfChange(cc) },
    { term: 1, index: 4, type: "normal", data: bytes("y") },
  ]);
  s.setHardState({ term: 1, vote: null, commit: 4 });
  return s;
}

describe("RawNode Ready/advance contract", function () {
  it("has nothing to do right after start, and refuses local message types from the network", function () {
    const { n } = lone();
    expect(n.hasReady()).to.equal(false);
    expect(() => n.step({ type: "hup", from: "x", to: "a", term: 0 })).to.throw(RaftError, /local message/);
    expect(() => n.step({ type: "propose", from: "x", to: "a", term: 1 })).to.throw(RaftError, /local message/);
  });

  describe("Ready.mustSync (etcd-io/raft's MustSync)", function () {
    it("is set for a new term and vote with entries, and clear for a Ready that only moves the commit index", function () {
      const { n, s } = lone();
      n.campaign();
      const rd = n.ready();
      expect(rd.mustSync).to.equal(true);
      s.append(rd.entries);
      s.setHardState(rd.hardState!);
      n.advance(rd);
      const commitOnly = n.ready();
      expect(commitOnly.hardState).to.deep.equal({ term: 2, vote: "a", commit: 2 });
      expect(commitOnly.entries).to.deep.equal([]);
      expect(commitOnly.mustSync).to.equal(false);
      n.advance(commitOnly);
      n.propose(bytes("x"));
      const append = n.ready();
      expect([append.hardState, append.entries.length, append.mustSync]).to.deep.equal([undefined, 1, true]);
    });

    it("is set for a vote alone (a follower granting a vote, no entries)", function () {
      const s = new MemoryStorage({ members: [tc("a"), tc("b"), tc("c")] });
      const n = new RawNode({ id: "b", random: seededRandom(3) }, s);
      n.step({ type: "vote", from: "a", to: "b", term: 2, index: 1, logTerm: 1 });
      const rd = n.ready();
      expect(rd.hardState).to.include({ term: 2, vote: "a" });
      expect(rd.entries).to.deep.equal([]);
      expect(rd.messages.map((m) => m.type)).to.deep.equal(["voteResp"]);
      expect(rd.mustSync).to.equal(true);
    });
  });

  it("hands out soft state, hard state, entries and committed entries once, and nothing after advance", function () {
    const { n, s } = lone();
    expect(n.campaign()).to.equal(true);
    expect(n.hasReady()).to.equal(true);
    const rd = n.ready();
    expect(rd.softState).to.deep.equal({ lead: "a", state: "leader" });
    // Thesis §10.2.1: the leader counts its own copy only once it is durable, i.e. after advance().
    expect(rd.hardState).to.deep.equal({ term: 2, vote: "a", commit: 1 });
    expect(rd.entries.map((e) => [e.index, e.term])).to.deep.equal([[2, 2]]);
    expect(rd.committedEntries).to.deep.equal([]);
    expect(() => n.ready()).to.throw(RaftError, /advance/);
    s.append(rd.entries);
    s.setHardState(rd.hardState!);
    n.advance(rd);
    const rdc = n.ready();
    expect(rdc.hardState).to.deep.equal({ term: 2, vote: "a", commit: 2 });
    expect(rdc.entries).to.deep.equal([]);
    expect(rdc.committedEntries.map((e) => e.index)).to.deep.equal([2]);
    s.setHardState(rdc.hardState!);
    n.advance(rdc);
    expect(n.hasReady()).to.equal(false);
    expect(n.status()).to.include({ id: "a", term: 2, lead: "a", state: "leader", commit: 2, applied: 2, lastIndex: 2 });
    expect(n.status().pool).to.deep.equal(["a"]);

    const ref = n.propose(bytes("x"));
    expect(ref).to.deep.equal({ index: 3, term: 2 });
    const rd2 = n.ready();
    expect(rd2.softState).to.equal(undefined);
    expect(rd2.hardState).to.equal(undefined);
    expect(rd2.committedEntries).to.deep.equal([]);
    s.append(rd2.entries);
    n.advance(rd2);
    const rd3 = n.ready();
    expect(rd3.hardState).to.deep.equal({ term: 2, vote: "a", commit: 3 });
    expect(rd3.committedEntries.map((e) => new TextDecoder().decode(e.data))).to.deep.equal(["x"]);
  });

  it("restarts from storage with the persisted term, vote and commit", function () {
    const { n, s } = lone();
    n.campaign();
    const rd = n.ready();
    s.append(rd.entries);
    s.setHardState(rd.hardState!);
    n.advance(rd);
    const rdc = n.ready(); // commits index 2 once the leader's own copy is durable (§10.2.1)
    s.setHardState(rdc.hardState!);
    n.advance(rdc);
    const again = new RawNode({ id: "a", random: seededRandom(1) }, s);
    expect(again.status()).to.include({ term: 2, vote: "a", state: "follower", commit: 2, applied: 1 });
    // Committed entries after the snapshot are delivered again for the state machine to re-apply.
    expect(again.ready().committedEntries.map((e) => e.index)).to.deep.equal([2]);
  });

  it("restarts at the applied index the state machine reports, and refuses a commit beyond its log", function () {
    const { n, s } = lone();
    n.campaign();
    persistAll(n, s);
    const again = new RawNode({ id: "a", random: seededRandom(1), applied: 2 }, s);
    expect(again.status()).to.include({ commit: 2, applied: 2 });
    expect(again.hasReady()).to.equal(false);
    s.setHardState({ term: 2, vote: "a", commit: 3 });
    expect(() => new RawNode({ id: "a", random: seededRandom(1) }, s)).to.throw(InvariantError, /^hard state commit 3 beyond last index 2$/);
  });

  it("restarts at the snapshot when the state machine reports an applied index below it (the snapshot holds those entries)", function () {
    const s = committedWithConfAt3({ op: "addLearner", id: "m" });
    s.createSnapshot(3, { members: [tc("a"), learner("m")] }, new Uint8Array([3]));
    s.compact(3);
    const n = new RawNode({ id: "a", random: seededRandom(1), applied: 2 }, s);
    expect(n.status()).to.include({ commit: 4, applied: 3 });
    expect(n.ready().committedEntries.map((e) => e.index)).to.deep.equal([4]);
  });

  it("status() exposes the leader's view of each follower and a copy of the configuration", function () {
    const c = cluster([tc("a"), part("b"), part("c")]);
    const l = c.tickUntilLeader()!;
    c.propose(l, "x");
    const st = c.node(l).raw.status();
    expect(Object.keys(st.progress).sort()).to.deep.equal(["a", "b", "c"]);
    expect(st.progress.b).to.deep.include({ match: st.lastIndex, state: "replicate" });
    st.conf.members.length = 0;
    expect(c.node(l).raw.status().conf.members).to.have.length(3);
    expect(c.node("b").raw.status().progress).to.deep.equal({});
  });

  it("reportSnapshot moves a follower out of the snapshot state so replication resumes", function () {
    const c = cluster([tc("a"), part("b"), part("c")], { snapshotEvery: 3, seed: 5 });
    const l = c.tickUntilLeader()!;
    const f = [...c.nodes.keys()].find((id) => id !== l)!;
    c.node(f).crash();
    for (let i = 0; i < 6; i++) c.propose(l, `v${i}`);
    c.node(f).restart();
    c.filters.push((m) => m.type === "snapshot");
    // Stepped by hand, without the Ready loop (which reports every snapshot it hands over).
    const lead = c.node(l).raw;
    const term = lead.status().term;
    for (let i = 0; i < 5 && lead.status().progress[f].state !== "snapshot"; i++) {
      // f rejects the latest append it was sent: it holds nothing past the bootstrap entry.
      const next = lead.status().progress[f].next;
      lead.step({ type: "appendResp", from: f, to: l, term, index: next - 1, reject: true, rejectHint: { index: 1, term: 1 } });
    }
    expect(lead.status().progress[f].state).to.equal("snapshot");
    lead.reportSnapshot(f, false);
    expect(lead.status().progress[f].state).to.equal("probe");
    c.settle();
    // The Ready loop reports the snapshots it sends (the filter loses them): the follower is probed again.
    c.tick(2);
    expect(lead.status().progress[f].state).to.not.equal("snapshot");
    c.heal();
    c.tick(3);
    expect(c.node(f).sm).to.deep.equal(c.node(l).sm);
  });

  it("a joining node without a configuration drops proposals without claiming that no leader can exist", function () {
    const n = new RawNode({ id: "z", random: seededRandom(1) }, new MemoryStorage());
    for (let i = 0; i < 100; i++) n.tick();
    let err: unknown;
    try {
      n.propose(bytes("x"));
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ProposalDroppedError);
    expect(err).to.not.be.instanceOf(NoEligibleLeaderError);
    expect((err as Error).message).to.match(/not received a configuration/);
    expect(n.campaign()).to.equal(false);
  });

  it("§6: a new leader counts a configuration entry it inherited unapplied as pending, and refuses another until it is applied", function () {
    // etcd's TestNewLeaderPendingConfig: the previous leader appended a change that nobody has applied yet.
    const s = new MemoryStorage({ members: [tc("a")] });
    s.append([{ term: 1, index: 2, type: "config", data: encodeConfChange({ op: "addLearner", id: "l" }) }]);
    const n = new RawNode({ id: "a", random: seededRandom(9) }, s);
    expect(n.campaign()).to.equal(true);
    expect(n.status().state).to.equal("leader");
    expect(() => n.proposeConfChange({ op: "addLearner", id: "m" })).to.throw(ProposalDroppedError, /^configuration change at 2 is not applied yet$/);
    persistAll(n, s);
    expect(n.status()).to.include({ applied: 3, commit: 3 });
    expect(n.proposeConfChange({ op: "addLearner", id: "m" }).index).to.equal(4);
  });

  it("§6: does not campaign while a committed configuration entry is not applied yet", function () {
    // etcd's TestCampaignWhilePendingConfChange: its quorum could be counted in the wrong configuration.
    const s = committedWithConfAt3({ op: "addLearner", id: "l" });
    const n = new RawNode({ id: "a", random: seededRandom(9), applied: 2 }, s);
    expect(n.campaign()).to.equal(false);
    const rd = n.ready();
    expect(rd.committedEntries.map((e) => e.index)).to.deep.equal([3, 4]);
    n.applyConfChange(decodeConfChange(rd.committedEntries[0].data));
    n.advance(rd);
    expect(n.campaign()).to.equal(true);
  });

  it("campaigns when the configuration entries are applied and only normal ones are not", function () {
    // The entry at 3 changes nothing when applied (its node is not a member), so the configuration stays valid.
    const s = committedWithConfAt3({ op: "removeNode", id: "z" });
    expect(new RawNode({ id: "a", random: seededRandom(9), applied: 3 }, s).campaign()).to.equal(true);
  });
});

/**
 * What each Ready holds, one node at a time, in the cases where only one thing changed: the driver persists and sends
 * exactly what a Ready holds, so a change the Ready leaves out is lost (etcd-io/raft's rawnode_test.go).
 */
describe("RawNode Ready: each change on its own", function () {
  const three = [tc("a"), tc("b"), part("c")];
  const empty = { entries: [], messages: [], committedEntries: [], mustSync: false };

  it("§5.2 a pre-candidate that loses its PreVote has a Ready with only its new role (no term, vote or message)", function () {
    const { n, s } = nodeWithLog(three, "b", [], 1);
    expect(n.campaign()).to.equal(true);
    flush(n, s);
    expect(n.status()).to.include({ state: "preCandidate", term: 1 });
    // Both voters refuse at their own term (PreVote leaves terms alone), so b stays in term 1.
    for (const from of ["a", "c"]) n.step({ type: "preVoteResp", from, to: "b", term: 1, reject: true });
    expect(n.hasReady()).to.equal(true);
    const rd = n.ready();
    expect(rd).to.deep.equal({ ...empty, softState: { lead: null, state: "follower" } });
    n.advance(rd);
    expect(n.hasReady()).to.equal(false);
  });

  it("§5.2 a vote granted in the term the voter is already in is a new hard state that must be durable before the answer", function () {
    const { n, s } = nodeWithLog(three, "b", [], 2);
    n.step({ type: "vote", from: "a", to: "b", term: 2, index: 1, logTerm: 1 });
    const rd = n.ready();
    expect(rd.hardState).to.deep.equal({ term: 2, vote: "a", commit: 1 });
    expect(rd.softState).to.equal(undefined);
    expect(rd.messages.map((m) => [m.type, m.to, m.reject])).to.deep.equal([["voteResp", "a", false]]);
    expect(rd.mustSync).to.equal(true);
    s.setHardState(rd.hardState!);
    n.advance(rd);
    expect(n.hasReady()).to.equal(false);
  });

  it("§5.2 a follower that first hears its term's leader reports the leader in its soft state", function () {
    const { n } = nodeWithLog(three, "b", [], 2);
    n.step({ type: "heartbeat", from: "a", to: "b", term: 2, commit: 1 });
    const rd = n.ready();
    expect(rd.softState).to.deep.equal({ lead: "a", state: "follower" });
    expect(rd.hardState).to.equal(undefined);
    expect(rd.mustSync).to.equal(false);
    expect(rd.messages.map((m) => m.type)).to.deep.equal(["heartbeatResp"]);
  });

  it("§7 an installed snapshot must be durable, and once advanced it is the applied state and leaves nothing to do", function () {
    const { n, s } = nodeWithLog(three, "b", [], 2);
    n.step({ type: "heartbeat", from: "a", to: "b", term: 2, commit: 1 });
    n.advance(n.ready());
    const snapshot = { meta: { index: 5, term: 2, conf: { members: three } }, data: new Uint8Array([5]) };
    n.step({ type: "snapshot", from: "a", to: "b", term: 2, snapshot });
    expect(n.hasReady()).to.equal(true);
    const rd = n.ready();
    expect(rd.snapshot?.meta.index).to.equal(5);
    expect([rd.hardState, rd.entries, rd.committedEntries, rd.mustSync]).to.deep.equal([{ term: 2, vote: null, commit: 5 }, [], [], true]);
    expect(rd.messages.map((m) => [m.type, m.index])).to.deep.equal([["appendResp", 5]]);
    s.applySnapshot(rd.snapshot!);
    s.setHardState(rd.hardState!);
    n.advance(rd);
    expect(n.status()).to.include({ commit: 5, applied: 5, lastIndex: 5 });
    expect(n.hasReady()).to.equal(false);
  });

  it("a lone leader's proposal is a Ready of its entry alone, which it must sync (nobody to send it to)", function () {
    const { n, s } = lone();
    n.campaign();
    persistAll(n, s);
    n.propose(bytes("x"));
    expect(n.hasReady()).to.equal(true);
    const rd = n.ready();
    expect([rd.softState, rd.hardState, rd.messages, rd.committedEntries, rd.mustSync]).to.deep.equal([undefined, undefined, [], [], true]);
    expect(rd.entries.map((e) => [e.index, e.term, e.type])).to.deep.equal([[3, 2, "normal"]]);
  });

  it("a Ready advanced unsynced is not made durable by a later one that needs no sync (§10.2.1)", function () {
    const { n, s } = nodeWithLog(three, "a", [], 1);
    elect(n, s, 2, ["b", "c"]);
    for (const id of ["b", "c"]) n.step({ type: "appendResp", from: id, to: "a", term: 2, index: 2 });
    flush(n, s);
    n.propose(bytes("x"));
    const rd = n.ready();
    s.append(rd.entries);
    n.advance(rd, { synced: false });
    expect(n.syncPending).to.equal(true);
    // b's and c's acknowledgements commit x (a's own copy is not counted yet): a commit-only Ready, no sync needed.
    for (const id of ["b", "c"]) n.step({ type: "appendResp", from: id, to: "a", term: 2, index: 3 });
    const commit = n.ready();
    expect([commit.entries.length, commit.hardState?.commit, commit.mustSync]).to.deep.equal([0, 3, false]);
    s.setHardState(commit.hardState!);
    n.advance(commit);
    expect(n.syncPending).to.equal(true);
    expect(n.status().progress.a.match).to.equal(2);
    n.synced();
    expect(n.syncPending).to.equal(false);
    expect(n.status().progress.a.match).to.equal(3);
  });
});
