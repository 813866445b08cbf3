import { expect } from "chai";
import { LeadershipTransferError, ProposalDroppedError } from "../../src/core/errors";
import { seededRandom } from "../../src/core/config";
import { encodeConfChange } from "../../src/core/membership";
import { RawNode } from "../../src/core/rawnode";
import { MemoryStorage } from "../../src/core/storage";
import type { ConfChange } from "../../src/core/types";
import { bytes, cluster, elect, flush, nodeWithLog, part, tc } from "./helpers";

/** A leader asked to hand over to a follower it cannot reach: the transfer stays pending. */
function transferToIsolated() {
  const c = cluster([tc("a"), tc("b"), part("c")], { seed: 3 });
  const l = c.tickUntilLeader()!;
  const target = l === "a" ? "b" : "a";
  c.isolate(target);
  c.node(l).raw.transferLeadership(target);
  c.settle();
  return { c, l, target };
}

describe("leadership transfer (thesis §3.10)", function () {
  it("hands leadership to an up-to-date pool member at once, without waiting for an election timeout", function () {
    const c = cluster([tc("a"), tc("b"), part("c")], { seed: 1 });
    const l = c.tickUntilLeader()!;
    const target = l === "a" ? "b" : "a";
    const term = c.node(l).raw.status().term;
    c.node(l).raw.transferLeadership(target);
    c.settle();
    expect(c.leaders()).to.deep.equal([target]);
    expect(c.node(target).raw.status().term).to.equal(term + 1);
    expect(c.delivered.some((m) => m.type === "timeoutNow" && m.to === target)).to.equal(true);
  });

  it("catches a lagging target up first, then sends timeoutNow", function () {
    const c = cluster([tc("a"), tc("b"), part("c")], { seed: 2 });
    const l = c.tickUntilLeader()!;
    const target = l === "a" ? "b" : "a";
    c.isolate(target);
    for (let i = 0; i < 3; i++) c.propose(l, `v${i}`);
    c.heal();
    const term = c.node(l).raw.status().term;
    c.node(l).raw.transferLeadership(target);
    c.settle();
    expect(c.leaders()).to.deep.equal([target]);
    // The target received v0..v2 before it campaigned; its own term then starts with a no-op.
    expect(c.node(target).sm.keys.slice(-4)).to.deep.equal(["v0", "v1", "v2", `noop@${term + 1}`]);
  });

  it("drops proposals while a transfer is pending, and aborts it after an election timeout", function () {
    const { c, l, target } = transferToIsolated();
    expect(c.node(l).raw.status().leadTransferee).to.equal(target);
    expect(() => c.node(l).raw.propose(new Uint8Array([1]))).to.throw(ProposalDroppedError, /transfer/);
    c.tick(10);
    expect(c.node(l).raw.status()).to.include({ state: "leader", leadTransferee: null });
    expect(c.node(l).raw.propose(new Uint8Array([1])).index).to.be.greaterThan(0);
  });

  it("in improved mode refuses a participant or learner target; in standard mode a participant may take over", function () {
    const c = cluster([tc("a"), part("b"), part("c")], { seed: 4 });
    const l = c.tickUntilLeader()!;
    expect(l).to.equal("a");
    expect(() => c.node("a").raw.transferLeadership("b")).to.throw(LeadershipTransferError, /may not lead/);
    expect(() => c.node("b").raw.transferLeadership("a")).to.throw(LeadershipTransferError, /not the leader/);
    // A forged timeoutNow cannot make a participant campaign either.
    const term = c.node("b").raw.status().term;
    c.node("b").raw.step({ type: "timeoutNow", from: "a", to: "b", term });
    c.settle();
    expect(c.leaders()).to.deep.equal(["a"]);

    const s = cluster([tc("a"), part("b"), part("c")], { seed: 4, mode: "standard" });
    const sl = s.tickUntilLeader()!;
    const other = sl === "b" ? "c" : "b";
    s.node(sl).raw.transferLeadership(other);
    s.settle();
    expect(s.leaders()).to.deep.equal([other]);
  });

  it("a follower forwards a transfer request to its leader, which hands over to the requested node", function () {
    const c = cluster([tc("a"), tc("b"), part("c")], { seed: 1 });
    const l = c.tickUntilLeader()!;
    const target = l === "a" ? "b" : "a";
    const term = c.node(target).raw.status().term;
    // A local request (term 0) at the follower that wants to lead, as etcd's MsgTransferLeader.
    c.node(target).raw.step({ type: "transferLeader", from: target, to: target, term: 0 });
    c.settle();
    expect(c.delivered.some((m) => m.type === "transferLeader" && m.from === target && m.to === l)).to.equal(true);
    expect(c.leaders()).to.deep.equal([target]);
    expect(c.node(target).raw.status().term).to.equal(term + 1);
  });

  it("a follower that knows no leader drops a transfer request (there is nobody to forward it to)", function () {
    const { n, s } = nodeWithLog([tc("a"), tc("b"), part("c")], "b", [1], 2);
    n.step({ type: "transferLeader", from: "b", to: "b", term: 0 });
    expect(flush(n, s)).to.deep.equal([]);
    expect(n.status()).to.include({ state: "follower", lead: null, term: 2 });
  });

  it("repeating a pending transfer to the same target keeps the original abort deadline", function () {
    const { c, l, target } = transferToIsolated();
    c.tick(5);
    expect(c.node(l).raw.status().leadTransferee).to.equal(target);
    // The same request again is a no-op: it neither restarts the election-timeout clock nor resends anything.
    const sent = c.delivered.length;
    c.node(l).raw.transferLeadership(target);
    c.settle();
    expect(c.delivered.slice(sent).filter((m) => m.to === target)).to.deep.equal([]);
    expect(c.node(l).raw.status().leadTransferee).to.equal(target);
    c.tick(5);
    expect(c.node(l).raw.status()).to.include({ state: "leader", leadTransferee: null });
  });

  it("ignores a request to transfer to the leader itself, and one a participant forwarded for itself", function () {
    const c = cluster([tc("a"), tc("b"), part("c")], { seed: 1 });
    const l = c.tickUntilLeader()!;
    c.node(l).raw.transferLeadership(l);
    c.node("c").raw.step({ type: "transferLeader", from: "c", to: "c", term: 0 });
    c.settle();
    expect(c.delivered.filter((m) => m.type === "timeoutNow")).to.deep.equal([]);
    expect(c.node(l).raw.status()).to.include({ state: "leader", leadTransferee: null });
    expect(c.propose(l, "still leading").index).to.be.greaterThan(0);
  });

  it("a new target replaces a pending transfer", function () {
    const c = cluster([tc("a"), tc("b"), tc("c")], { seed: 3 });
    const l = c.tickUntilLeader()!;
    const [stuck, next] = ["a", "b", "c"].filter((id) => id !== l);
    c.isolate(stuck);
    c.node(l).raw.transferLeadership(stuck);
    c.settle();
    c.node(l).raw.transferLeadership(next);
    c.settle();
    expect(c.leaders()).to.deep.equal([next]);
  });

  describe("when the leader leaves the candidate pool (improved mode)", function () {
    /** Five voters, pool a b c; `l` leads; `behind` (the last pool member after `l`) misses proposals. */
    function poolWithLaggard() {
      const c = cluster([tc("a"), tc("b"), tc("c"), part("d"), part("e")], { seed: 5 });
      const l = c.tickUntilLeader()!;
      const [ahead, behind] = ["a", "b", "c"].filter((id) => id !== l);
      c.isolate(behind);
      for (let i = 0; i < 3; i++) c.propose(l, `v${i}`);
      return { c, l, ahead, behind };
    }

    it("hands over to the most up-to-date pool member", function () {
      const { c, l, ahead, behind } = poolWithLaggard();
      c.node(l).raw.proposeConfChange({ op: "setRole", id: l, role: "participant" });
      c.settle();
      expect(c.delivered.filter((m) => m.type === "timeoutNow").map((m) => m.to)).to.deep.equal([ahead]);
      expect(c.leaders()).to.deep.equal([ahead]);
      expect(c.node(behind).raw.status().state).to.equal("follower");
    });

    it("on a tie hands over to the first equally up-to-date pool member in the members' order", function () {
      // Deterministic, so an operator can tell in advance which trading centre takes over.
      for (const seed of [1, 2, 3, 4, 5, 6]) {
        const c = cluster([tc("a"), tc("b"), tc("c"), part("d")], { seed });
        const l = c.tickUntilLeader()!;
        for (let i = 0; i < 2; i++) c.propose(l, `v${i}`);
        c.node(l).raw.proposeConfChange({ op: "setRole", id: l, role: "participant" });
        c.settle();
        const first = ["a", "b", "c"].find((id) => id !== l);
        expect(c.delivered.filter((m) => m.type === "timeoutNow").map((m) => m.to), `seed ${seed}, leader ${l}`).to.deep.equal([first]);
      }
    });

    it("hands over to a pool member even when participants are further ahead", function () {
      const c = cluster([tc("a"), tc("b"), tc("c"), part("d"), part("e")], { seed: 5 });
      const l = c.tickUntilLeader()!;
      const pool = ["a", "b", "c"].filter((id) => id !== l);
      // Proposed while the pool is caught up (it is refused otherwise); the pool misses it and what follows.
      c.node(l).raw.proposeConfChange({ op: "setRole", id: l, role: "participant" });
      for (const id of pool) c.isolate(id);
      for (let i = 0; i < 3; i++) c.node(l).raw.propose(bytes(`v${i}`));
      c.settle();
      expect(pool, "the transfer's target").to.include(c.node(l).raw.status().leadTransferee);
      c.heal();
      for (let i = 0; i < 100 && !pool.includes(c.leaders()[0] ?? ""); i++) {
        c.tick();
        c.settle();
      }
      expect(c.leaders()).to.have.length(1);
      expect(pool).to.include(c.leaders()[0]);
    });

    it("in standard mode hands a removed leader's place to the most up-to-date voter, participant or not", function () {
      const c = cluster([tc("a"), tc("b"), part("c"), part("d"), part("e")], { seed: 5, mode: "standard" });
      const l = c.tickUntilLeader()!;
      const lagging = ["a", "b"].filter((id) => id !== l);
      for (const id of lagging) c.isolate(id);
      for (let i = 0; i < 3; i++) c.propose(l, `v${i}`);
      c.node(l).raw.proposeConfChange({ op: "removeNode", id: l });
      c.settle();
      expect(c.delivered.filter((m) => m.type === "timeoutNow").map((m) => m.to)).to.have.length(1).and.not.include.members(lagging);
      expect(["c", "d", "e"]).to.include(c.leaders()[0]);
    });

    it("hands over at once to a pool member it has not heard from yet in its term (a pool change it inherited)", function () {
      // a was elected with the votes of c and d while holding the previous leader's uncommitted refresh to pool [b].
      const members = [tc("a"), tc("b"), part("c"), part("d"), part("e")];
      const refresh: ConfChange = { op: "refreshPool", id: "b", pool: ["b"] };
      const s = new MemoryStorage({ members });
      s.append([{ term: 1, index: 2, type: "config", data: encodeConfChange(refresh) }]);
      const n = new RawNode({ id: "a", random: seededRandom(3) }, s);
      elect(n, s, 2, ["c", "d"]);
      for (const id of ["c", "d"]) n.step({ type: "appendResp", from: id, to: "a", term: 2, index: 3 });
      const rd = n.ready();
      expect(rd.committedEntries.map((e) => e.type)).to.deep.equal(["config", "normal"]);
      s.append(rd.entries);
      s.setHardState(rd.hardState!);
      n.applyConfChange(refresh);
      n.advance(rd);
      // b has acknowledged nothing in term 2 (match 0), yet it is the only pool member: the hand-over starts now.
      expect(n.status().progress.b.match).to.equal(0);
      expect(n.status().leadTransferee).to.equal("b");
      // Once b answers the probe it is caught up and told to campaign.
      n.step({ type: "appendResp", from: "b", to: "a", term: 2, index: 3 });
      expect(flush(n, s).filter((m) => m.to === "b").map((m) => m.type)).to.include("timeoutNow");
    });

    it("keeps a transfer the operator already started", function () {
      const { c, l, behind } = poolWithLaggard();
      c.node(l).raw.proposeConfChange({ op: "setRole", id: l, role: "participant" });
      c.node(l).raw.transferLeadership(behind);
      c.settle();
      expect(c.node(l).raw.status()).to.include({ state: "leader", leadTransferee: behind });
      expect(c.delivered.filter((m) => m.type === "timeoutNow")).to.deep.equal([]);
    });
  });
});
