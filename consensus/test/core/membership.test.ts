import { expect } from "chai";
import { InvalidConfChangeError, ProposalDroppedError } from "../../src/core/errors";
import { applyConfChangeTo, canCampaign, candidatePool, decodeConfChange, encodeConfChange, isVoter, learners, voters } from "../../src/core/membership";
import type { ConfChange, ConfState } from "../../src/core/types";
import { bytes, cluster, elect, flush, learner, nodeWithLog, part, tc } from "./helpers";

describe("§6 cluster membership changes", function () {
  describe("applyConfChangeTo (one server at a time)", function () {
    const base: ConfState = { members: [tc("a"), tc("b"), part("c")] };

    it("adds a learner, promotes it to a voter, sets roles and removes nodes", function () {
      let conf = applyConfChangeTo(base, { op: "addLearner", id: "d" }, "improved");
      expect(voters(conf)).to.deep.equal(["a", "b", "c"]);
      conf = applyConfChangeTo(conf, { op: "promote", id: "d", role: "trading-centre" }, "improved");
      expect(voters(conf)).to.deep.equal(["a", "b", "c", "d"]);
      expect(candidatePool(conf)).to.deep.equal(["a", "b", "d"]);
      conf = applyConfChangeTo(conf, { op: "setRole", id: "a", role: "participant" }, "improved");
      expect(candidatePool(conf)).to.deep.equal(["b", "d"]);
      conf = applyConfChangeTo(conf, { op: "removeNode", id: "b" }, "improved");
      expect(conf.members.map((m) => m.id)).to.deep.equal(["a", "c", "d"]);
    });

    it("refuses malformed changes and changes that empty the pool in improved mode", function () {
      expect(() => applyConfChangeTo(base, { op: "addVoter", id: "a" }, "improved")).to.throw(InvalidConfChangeError, /already votes/);
      expect(() => applyConfChangeTo(base, { op: "promote", id: "c" }, "improved")).to.throw(InvalidConfChangeError, /not a learner/);
      expect(() => applyConfChangeTo(base, { op: "removeNode", id: "z" }, "improved")).to.throw(InvalidConfChangeError, /not a member/);
      expect(() => applyConfChangeTo(base, { op: "refreshPool", id: "a", pool: ["c"] }, "improved")).to.throw(InvalidConfChangeError, /not a trading-centre/);
      expect(() => applyConfChangeTo(base, { op: "refreshPool", id: "a", pool: [] }, "improved")).to.throw(InvalidConfChangeError, /empty/);
      const one: ConfState = { members: [tc("a"), part("b")] };
      expect(() => applyConfChangeTo(one, { op: "removeNode", id: "a" }, "improved")).to.throw(InvalidConfChangeError, /pool empty/);
      expect(applyConfChangeTo(one, { op: "removeNode", id: "a" }, "standard").members).to.deep.equal([part("b")]);
    });

    it("refuses a voter change to a non-voting role, a second learner, a role-less setRole and an empty voter set", function () {
      const refuse = (conf: ConfState, cc: ConfChange, re: RegExp) =>
        expect(() => applyConfChangeTo(conf, cc, "standard")).to.throw(InvalidConfChangeError, re);
      refuse(base, { op: "addVoter", id: "d", role: "learner" }, /^addVoter: role learner does not vote$/);
      const withLearner: ConfState = { members: [...base.members, learner("d")] };
      expect(learners(withLearner)).to.deep.equal(["d"]);
      expect(learners(base)).to.deep.equal([]);
      refuse(withLearner, { op: "addLearner", id: "d" }, /^addLearner: d is already a learner$/);
      refuse(withLearner, { op: "promote", id: "d", role: "learner" }, /^promote: role learner does not vote$/);
      refuse(base, { op: "setRole", id: "c" }, /^setRole: role is required$/);
      // A learner may rejoin as a voter; a voter may become a learner only while another voter remains.
      expect(voters(applyConfChangeTo(withLearner, { op: "addVoter", id: "d" }, "standard"))).to.deep.equal(["a", "b", "c", "d"]);
      const lone: ConfState = { members: [tc("a")] };
      refuse(lone, { op: "setRole", id: "a", role: "learner" }, /^setRole a: would leave no voters$/);
    });

    it("an explicit pool loses a member that leaves the trading-centre role or the cluster, and coming back does not restore it", function () {
      // The pool is the operator's choice (refreshPool): a node that left it must be named again to campaign.
      const pooled: ConfState = { members: [tc("a"), tc("b"), part("c")], pool: ["a", "b"] };
      const demoted = applyConfChangeTo(pooled, { op: "setRole", id: "b", role: "participant" }, "improved");
      expect(demoted.pool).to.deep.equal(["a"]);
      // Setting the role a member already has changes nothing.
      expect(applyConfChangeTo(pooled, { op: "setRole", id: "b", role: "trading-centre" }, "improved")).to.deep.equal(pooled);
      const back = applyConfChangeTo(demoted, { op: "setRole", id: "b", role: "trading-centre" }, "improved");
      expect(back.pool).to.deep.equal(["a"]);
      expect(candidatePool(back)).to.deep.equal(["a"]);
      expect(canCampaign(back, "b", "improved")).to.equal(false);
      const removed = applyConfChangeTo(pooled, { op: "removeNode", id: "b" }, "improved");
      expect(removed.pool).to.deep.equal(["a"]);
      const readded = applyConfChangeTo(removed, { op: "addVoter", id: "b", role: "trading-centre" }, "improved");
      expect(candidatePool(readded)).to.deep.equal(["a"]);
      const named = applyConfChangeTo(readded, { op: "refreshPool", id: "b", pool: ["a", "b", "b"] }, "improved");
      expect(named.pool).to.deep.equal(["a", "b"]);
      // Without an explicit pool every trading centre is in it, whatever happened before.
      const open = applyConfChangeTo(base, { op: "removeNode", id: "b" }, "improved");
      expect(open.pool).to.equal(undefined);
      expect(candidatePool(applyConfChangeTo(open, { op: "addVoter", id: "b", role: "trading-centre" }, "improved"))).to.deep.equal(["a", "b"]);
    });

    it("refuses a refreshPool without a pool or with an empty one, in either mode", function () {
      for (const mode of ["improved", "standard"] as const) {
        for (const pool of [undefined, []]) {
          expect(() => applyConfChangeTo(base, { op: "refreshPool", id: "a", pool }, mode), `${mode} ${String(pool)}`).to.throw(
            InvalidConfChangeError,
            /^refreshPool: pool must not be empty$/,
          );
        }
      }
    });

    it("a learner is no voter: it may not campaign or take over leadership even in standard mode", function () {
      const withLearner: ConfState = { members: [tc("a"), part("b"), learner("d")] };
      expect(isVoter(withLearner, "d")).to.equal(false);
      expect(isVoter(withLearner, "b")).to.equal(true);
      expect(isVoter(withLearner, "z")).to.equal(false);
      expect(canCampaign(withLearner, "d", "standard")).to.equal(false);
      expect(canCampaign(withLearner, "b", "standard")).to.equal(true);
      expect(canCampaign(withLearner, "b", "improved")).to.equal(false);
    });

    it("decodes only well-formed configuration entries", function () {
      const cc: ConfChange = { op: "promote", id: "d", role: "trading-centre" };
      expect(decodeConfChange(encodeConfChange(cc))).to.deep.equal(cc);
      for (const bad of ["null", "3", '"addVoter"', '{"id":"d"}', '{"op":"addVoter"}', '{"op":1,"id":"d"}', '{"op":"addVoter","id":2}']) {
        expect(() => decodeConfChange(new TextEncoder().encode(bad)), bad).to.throw(InvalidConfChangeError, /^malformed configuration change entry$/);
      }
    });
  });

  describe("through the log", function () {
    it("a change takes effect only when applied, and only one may be pending", function () {
      const c = cluster([tc("a"), part("b"), part("c")]);
      c.filters.push((m) => m.type === "append" && (m.entries ?? []).some((e) => e.type === "config"));
      const l = c.tickUntilLeader()!;
      c.addNode("d");
      c.node(l).raw.proposeConfChange({ op: "addLearner", id: "d" });
      c.settle();
      expect(c.node(l).raw.status().conf.members.map((m) => m.id)).to.deep.equal(["a", "b", "c"]);
      expect(() => c.node(l).raw.proposeConfChange({ op: "removeNode", id: "c" })).to.throw(ProposalDroppedError, /not applied/);
      c.heal();
      c.tick(3);
      for (const id of ["a", "b", "c"]) expect(c.node(id).conf.members.map((m) => m.id)).to.deep.equal(["a", "b", "c", "d"]);
    });

    it("a joining learner catches up by snapshot, replicates, but never votes or campaigns", function () {
      const c = cluster([tc("a"), part("b"), part("c")], { seed: 2 });
      const l = c.tickUntilLeader()!;
      c.propose(l, "x");
      c.addNode("d");
      c.node(l).raw.proposeConfChange({ op: "addLearner", id: "d" });
      c.tick(3);
      expect(c.node("d").sm).to.deep.equal(c.node(l).sm);
      expect(c.delivered.some((m) => m.type === "snapshot" && m.to === "d")).to.equal(true);
      c.node("a").crash();
      c.node("b").crash();
      c.tick(80);
      expect(c.node("d").raw.status().state).to.equal("follower");
      expect(c.delivered.filter((m) => m.from === "d" && (m.type === "vote" || m.type === "preVote"))).to.deep.equal([]);
    });

    it("promotes a learner to a voter that counts towards the quorum", function () {
      const c = cluster([tc("a"), part("b"), learner("d")], { seed: 3 });
      const l = c.tickUntilLeader()!;
      c.node(l).raw.proposeConfChange({ op: "promote", id: "d" });
      c.tick(3);
      c.node("b").crash();
      c.propose(l, "with-d");
      expect(c.node(l).sm.keys.at(-1)).to.equal("with-d");
      expect(c.node("d").sm.keys.at(-1)).to.equal("with-d");
    });

    it("a removed leader hands over to a caught-up pool member, then steps down", function () {
      const c = cluster([tc("a"), tc("b"), part("c")], { seed: 4 });
      const l = c.tickUntilLeader()!;
      c.node(l).raw.proposeConfChange({ op: "removeNode", id: l });
      c.settle();
      expect(c.delivered.some((m) => m.type === "timeoutNow" && m.from === l)).to.equal(true);
      const l2 = l === "a" ? "b" : "a";
      expect(c.node(l2).raw.status().state).to.equal("leader");
      // The successor no longer talks to the removed node; its next heartbeat is answered with the newer term.
      c.tick(1);
      expect(c.node(l).raw.status().state).to.equal("follower");
      expect(c.leaders()).to.deep.equal([l2]);
      expect(l2).to.not.equal(l);
      expect(c.node(l2!).conf.members.map((m) => m.id)).to.not.include(l);
      c.propose(l2!, "after-removal");
      const other = ["a", "b", "c"].find((id) => id !== l && id !== l2)!;
      expect(c.node(other).sm.keys.at(-1)).to.equal("after-removal");
    });

    it("abandons a pending leadership transfer once a committed change removes its target", function () {
      const c = cluster([tc("a"), tc("b"), tc("c")], { seed: 3 });
      const l = c.tickUntilLeader()!;
      const target = l === "a" ? "b" : "a";
      c.isolate(target);
      c.node(l).raw.proposeConfChange({ op: "removeNode", id: target });
      c.node(l).raw.transferLeadership(target);
      expect(c.node(l).raw.status().leadTransferee).to.equal(target);
      c.settle();
      expect(c.node(l).raw.status()).to.include({ state: "leader", leadTransferee: null });
      expect(c.node(l).conf.members.map((m) => m.id)).to.not.include(target);
      expect(Object.keys(c.node(l).raw.status().progress)).to.not.include(target);
      expect(c.propose(l, "after").index).to.be.greaterThan(0);
    });

    it("applies a committed change that is invalid in the current configuration as a no-op", function () {
      // It was validated against the configuration at proposal time; every node skips it alike.
      const c = cluster([tc("a"), part("b"), part("c")]);
      const l = c.tickUntilLeader()!;
      const before = c.node(l).raw.status().conf;
      expect(c.node(l).raw.applyConfChange({ op: "removeNode", id: "z" })).to.deep.equal(before);
      expect(c.node(l).raw.applyConfChange({ op: "promote", id: "b" })).to.deep.equal(before);
      expect(c.node(l).raw.status().conf).to.deep.equal(before);
    });

    it("refuses an invalid change at proposal time with InvalidConfChangeError", function () {
      const c = cluster([tc("a"), part("b"), part("c")]);
      const l = c.tickUntilLeader()!;
      expect(() => c.node(l).raw.proposeConfChange({ op: "removeNode", id: "a" })).to.throw(InvalidConfChangeError);
      expect(() => c.node(l).raw.proposeConfChange({ op: "promote", id: "b" })).to.throw(InvalidConfChangeError);
    });
  });
});

describe("§6 a change taking effect on the leader, one node at a time", function () {
  const four = [tc("a"), tc("b"), part("c"), part("d")];

  /** a leads {a, b, c, d} in term 2; everyone holds and has acknowledged its no-op at 4. */
  function leaderOfFour() {
    const { n, s } = nodeWithLog(four, "a", [1, 1], 1);
    elect(n, s, 2, ["b", "c"]);
    for (const id of ["b", "c", "d"]) n.step({ type: "appendResp", from: id, to: "a", term: 2, index: 4 });
    flush(n, s);
    expect(n.status()).to.include({ state: "leader", commit: 4 });
    return { n, s };
  }

  it("commits at once what the smaller quorum already holds when a voter's removal takes effect, and tells the followers", function () {
    const { n, s } = leaderOfFour();
    n.proposeConfChange({ op: "removeNode", id: "d" });
    flush(n, s);
    for (const id of ["b", "c"]) n.step({ type: "appendResp", from: id, to: "a", term: 2, index: 5 });
    n.propose(bytes("x"));
    flush(n, s);
    // Only b holds x at 6: not a quorum of four (a, b) ...
    n.step({ type: "appendResp", from: "b", to: "a", term: 2, index: 6 });
    flush(n, s);
    expect(n.status().commit).to.equal(5);
    // ... but a quorum of three once d's removal is applied.
    n.applyConfChange({ op: "removeNode", id: "d" });
    expect(n.status().commit).to.equal(6);
    const out = flush(n, s);
    expect(out.filter((m) => m.type === "append").map((m) => [m.to, m.commit])).to.deep.equal([
      ["b", 6],
      ["c", 6],
    ]);
  });

  it("keeps what it knows of the remaining members and says nothing when nothing new commits", function () {
    const { n, s } = leaderOfFour();
    n.proposeConfChange({ op: "addLearner", id: "e" });
    flush(n, s);
    for (const id of ["b", "c", "d"]) n.step({ type: "appendResp", from: id, to: "a", term: 2, index: 5 });
    flush(n, s);
    const before = n.status().progress;
    n.applyConfChange({ op: "addLearner", id: "e" });
    const after = n.status().progress;
    for (const id of ["b", "c", "d"]) expect(after[id], id).to.deep.equal(before[id]);
    expect(after.e).to.deep.equal({ match: 0, next: 6, state: "probe" });
    expect(flush(n, s)).to.deep.equal([]);
  });
});
