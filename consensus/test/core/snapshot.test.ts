import { expect } from "chai";
import { seededRandom } from "../../src/core/config";
import { RawNode } from "../../src/core/rawnode";
import { MemoryStorage } from "../../src/core/storage";
import type { Message } from "../../src/core/types";
import { cluster, entriesWithTerms, flush, part, tc } from "./helpers";

describe("§7 log compaction and snapshots", function () {
  it("compacts the log behind a snapshot and still serves new entries", function () {
    const c = cluster([tc("a"), part("b"), part("c")], { snapshotEvery: 5 });
    const l = c.tickUntilLeader()!;
    for (let i = 0; i < 12; i++) c.propose(l, `v${i}`);
    const s = c.node(l).storage;
    expect(s.firstIndex()).to.be.greaterThan(5);
    expect(s.snapshot().meta.index).to.equal(s.firstIndex() - 1);
    expect(c.node("b").sm.keys.slice(-12)).to.deep.equal(Array.from({ length: 12 }, (_, i) => `v${i}`));
  });

  it("installs a snapshot on a follower that fell behind the compacted log (InstallSnapshot)", function () {
    const c = cluster([tc("a"), part("b"), part("c")], { snapshotEvery: 4, seed: 2 });
    const l = c.tickUntilLeader()!;
    const lagging = [...c.nodes.keys()].find((id) => id !== l)!;
    c.node(lagging).crash();
    for (let i = 0; i < 10; i++) c.propose(l, `v${i}`);
    expect(c.node(l).storage.firstIndex()).to.be.greaterThan(c.node(lagging).storage.lastIndex() + 1);
    c.node(lagging).restart();
    c.tick(3);
    const snaps = c.delivered.filter((m: Message) => m.type === "snapshot" && m.to === lagging);
    expect(snaps.length).to.be.at.least(1);
    expect(c.node(lagging).sm).to.deep.equal(c.node(l).sm);
    expect(c.node(lagging).storage.snapshot().meta.index).to.be.at.least(snaps[0].snapshot!.meta.index);
    // And it keeps replicating normally after the install.
    c.propose(l, "after");
    expect(c.node(lagging).sm.keys.at(-1)).to.equal("after");
  });

  it("retries a lost snapshot after an election timeout", function () {
    const c = cluster([tc("a"), part("b"), part("c")], { snapshotEvery: 4, seed: 3 });
    const l = c.tickUntilLeader()!;
    const lagging = [...c.nodes.keys()].find((id) => id !== l)!;
    c.node(lagging).crash();
    for (let i = 0; i < 10; i++) c.propose(l, `v${i}`);
    c.node(lagging).restart();
    let dropped = 0;
    c.filters.push((m) => m.type === "snapshot" && dropped++ === 0);
    c.tick(25);
    expect(dropped).to.be.at.least(2);
    expect(c.node(lagging).sm).to.deep.equal(c.node(l).sm);
  });

  it("a restarted node recovers its state machine from its own snapshot and replays only the tail", function () {
    const c = cluster([tc("a"), part("b"), part("c")], { snapshotEvery: 4, seed: 4 });
    const l = c.tickUntilLeader()!;
    for (let i = 0; i < 9; i++) c.propose(l, `v${i}`);
    const f = [...c.nodes.keys()].find((id) => id !== l)!;
    const before = c.node(f).sm;
    c.node(f).crash();
    c.node(f).restart();
    expect(c.node(f).raw.status().applied).to.equal(c.node(f).storage.snapshot().meta.index);
    c.tick(3);
    expect(c.node(f).sm).to.deep.equal(before);
  });
});

describe("§7 InstallSnapshot receiver: what a follower answers", function () {
  const conf = { members: [tc("a"), tc("b"), part("c")] };
  const snap = (index: number, term: number) => ({ meta: { index, term, conf }, data: new Uint8Array([index]) });

  /** Follower b holding entries 2..5 of term 1, committed through `commit`; returns its answers to `m`. */
  function answer(commit: number, m: Omit<Message, "from" | "to">): Message[] {
    const s = new MemoryStorage(conf);
    s.append(entriesWithTerms([1, 1, 1, 1]));
    s.setHardState({ term: 2, vote: null, commit });
    const n = new RawNode({ id: "b", random: seededRandom(1), applied: commit }, s);
    n.step({ ...m, from: "a", to: "b" } as Message);
    return n.hasReady() ? n.ready().messages : [];
  }
  const acks = (ms: Message[]) => ms.map((m) => [m.type, m.to, m.index, m.reject ?? false]);

  it("acknowledges a newer snapshot it installs with the snapshot's index", function () {
    expect(acks(answer(3, { type: "snapshot", term: 2, snapshot: snap(9, 2) }))).to.deep.equal([["appendResp", "a", 9, false]]);
  });

  it("answers a snapshot at or below its commit index with its commit index, installing nothing", function () {
    expect(acks(answer(4, { type: "snapshot", term: 2, snapshot: snap(4, 1) }))).to.deep.equal([["appendResp", "a", 4, false]]);
    expect(acks(answer(4, { type: "snapshot", term: 2, snapshot: snap(3, 1) }))).to.deep.equal([["appendResp", "a", 4, false]]);
  });

  it("fast-forwards its commit index to a snapshot whose last entry it already holds", function () {
    // It holds 2..5; the snapshot covers 4. Entry 5 is not known to match the leader, so it answers 4, not 5.
    const ms = answer(2, { type: "snapshot", term: 2, snapshot: snap(4, 1) });
    expect(acks(ms)).to.deep.equal([["appendResp", "a", 4, false]]);
  });

  it("keeps its log when it fast-forwards: nothing to install, the entry after the snapshot stays", function () {
    const s = new MemoryStorage(conf);
    s.append(entriesWithTerms([1, 1, 1, 1]));
    s.setHardState({ term: 2, vote: null, commit: 2 });
    const n = new RawNode({ id: "b", random: seededRandom(1), applied: 2 }, s);
    n.step({ type: "snapshot", from: "a", to: "b", term: 2, snapshot: snap(4, 1) });
    expect(n.status()).to.include({ commit: 4, lastIndex: 5 });
    const rd = n.ready();
    expect(rd.snapshot).to.equal(undefined);
    expect(rd.committedEntries.map((e) => e.index)).to.deep.equal([3, 4]);
  });

  for (const preVote of [true, false]) {
    it(`a ${preVote ? "pre-" : ""}candidate given a snapshot by a leader of its term follows that leader and installs it`, function () {
      const s = new MemoryStorage(conf);
      s.append(entriesWithTerms([1, 1, 1, 1]));
      s.setHardState({ term: 2, vote: null, commit: 3 });
      const n = new RawNode({ id: "b", random: seededRandom(1), applied: 3, preVote }, s);
      expect(n.campaign()).to.equal(true);
      flush(n, s);
      const term = n.status().term;
      expect(n.status().state).to.equal(preVote ? "preCandidate" : "candidate");
      n.step({ type: "snapshot", from: "a", to: "b", term, snapshot: snap(9, term) });
      expect(n.status()).to.include({ state: "follower", lead: "a", term, commit: 9 });
      expect(acks(n.ready().messages)).to.deep.equal([["appendResp", "a", 9, false]]);
    });
  }

  it("ignores a snapshot message without a snapshot", function () {
    expect(acks(answer(3, { type: "snapshot", term: 2 })).filter((a) => a[0] === "appendResp")).to.deep.equal([]);
  });
});
