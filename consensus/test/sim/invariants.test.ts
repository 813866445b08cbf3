import { expect } from "chai";
import { seededRandom } from "../../src/core/config";
import { MemoryStorage } from "../../src/core/storage";
import type { Entry } from "../../src/core/types";
import { SafetyChecker, SafetyViolation } from "../../src/sim/invariants";
import { SimNode } from "../../src/sim/node";

const conf = { members: [{ id: "a", role: "trading-centre" as const }, { id: "b", role: "participant" as const }] };
const enc = new TextEncoder();
const ent = (index: number, term: number, v: string): Entry => ({ index, term, type: "normal", data: enc.encode(v) });

function node(id: string, log: Entry[] = []): SimNode {
  const s = new MemoryStorage(conf);
  s.append(log);
  return new SimNode(id, s, () => ({ id, random: seededRandom(1) }));
}

// The checker must actually catch each violation it claims to check; otherwise a green simulation
// would prove nothing.
describe("SafetyChecker catches violations", function () {
  it("election safety: two leaders in one term", function () {
    const c = new SafetyChecker();
    c.onLeader(node("a"), 3);
    c.onLeader(node("a"), 3);
    expect(() => c.onLeader(node("b"), 3)).to.throw(SafetyViolation, /two leaders in term 3/);
  });

  it("state machine safety: different entries applied at one index", function () {
    const c = new SafetyChecker();
    c.onApply({ node: "a", entry: ent(2, 2, "x"), key: "x" });
    expect(() => c.onApply({ node: "b", entry: ent(2, 2, "y"), key: "y" })).to.throw(SafetyViolation, /state machine safety/);
  });

  it("exactly once: one proposal applied at two indices", function () {
    const c = new SafetyChecker();
    c.onApply({ node: "a", entry: ent(2, 2, "p1"), key: "p1" });
    expect(() => c.onApply({ node: "a", entry: ent(3, 2, "p1"), key: "p1" })).to.throw(SafetyViolation, /applied at 2 and 3/);
  });

  it("log matching: same index and term but different entries or prefixes", function () {
    const c = new SafetyChecker();
    const a = node("a", [ent(2, 2, "x")]);
    c.onPersisted(a, [ent(2, 2, "x")]);
    const b = node("b", [ent(2, 2, "y")]);
    expect(() => c.onPersisted(b, [ent(2, 2, "y")])).to.throw(SafetyViolation, /log matching/);
  });

  it("leader completeness: a new leader missing a committed entry", function () {
    const c = new SafetyChecker();
    c.onApply({ node: "a", entry: ent(2, 2, "x"), key: "x" });
    expect(() => c.onLeader(node("b", [ent(2, 3, "z")]), 4)).to.throw(SafetyViolation, /has term 3 at committed 2/);
    expect(() => c.onLeader(node("b"), 4)).to.throw(SafetyViolation, /lacks committed entry 2/);
  });

  it("one total order: a state machine that diverges or applies a proposal twice", function () {
    const c = new SafetyChecker();
    c.onApply({ node: "a", entry: ent(2, 2, "x"), key: "x" });
    const b = node("b");
    b.sm = { index: 2, keys: ["y"] };
    expect(() => c.checkMachine(b)).to.throw(SafetyViolation, /diverges at 2/);
    b.sm = { index: 3, keys: ["x", "x"] };
    expect(() => c.checkMachine(b)).to.throw(SafetyViolation, /applied x twice/);
  });
});
