import { expect } from "chai";
import { NoEligibleLeaderError, NotLeaderError, ProposalDroppedError } from "../../src/core/errors";
import { bytes, cluster, part, tc } from "./helpers";

const campaignMsgs = new Set(["preVote", "vote"]);

describe("candidate pool gating (the paper's improved Raft, §III.B)", function () {
  it("only trading-centre nodes start (pre-)elections; participants vote and replicate", function () {
    const c = cluster([tc("a"), tc("b"), part("c"), part("d"), part("e")], { seed: 1 });
    const l = c.tickUntilLeader()!;
    expect(["a", "b"]).to.include(l);
    for (let round = 0; round < 5; round++) {
      const cur = c.leader();
      c.node(cur).crash();
      c.tick(40);
      c.node(cur).restart();
      c.tick(5);
    }
    const campaigners = new Set(c.delivered.filter((m) => campaignMsgs.has(m.type)).map((m) => m.from));
    expect([...campaigners].sort()).to.deep.equal(["a", "b"]);
    const voters = new Set(c.delivered.filter((m) => m.type === "voteResp" && !m.reject).map((m) => m.from));
    expect([...voters].some((id) => ["c", "d", "e"].includes(id))).to.equal(true);
  });

  it("participants never campaign, even when no leader exists for a long time", function () {
    const c = cluster([tc("a"), part("b"), part("c"), part("d"), part("e")], { seed: 2 });
    expect(c.tickUntilLeader()).to.equal("a");
    const term = c.node("b").raw.status().term;
    c.node("a").crash();
    c.tick(300);
    expect(c.leaders()).to.deep.equal([]);
    for (const id of ["b", "c", "d", "e"]) {
      expect(c.node(id).raw.status()).to.include({ state: "follower", term });
      expect(c.node(id).raw.campaign()).to.equal(false);
    }
    expect(c.delivered.filter((m) => m.from !== "a" && campaignMsgs.has(m.type))).to.deep.equal([]);
  });

  it("in standard mode the same participants do campaign and elect a leader", function () {
    const c = cluster([tc("a"), part("b"), part("c"), part("d"), part("e")], { seed: 2, mode: "standard" });
    const l = c.tickUntilLeader()!;
    c.node(l).crash();
    const l2 = c.tickUntilLeader(100);
    expect(l2).to.not.equal(null);
    expect(l2).to.not.equal(l);
  });

  describe("when every pool node is down", function () {
    it("clients get NotLeaderError while the old leader's lease lasts, then ProposalDroppedError, then NoEligibleLeaderError promptly", function () {
      const c = cluster([tc("a"), part("b"), part("c")], { seed: 3 });
      expect(c.tickUntilLeader()).to.equal("a");
      c.node("a").crash();
      const b = c.node("b").raw;
      expect(() => b.propose(bytes("x"))).to.throw(NotLeaderError, /leader is a/);
      c.tick(12);
      let err: unknown;
      try {
        b.propose(bytes("x"));
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(ProposalDroppedError);
      expect(err).to.not.be.instanceOf(NoEligibleLeaderError);
      // Three election timeouts after the leader died (lease + longest randomized timeout).
      c.tick(30);
      expect(() => b.propose(bytes("x"))).to.throw(NoEligibleLeaderError, /no candidate-pool node can win/);
      expect(c.leaders()).to.deep.equal([]);
    });

    it("recovers as soon as a pool node returns", function () {
      const c = cluster([tc("a"), part("b"), part("c")], { seed: 4 });
      c.tickUntilLeader();
      c.node("a").crash();
      c.tick(60);
      expect(() => c.node("c").raw.propose(bytes("x"))).to.throw(NoEligibleLeaderError);
      c.node("a").restart();
      expect(c.tickUntilLeader(40)).to.equal("a");
      expect(() => c.node("c").raw.propose(bytes("x"))).to.throw(NotLeaderError, /leader is a/);
    });
  });

  describe("pool refresh (makeRefresh) through the log", function () {
    it("applies a refreshPool on every node and the leader outside the new pool hands over to a pool member", function () {
      const c = cluster([tc("a"), tc("b"), tc("c"), part("d"), part("e")], { seed: 5 });
      const l = c.tickUntilLeader()!;
      const next = ["a", "b", "c"].find((id) => id !== l)!;
      c.node(l).raw.proposeConfChange({ op: "refreshPool", id: next, pool: [next] });
      c.tick(3);
      for (const n of c.nodes.values()) expect(n.raw.status().pool).to.deep.equal([next]);
      expect(c.leaders()).to.deep.equal([next]);
      // The old leader is out of the pool: it never campaigns again, even when the leader fails.
      c.delivered = [];
      c.node(next).crash();
      c.tick(200);
      expect(c.delivered.filter((m) => campaignMsgs.has(m.type))).to.deep.equal([]);
      expect(c.leaders()).to.deep.equal([]);
    });

    it("a refresh whose pool has no live, caught-up member is refused", function () {
      const c = cluster([tc("a"), tc("b"), part("c")], { seed: 6 });
      const l = c.tickUntilLeader()!;
      const other = l === "a" ? "b" : "a";
      c.node(other).crash();
      c.tick(12);
      c.propose(l, "x");
      expect(() => c.node(l).raw.proposeConfChange({ op: "refreshPool", id: other, pool: [other] })).to.throw(/no live, caught-up member/);
    });

    it("a leader left outside the pool that cannot hand over refuses proposals, then reports NoEligibleLeaderError", function () {
      const c = cluster([tc("a"), tc("b"), part("c")], { seed: 8 });
      const l = c.tickUntilLeader()!;
      const other = l === "a" ? "b" : "a";
      c.tick(2);
      c.node(l).raw.proposeConfChange({ op: "refreshPool", id: other, pool: [other] });
      // The new pool member becomes unreachable before it can take over.
      c.isolate(other);
      c.settle();
      expect(c.node(l).raw.status()).to.include({ state: "leader" });
      expect(c.node(l).raw.status().pool).to.deep.equal([other]);
      expect(() => c.node(l).raw.propose(bytes("x"))).to.throw(ProposalDroppedError, /handing over/);
      c.tick(35);
      expect(c.node(l).raw.status().state).to.equal("leader");
      expect(() => c.node(l).raw.propose(bytes("x"))).to.throw(NoEligibleLeaderError, /no pool member can take over/);
      c.heal();
      c.tick(25);
      expect(c.leaders()).to.deep.equal([other]);
    });

    it("a committed entry is never rolled back: uncommitted entries of a deposed leader are, committed ones are not", function () {
      const c = cluster([tc("a"), tc("b"), part("c")], { seed: 7 });
      const l = c.tickUntilLeader()!;
      c.propose(l, "committed");
      c.isolate(l);
      const ref = c.node(l).raw.propose(bytes("lost"));
      c.settle();
      c.tick(40);
      const l2 = c.leaders().find((id) => id !== l)!;
      expect(l2).to.not.equal(undefined);
      c.propose(l2, "new");
      c.heal();
      c.tick(5);
      for (const n of c.nodes.values()) {
        expect(n.sm.keys).to.include("committed");
        expect(n.sm.keys).to.not.include("lost");
        expect(n.sm.keys.at(-1)).to.equal("new");
      }
      expect(c.node(l).storage.term(ref.index)).to.not.equal(ref.term);
    });
  });
});
