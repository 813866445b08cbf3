import { expect } from "chai";
import { seededRandom } from "../../src/core/config";
import { RawNode } from "../../src/core/rawnode";
import { MemoryStorage } from "../../src/core/storage";
import type { Message, NodeId, Ready } from "../../src/core/types";
import { bytes, part, tc } from "./helpers";

interface N {
  n: RawNode;
  s: MemoryStorage;
}

function persist(x: N, rd: Ready): void {
  if (rd.snapshot) x.s.applySnapshot(rd.snapshot);
  x.s.append(rd.entries);
  if (rd.hardState) x.s.setHardState(rd.hardState);
}

/** Runs every node's Ready loop (persist, send, advance) and delivers messages until quiet. */
function settle(ns: Map<NodeId, N>): void {
  for (let round = 0; round < 100; round++) {
    const out: Message[] = [];
    for (const x of ns.values()) {
      while (x.n.hasReady()) {
        const rd = x.n.ready();
        persist(x, rd);
        out.push(...rd.messages);
        x.n.advance(rd);
      }
    }
    if (out.length === 0) return;
    for (const m of out) ns.get(m.to)?.n.step(m);
  }
  throw new Error("did not settle");
}

function three(): Map<NodeId, N> {
  const members = [tc("a"), part("b"), part("c")];
  const ns = new Map<NodeId, N>();
  for (const [i, id] of ["a", "b", "c"].entries()) {
    const s = new MemoryStorage({ members });
    ns.set(id, { s, n: new RawNode({ id, random: seededRandom(i + 1) }, s) });
  }
  ns.get("a")!.n.campaign();
  settle(ns);
  expect(ns.get("a")!.n.status()).to.include({ state: "leader", commit: 2 });
  return ns;
}

describe("§10.2.1 leader counts itself only after its own append is durable", function () {
  it("with 3 voters, the leader's unpersisted copy plus one durable follower does not commit; the leader's write then commits", function () {
    const ns = three();
    const a = ns.get("a")!;
    const b = ns.get("b")!;
    const { index } = a.n.propose(bytes("x"));
    const rd = a.n.ready(); // the leader has not written `x` yet
    expect(rd.entries.map((e) => e.index)).to.deep.equal([index]);
    const toB = rd.messages.filter((m) => m.to === "b" && m.type === "append");
    expect(toB).to.have.length(1);
    // b persists `x` and acknowledges it: only one durable copy (b's) out of three voters.
    b.n.step(toB[0]);
    const rb = b.n.ready();
    persist(b, rb);
    b.n.advance(rb);
    const ack = rb.messages.find((m) => m.type === "appendResp" && m.to === "a")!;
    expect(ack.index).to.equal(index);
    a.n.step(ack);
    expect(a.n.status().commit).to.equal(index - 1);
    expect(a.n.status().progress.a.match).to.equal(index - 1);
    // The leader's own write becomes durable: two durable copies of three, so `x` commits.
    persist(a, rd);
    a.n.advance(rd);
    expect(a.n.status().progress.a.match).to.equal(index);
    expect(a.n.status().commit).to.equal(index);
    const next = a.n.ready();
    expect(next.committedEntries.map((e) => e.index)).to.deep.equal([index]);
    // The new commit index goes out to the followers at once.
    expect(next.messages.filter((m) => m.type === "append" && m.commit === index).map((m) => m.to).sort()).to.deep.equal(["b", "c"]);
  });

  it("with 3 voters, a durable leader commits as soon as one follower acknowledges", function () {
    const ns = three();
    const a = ns.get("a")!;
    const b = ns.get("b")!;
    const { index } = a.n.propose(bytes("y"));
    const rd = a.n.ready();
    persist(a, rd);
    a.n.advance(rd);
    expect(a.n.status().commit).to.equal(index - 1);
    const toB = rd.messages.find((m) => m.to === "b" && m.type === "append")!;
    b.n.step(toB);
    const rb = b.n.ready();
    persist(b, rb);
    b.n.advance(rb);
    a.n.step(rb.messages.find((m) => m.type === "appendResp")!);
    expect(a.n.status().commit).to.equal(index);
  });
});
