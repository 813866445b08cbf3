import { expect } from "chai";
import type { RaftConfigInput } from "../../src/core/config";
import { NoEligibleLeaderError } from "../../src/core/errors";
import type { Message } from "../../src/core/types";
import { bytes, cluster, elect, flush, logTerms, nodeWithLog, part, tc, withLogs } from "./helpers";

/**
 * The failover the pool can otherwise not survive: the leader `a` dies after replicating an entry
 * to the participant `c` but not to the other pool member `b`. Raft's vote restriction makes `c`
 * refuse `b`, and `c` never campaigns.
 */
describe("catch-up of a lagging pool member from a voter (improved mode, extension of §III.B)", function () {
  function leaderDiesWithEntryOnlyOnParticipant(seed: number) {
    const c = cluster([tc("a"), tc("b"), part("c")], { seed });
    c.node("b").crash();
    expect(c.tickUntilLeader()).to.equal("a");
    const { index } = c.propose("a", "x"); // a and c hold `x`: committed, but b (down) does not
    c.node("a").crash();
    c.node("b").restart();
    return { c, index };
  }

  it("a voter that refuses a pool candidate for its stale log sends the missing suffix, and the candidate wins", function () {
    const { c, index } = leaderDiesWithEntryOnlyOnParticipant(11);
    expect(c.tickUntilLeader(100)).to.equal("b");
    expect(c.node("b").storage.lastIndex()).to.be.greaterThanOrEqual(index);
    const catchUps = c.delivered.filter((m) => m.type === "catchUp");
    expect(catchUps.map((m) => `${m.from}->${m.to}`)).to.include("c->b");
    expect(catchUps.every((m) => (m.entries ?? []).length > 0)).to.equal(true);
    // The committed entry survives and new proposals commit on b and c.
    c.propose("b", "y");
    c.tick(3);
    expect(logTerms(c, "b")).to.deep.equal(logTerms(c, "c"));
    expect(c.node("c").raw.status().commit).to.equal(c.node("b").storage.lastIndex());
  });

  it("participants still never campaign while it happens", function () {
    const { c } = leaderDiesWithEntryOnlyOnParticipant(12);
    c.tickUntilLeader(100);
    expect(c.delivered.filter((m) => m.from === "c" && (m.type === "preVote" || m.type === "vote"))).to.deep.equal([]);
  });

  describe("when the candidate's log diverges from the voter's", function () {
    it("sends nothing: only a log that is a prefix of the voter's is extended (no entry is ever overwritten)", function () {
      // b's last entry (term 2 at index 3) is not in c's log (term 3 there): not a prefix.
      const c = cluster([tc("a"), tc("b"), part("c")], {
        seed: 13,
        preload: withLogs({ a: { terms: [1, 3, 3], term: 3 }, b: { terms: [1, 2], term: 3 }, c: { terms: [1, 3, 3], term: 3 } }),
      });
      c.node("a").crash();
      c.tick(150);
      expect(c.delivered.filter((m) => m.type === "catchUp")).to.deep.equal([]);
      expect(c.leaders()).to.deep.equal([]);
      expect(logTerms(c, "b")).to.deep.equal([1, 2]);
      expect(() => c.node("c").raw.propose(bytes("z"))).to.throw(NoEligibleLeaderError);
    });
  });

  it("is not used in standard mode (every voter may campaign there)", function () {
    const c = cluster([tc("a"), tc("b"), part("c")], { seed: 14, mode: "standard" });
    c.node("b").crash();
    c.tickUntilLeader();
    c.propose("a", "x");
    c.node("a").crash();
    c.node("b").restart();
    expect(c.tickUntilLeader(100)).to.equal("c");
    expect(c.delivered.filter((m) => m.type === "catchUp")).to.deep.equal([]);
  });

  it("a node with a live leader ignores a catch-up", function () {
    const c = cluster([tc("a"), tc("b"), part("c")], { seed: 15 });
    const leader = c.tickUntilLeader()!;
    const b = c.node(leader === "a" ? "b" : "a").raw;
    const last = b.status().lastIndex;
    b.step({ type: "catchUp", from: "c", to: b.id, term: b.status().term, index: last, logTerm: b.status().term, entries: [{ term: b.status().term, index: last + 1, type: "normal", data: bytes("rogue") }] });
    expect(b.status().lastIndex).to.equal(last);
  });
});

/**
 * The same protocol driven by hand, one node at a time: the test is the network and the disk, so it sees every message
 * a voter sends a lagging pool candidate and every step the candidate takes on receiving one.
 */
describe("catch-up messages, one node at a time (improved mode, extension of §III.B)", function () {
  const members = [tc("a"), tc("b"), part("c")];

  const node = (id: string, terms: number[], term: number, opts: Partial<RaftConfigInput> = {}) => nodeWithLog(members, id, terms, term, opts);

  /** b, which lags c by the entry at 4, asks c for a PreVote at term 3 (its log ends at 3, term 1). */
  const preVoteFromB: Message = { type: "preVote", from: "b", to: "c", term: 3, index: 3, logTerm: 1 };

  describe("when a leaderless voter refuses a pool candidate whose log is a prefix of its own", function () {
    it("sends it exactly the entries after the candidate's last one, at the voter's term", function () {
      const { n, s } = node("c", [1, 1, 2], 2);
      n.step(preVoteFromB);
      const out = flush(n, s);
      expect(out.map((m) => [m.type, m.to, m.reject ?? null])).to.deep.equal([
        ["preVoteResp", "b", true],
        ["catchUp", "b", null],
      ]);
      const cu = out[1];
      expect([cu.from, cu.term, cu.index, cu.logTerm]).to.deep.equal(["c", 2, 3, 1]);
      expect(cu.entries!.map((e) => [e.index, e.term])).to.deep.equal([[4, 2]]);
    });

    it("sends at most maxSizePerMsg bytes of it (at least one entry)", function () {
      const { n, s } = node("c", [1, 1, 2, 2, 2], 2, { maxSizePerMsg: 1 });
      n.step(preVoteFromB);
      const cu = flush(n, s).filter((m) => m.type === "catchUp");
      expect(cu.map((m) => m.entries!.map((e) => e.index))).to.deep.equal([[4]]);
    });
  });

  describe("when the voter must not send one", function () {
    it("sends none in standard mode (every voter may campaign there)", function () {
      const { n, s } = node("c", [1, 1, 2], 2, { mode: "standard" });
      n.step(preVoteFromB);
      expect(flush(n, s).map((m) => m.type)).to.deep.equal(["preVoteResp"]);
    });

    it("sends none while it has a live leader (the leader repairs the candidate's log itself)", function () {
      const { n, s } = node("c", [1, 1, 2], 2);
      n.step({ type: "heartbeat", from: "a", to: "c", term: 2, commit: 1 });
      flush(n, s);
      // A vote request of the current term passes the lease check and is refused: c already follows a.
      n.step({ type: "vote", from: "b", to: "c", term: 2, index: 3, logTerm: 1 });
      expect(flush(n, s).map((m) => [m.type, m.reject])).to.deep.equal([["voteResp", true]]);
    });

    it("sends one once its leader has been silent for a whole election timeout, not a tick earlier", function () {
      const { n, s } = node("c", [1, 1, 2], 2);
      n.step({ type: "heartbeat", from: "a", to: "c", term: 2, commit: 1 });
      flush(n, s);
      for (let t = 1; t < 10; t++) n.tick();
      const voteFromB: Message = { type: "vote", from: "b", to: "c", term: 2, index: 3, logTerm: 1 };
      n.step(voteFromB);
      expect(flush(n, s).map((m) => m.type)).to.deep.equal(["voteResp"]);
      n.tick();
      n.step(voteFromB);
      expect(flush(n, s).map((m) => m.type)).to.deep.equal(["voteResp", "catchUp"]);
    });

    it("sends none as a leader (with CheckQuorum off a leader still answers a higher-term PreVote)", function () {
      const { n, s } = node("a", [1, 1, 2], 2, { checkQuorum: false });
      elect(n, s, 3, ["c"]);
      expect(n.status().state).to.equal("leader");
      n.step({ type: "preVote", from: "b", to: "a", term: 4, index: 3, logTerm: 1 });
      expect(flush(n, s).filter((m) => m.to === "b").map((m) => m.type)).to.deep.equal(["preVoteResp"]);
    });

    it("sends none to a candidate that is as up to date as itself", function () {
      const { n, s } = node("c", [1, 1, 2], 2);
      n.step({ type: "preVote", from: "b", to: "c", term: 3, index: 4, logTerm: 2 });
      expect(flush(n, s).map((m) => [m.type, m.reject])).to.deep.equal([["preVoteResp", false]]);
    });
  });

  describe("when the lagging pool member receives one", function () {
    const catchUpToB = (index: number, logTerm: number, terms: number[]): Message => ({
      type: "catchUp",
      from: "c",
      to: "b",
      term: 2,
      index,
      logTerm,
      entries: terms.map((term, i) => ({ term, index: index + 1 + i, type: "normal", data: bytes(`c${index + 1 + i}`) })),
    });

    it("appends the entries and campaigns again through PreVote (thesis §9.6), not straight to a vote", function () {
      const { n, s } = node("b", [1, 1], 2);
      n.step(catchUpToB(3, 1, [2]));
      const out = flush(n, s);
      expect(s.lastIndex()).to.equal(4);
      expect(s.term(4)).to.equal(2);
      expect(n.status()).to.include({ state: "preCandidate", term: 2 });
      expect(out.filter((m) => m.type === "preVote").map((m) => [m.to, m.term, m.index, m.logTerm])).to.deep.equal([
        ["a", 3, 4, 2],
        ["c", 3, 4, 2],
      ]);
    });

    it("accepts one of an older term (a catch-up claims no leadership; its entries' terms are at most its term)", function () {
      const { n, s } = node("b", [1, 1], 4);
      n.step(catchUpToB(3, 1, [2]));
      flush(n, s);
      expect(s.lastIndex()).to.equal(4);
      expect(n.status()).to.include({ state: "preCandidate", term: 4 });
    });

    it("takes one that arrives while it is pre-campaigning, and asks again with the longer log", function () {
      // The usual order: its PreVote went out first, and the voter answers it with the refusal and the suffix.
      const { n, s } = node("b", [1, 1], 2);
      expect(n.campaign()).to.equal(true);
      expect(flush(n, s).map((m) => [m.type, m.index, m.logTerm])).to.deep.equal([
        ["preVote", 3, 1],
        ["preVote", 3, 1],
      ]);
      n.step(catchUpToB(3, 1, [2]));
      expect(s.lastIndex()).to.equal(3); // appended, not yet persisted
      const out = flush(n, s);
      expect(s.lastIndex()).to.equal(4);
      expect(n.status()).to.include({ state: "preCandidate", term: 2 });
      expect(out.filter((m) => m.type === "preVote").map((m) => [m.to, m.index, m.logTerm])).to.deep.equal([
        ["a", 4, 2],
        ["c", 4, 2],
      ]);
    });

    it("ignores an empty catch-up (it would only start a campaign the timeout has not called for)", function () {
      const { n, s } = node("b", [1, 1], 2);
      n.step({ ...catchUpToB(3, 1, []), entries: [] });
      n.step({ ...catchUpToB(3, 1, []), entries: undefined });
      expect(flush(n, s)).to.deep.equal([]);
      expect(n.status()).to.include({ state: "follower", lastIndex: 3 });
    });

    it("ignores one that does not start at its last entry or whose previous term differs", function () {
      const { n, s } = node("b", [1, 1], 2);
      n.step(catchUpToB(2, 1, [1, 2]));
      n.step(catchUpToB(3, 2, [2]));
      expect(flush(n, s)).to.deep.equal([]);
      expect(n.status()).to.include({ state: "follower", lastIndex: 3 });
    });

    it("ignores one as a leader", function () {
      const { n, s } = node("b", [1, 1], 2, { checkQuorum: false });
      elect(n, s, 3, ["a"]);
      expect(n.status().state).to.equal("leader");
      const last = n.status().lastIndex;
      n.step({ ...catchUpToB(last, 3, [3]), term: 3 });
      expect(flush(n, s).filter((m) => m.type !== "append")).to.deep.equal([]);
      expect(n.status().lastIndex).to.equal(last);
    });
  });
});
