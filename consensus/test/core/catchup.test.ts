import { expect } from "chai";
import { NoEligibleLeaderError } from "../../src/core/errors";
import { bytes, cluster, logTerms, part, tc, withLogs } from "./helpers";

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
