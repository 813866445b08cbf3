import { expect } from "chai";
import { seededRandom } from "../../src/core/config";
import { RaftError } from "../../src/core/errors";
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

/** A single-voter cluster whose one node has won its election. */
function loneLeader(): N {
  const s = new MemoryStorage({ members: [tc("a")] });
  const x: N = { s, n: new RawNode({ id: "a", random: seededRandom(1) }, s) };
  x.n.campaign();
  settle(new Map([["a", x]]));
  return x;
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

describe("§10.2.1 leader write in flight: advance({ synced: false }) then synced()", function () {
  /** b (or c) takes the leader's append for `index`, persists it and answers. */
  function ackFrom(x: N, rd: Ready, id: NodeId): Message {
    x.n.step(rd.messages.find((m) => m.to === id && m.type === "append")!);
    const r = x.n.ready();
    persist(x, r);
    x.n.advance(r);
    return r.messages.find((m) => m.type === "appendResp")!;
  }

  it("with 3 voters, an unsynced leader copy and one durable follower do not commit; the second follower does", function () {
    const ns = three();
    const a = ns.get("a")!;
    const { index } = a.n.propose(bytes("x"));
    const rd = a.n.ready();
    persist(a, rd); // written: storage serves it, but the driver has not fsync'd it yet
    a.n.advance(rd, { synced: false });
    expect(a.n.syncPending).to.equal(true);
    expect(a.n.status().progress.a.match).to.equal(index - 1);
    a.n.step(ackFrom(ns.get("b")!, rd, "b"));
    expect(a.n.status().commit).to.equal(index - 1);
    a.n.step(ackFrom(ns.get("c")!, rd, "c"));
    expect(a.n.status().commit).to.equal(index);
    // The follower-made commit surfaces while the leader's own write is still in flight.
    expect(a.n.ready().committedEntries.map((e) => e.index)).to.deep.equal([index]);
  });

  it("with 3 voters, synced() counts the leader's copy and commits with one follower", function () {
    const ns = three();
    const a = ns.get("a")!;
    const { index } = a.n.propose(bytes("y"));
    const rd = a.n.ready();
    persist(a, rd);
    a.n.advance(rd, { synced: false });
    a.n.step(ackFrom(ns.get("b")!, rd, "b"));
    expect(a.n.status().commit).to.equal(index - 1);
    a.n.synced();
    expect(a.n.syncPending).to.equal(false);
    expect(a.n.status().progress.a.match).to.equal(index);
    expect(a.n.status().commit).to.equal(index);
  });

  it("a single voter commits only once synced() reports its write durable", function () {
    const x = loneLeader();
    const n = x.n;
    const { index } = n.propose(bytes("z"));
    const rd = n.ready();
    persist(x, rd);
    n.advance(rd, { synced: false });
    expect(n.hasReady()).to.equal(false);
    expect(n.status().commit).to.equal(index - 1);
    n.synced();
    expect(n.status().commit).to.equal(index);
    expect(n.ready().committedEntries.map((e) => e.index)).to.deep.equal([index]);
  });

  it("synced(upTo) counts only the writes up to upTo; later unsynced writes still wait", function () {
    const x = loneLeader();
    const n = x.n;
    const first = n.propose(bytes("p")).index;
    const rd1 = n.ready();
    persist(x, rd1);
    n.advance(rd1, { synced: false });
    const second = n.propose(bytes("q")).index;
    const rd2 = n.ready();
    persist(x, rd2);
    n.advance(rd2, { synced: false });
    n.synced(first); // an fsync that began before `q` was written
    expect(n.status().commit).to.equal(first);
    expect(n.syncPending).to.equal(true);
    n.synced(second);
    expect(n.status().commit).to.equal(second);
    expect(n.syncPending).to.equal(false);
    n.synced(first); // a late report of an older fsync changes nothing
    expect(n.status().commit).to.equal(second);
  });

  it("a durable write of later entries makes earlier unsynced writes durable too (one log, in order)", function () {
    const x = loneLeader();
    const n = x.n;
    n.propose(bytes("p"));
    const rd1 = n.ready();
    persist(x, rd1);
    n.advance(rd1, { synced: false });
    const { index } = n.propose(bytes("q"));
    const rd2 = n.ready();
    persist(x, rd2);
    n.advance(rd2);
    expect(n.syncPending).to.equal(false);
    expect(n.status().commit).to.equal(index);
  });

  it("refuses an unsynced advance from a follower, or from a Ready with a new term or vote", function () {
    const ns = three();
    const b = ns.get("b")!;
    const a = ns.get("a")!;
    a.n.propose(bytes("v"));
    const rd = a.n.ready();
    persist(a, rd);
    a.n.advance(rd);
    b.n.step(rd.messages.find((m) => m.to === "b" && m.type === "append")!);
    const rb = b.n.ready();
    expect(() => b.n.advance(rb, { synced: false })).to.throw(RaftError, /only a leader's Ready/);

    const s = new MemoryStorage({ members: [tc("d")] });
    const d = new RawNode({ id: "d", random: seededRandom(4) }, s);
    d.campaign(); // a lone voter wins at once: the Ready carries its new term and vote
    const rdd = d.ready();
    expect(rdd.softState?.state).to.equal("leader");
    expect(() => d.advance(rdd, { synced: false })).to.throw(RaftError, /only a leader's Ready/);
  });

  it("refuses a new term even with the same vote (a lone voter re-elected), and takes entries with a commit-only hard state", function () {
    const s = new MemoryStorage({ members: [tc("d")] });
    const d = new RawNode({ id: "d", random: seededRandom(4) }, s);
    d.campaign();
    const first = d.ready();
    s.append(first.entries);
    s.setHardState(first.hardState!);
    d.advance(first);
    // Restarted, it campaigns again: term 3, and its vote is for itself again, as in term 2.
    const again = new RawNode({ id: "d", random: seededRandom(4) }, s);
    again.campaign();
    const rd = again.ready();
    expect(rd.hardState).to.include({ term: 3, vote: "d" });
    expect(() => again.advance(rd, { synced: false })).to.throw(RaftError, /only a leader's Ready/);
    s.append(rd.entries);
    s.setHardState(rd.hardState!);
    again.advance(rd);
    // Its no-op commits now (the Ready is durable), and x is proposed before the commit is handed out.
    again.propose(bytes("x"));
    const both = again.ready();
    expect([both.hardState?.term, both.hardState?.commit, both.entries.length]).to.deep.equal([3, 3, 1]);
    s.append(both.entries);
    s.setHardState(both.hardState!);
    again.advance(both, { synced: false });
    expect(again.syncPending).to.equal(true);
  });
});
