import { expect } from "chai";
import { type RaftConfigInput, seededRandom } from "../../src/core/config";
import { RawNode } from "../../src/core/rawnode";
import { MemoryStorage } from "../../src/core/storage";
import type { Message } from "../../src/core/types";
import { cluster, elect, flush, learner, nodeWithLog, part, tc, withLogs } from "./helpers";

const three = () => [tc("a"), tc("b"), tc("c")];

function single(seed: number): RawNode {
  return new RawNode({ id: "a", random: seededRandom(seed) }, new MemoryStorage({ members: [tc("a")] }));
}

/** Ticks a lone node until it campaigns; returns the number of ticks it waited. */
function ticksToCampaign(n: RawNode): number {
  for (let t = 1; t <= 100; t++) {
    n.tick();
    if (n.status().state !== "follower") return t;
  }
  return -1;
}

describe("§5.2 leader election", function () {
  it("elects exactly one leader that every node follows, in a term above the bootstrap term", function () {
    const c = cluster(three(), { mode: "standard" });
    const l = c.tickUntilLeader();
    expect(l).to.not.equal(null);
    expect(c.leaders()).to.deep.equal([l]);
    const term = c.node(l!).raw.status().term;
    expect(term).to.be.greaterThan(1);
    for (const n of c.nodes.values()) expect(n.raw.status()).to.include({ lead: l, term });
  });

  it("draws randomized election timeouts in (electionTick, 2*electionTick]: strictly past the lease", function () {
    const waits = Array.from({ length: 60 }, (_, s) => ticksToCampaign(single(s + 1)));
    expect(Math.min(...waits)).to.be.at.least(11);
    expect(Math.max(...waits)).to.be.at.most(20);
    expect(new Set(waits).size).to.be.greaterThan(4);
  });

  it("spreads the timeouts over electionTick * electionSpread ticks past electionTick", function () {
    const waits = Array.from({ length: 60 }, (_, i) =>
      ticksToCampaign(new RawNode({ id: "a", random: seededRandom(i + 1), electionSpread: 0.5 }, new MemoryStorage({ members: [tc("a")] }))),
    );
    expect(Math.min(...waits)).to.be.at.least(11);
    expect(Math.max(...waits)).to.equal(15);
  });

  it("a single-voter cluster elects itself and commits its first entry", function () {
    const s = new MemoryStorage({ members: [tc("a")] });
    const n = new RawNode({ id: "a", random: seededRandom(3) }, s);
    ticksToCampaign(n);
    expect(n.status().state).to.equal("leader");
    const rd = n.ready();
    // Thesis §10.2.1: the leader counts its own copy only once the driver has made it durable.
    expect(rd.committedEntries).to.deep.equal([]);
    s.append(rd.entries);
    s.setHardState(rd.hardState!);
    n.advance(rd);
    expect(n.ready().committedEntries.map((e) => e.index)).to.deep.equal([2]);
  });

  it("a leader asked to campaign declines and keeps its term", function () {
    const c = cluster(three(), { mode: "standard" });
    const l = c.tickUntilLeader()!;
    const term = c.node(l).raw.status().term;
    expect(c.node(l).raw.campaign()).to.equal(false);
    c.settle();
    expect(c.leaders()).to.deep.equal([l]);
    expect(c.node(l).raw.status().term).to.equal(term);
  });

  it("a new election follows the leader's crash", function () {
    const c = cluster(three(), { mode: "standard" });
    const l1 = c.tickUntilLeader()!;
    const t1 = c.node(l1).raw.status().term;
    c.node(l1).crash();
    const l2 = c.tickUntilLeader()!;
    expect(l2).to.not.equal(l1);
    expect(c.node(l2).raw.status().term).to.be.greaterThan(t1);
  });
});

describe("§5.4.1 election restriction (vote rules)", function () {
  // b's log ends at (index 3, term 2).
  function voter(): RawNode {
    const s = new MemoryStorage({ members: three() });
    withLogs({ b: { terms: [2, 2], term: 2 } })("b", s);
    return new RawNode({ id: "b", random: seededRandom(1), preVote: false, checkQuorum: false }, s);
  }
  const vote = (from: string, term: number, index: number, logTerm: number): Message => ({ type: "vote", from, to: "b", term, index, logTerm });
  const respond = (n: RawNode): Message[] => {
    const rd = n.ready();
    n.advance(rd);
    return rd.messages.filter((m) => m.type === "voteResp");
  };

  it("rejects a candidate whose last term is older, even with a longer log", function () {
    const n = voter();
    n.step(vote("a", 3, 9, 1));
    expect(respond(n)).to.deep.include.members([{ type: "voteResp", from: "b", to: "a", term: 3, reject: true }]);
  });

  it("rejects a candidate with the same last term but a shorter log", function () {
    const n = voter();
    n.step(vote("a", 3, 2, 2));
    expect(respond(n)[0].reject).to.equal(true);
  });

  it("grants an at-least-as-up-to-date candidate and persists the vote", function () {
    const n = voter();
    n.step(vote("a", 3, 3, 2));
    const rd = n.ready();
    expect(rd.messages.find((m) => m.type === "voteResp")?.reject).to.equal(false);
    expect(rd.hardState).to.deep.include({ term: 3, vote: "a" });
  });

  it("votes at most once per term", function () {
    const n = voter();
    n.step(vote("a", 3, 3, 2));
    n.advance(n.ready());
    n.step(vote("c", 3, 5, 3));
    expect(respond(n)[0]).to.include({ to: "c", reject: true });
    n.step(vote("a", 3, 3, 2));
    expect(respond(n)[0]).to.include({ to: "a", reject: false });
  });
});

describe("PreVote against a disruptive rejoin (thesis §9.6)", function () {
  function isolateAndRejoin(preVote: boolean): { before: number; after: number; isolatedTerm: number; leaderKept: boolean } {
    const c = cluster(three(), { mode: "standard", preVote, checkQuorum: false, seed: 5 });
    const l = c.tickUntilLeader()!;
    const before = c.node(l).raw.status().term;
    const other = [...c.nodes.keys()].find((id) => id !== l)!;
    c.isolate(other);
    c.tick(100);
    const isolatedTerm = c.node(other).raw.status().term;
    c.heal();
    c.tick(25); // the isolated node's next election timeout fires within 2 * electionTick
    return { before, after: c.node(l).raw.status().term, isolatedTerm, leaderKept: c.leaders().includes(l) };
  }

  it("with PreVote an isolated node does not inflate its term and cannot depose the leader on rejoin", function () {
    const r = isolateAndRejoin(true);
    expect(r.isolatedTerm).to.equal(r.before);
    expect(r.after).to.equal(r.before);
    expect(r.leaderKept).to.equal(true);
  });

  it("without PreVote the same rejoin bumps the term and deposes the leader", function () {
    const r = isolateAndRejoin(false);
    expect(r.isolatedTerm).to.be.greaterThan(r.before);
    expect(r.after).to.be.greaterThan(r.before);
  });

  it("answers a PreVote of an older term with a rejection in its own term", function () {
    const c = cluster(three(), { mode: "standard", seed: 5 });
    const l = c.tickUntilLeader()!;
    const f = [...c.nodes.keys()].find((id) => id !== l)!;
    const term = c.node(f).raw.status().term;
    const other = ["a", "b", "c"].find((id) => id !== l && id !== f)!;
    c.delivered = [];
    c.node(f).raw.step({ type: "preVote", from: other, to: f, term: term - 1, index: 1, logTerm: 1 });
    c.settle();
    const answers = c.delivered.filter((m) => m.from === f && m.to === other);
    expect(answers.map((m) => [m.type, m.term, m.reject])).to.deep.equal([["preVoteResp", term, true]]);
  });

  it("a granted pre-vote leaves the voter's term and vote untouched", function () {
    const s = new MemoryStorage({ members: three() });
    withLogs({ b: { terms: [2, 2], term: 2 } })("b", s);
    const b = new RawNode({ id: "b", random: seededRandom(1) }, s);
    b.step({ type: "preVote", from: "c", to: "b", term: 3, index: 3, logTerm: 2 });
    const rd = b.ready();
    expect(rd.messages).to.deep.equal([{ type: "preVoteResp", from: "b", to: "c", term: 3, reject: false }]);
    expect(rd.hardState).to.equal(undefined);
    expect(b.status()).to.include({ term: 2, vote: null });
  });
});

describe("CheckQuorum", function () {
  it("a pool candidate's first PreVote after the leader dies is not lost to a peer's lease, even a tick out of phase", function () {
    for (let seed = 1; seed <= 30; seed++) {
      const c = cluster([tc("a"), tc("b"), part("c")], { seed });
      if (c.tickUntilLeader() !== "a") continue;
      c.node("a").crash();
      const since = c.delivered.length;
      // b and c heard the same last heartbeat; c's clock ticks just after b's in every period.
      for (let t = 0; t < 60 && c.node("b").raw.status().state !== "leader"; t++) {
        c.node("b").raw.tick();
        c.settle();
        c.node("c").raw.tick();
        c.settle();
      }
      expect(c.node("b").raw.status().state, `seed ${seed}`).to.equal("leader");
      const preVotes = c.delivered.slice(since).filter((m) => m.type === "preVote" && m.from === "b" && m.to === "c");
      expect(preVotes, `seed ${seed}: PreVote rounds`).to.have.length(1);
    }
  });

  it("a leader cut off from its quorum steps down within two election timeouts", function () {
    const c = cluster(three(), { mode: "standard", seed: 3 });
    const l = c.tickUntilLeader()!;
    c.isolate(l);
    let ticks = 0;
    while (c.node(l).raw.status().state === "leader" && ticks < 100) {
      c.tick();
      ticks++;
    }
    expect(c.node(l).raw.status().state).to.equal("follower");
    expect(ticks).to.be.at.most(20);
  });

  it("a leader that hears from a quorum keeps leading in the same term, election timeout after election timeout", function () {
    const c = cluster(three(), { mode: "standard", seed: 3 });
    const l = c.tickUntilLeader()!;
    const term = c.node(l).raw.status().term;
    // One follower down: the leader and the other follower are still a quorum.
    c.node([...c.nodes.keys()].find((id) => id !== l)!).crash();
    c.tick(60);
    expect(c.leaders()).to.deep.equal([l]);
    expect(c.node(l).raw.status().term).to.equal(term);
  });

  it("learners do not count toward the quorum a leader must hear from", function () {
    const c = cluster([tc("a"), tc("b"), tc("c"), learner("d"), learner("e")], { seed: 3 });
    const l = c.tickUntilLeader()!;
    for (const id of ["a", "b", "c"]) if (id !== l) c.node(id).crash();
    c.tick(25);
    expect(c.node(l).raw.status().state).to.equal("follower");
  });

  it("without CheckQuorum the cut-off leader stays leader", function () {
    const c = cluster(three(), { mode: "standard", seed: 3, checkQuorum: false });
    const l = c.tickUntilLeader()!;
    c.isolate(l);
    c.tick(60);
    expect(c.node(l).raw.status().state).to.equal("leader");
  });

  it("lease: a follower with a live leader ignores a higher-term vote request", function () {
    const c = cluster(three(), { mode: "standard", seed: 4, preVote: false });
    const l = c.tickUntilLeader()!;
    const f = [...c.nodes.keys()].find((id) => id !== l)!;
    const raw = c.node(f).raw;
    const term = raw.status().term;
    raw.step({ type: "vote", from: "x", to: f, term: term + 5, index: 1000, logTerm: 1000 });
    expect(raw.status().term).to.equal(term);
    expect(raw.ready().messages.filter((m) => m.type === "voteResp")).to.deep.equal([]);
  });

  it("the rest of the cluster elects a new leader while the old one is isolated", function () {
    const c = cluster([tc("a"), tc("b"), tc("c"), part("d"), part("e")], { seed: 6 });
    const l = c.tickUntilLeader()!;
    c.isolate(l);
    c.tick(40);
    const others = c.leaders().filter((id) => id !== l);
    expect(others).to.have.length(1);
  });
});

describe("§5.1: a leader that learns a higher term from a response steps down", function () {
  for (const type of ["appendResp", "heartbeatResp"] as const) {
    it(`on an ${type} of a higher term it becomes a follower of that term, with no leader known`, function () {
      const c = cluster(three(), { mode: "standard", seed: 5 });
      const l = c.tickUntilLeader()!;
      const f = [...c.nodes.keys()].find((id) => id !== l)!;
      const raw = c.node(l).raw;
      const term = raw.status().term;
      raw.step({ type, from: f, to: l, term: term + 1, index: 0 });
      expect(raw.status()).to.deep.include({ state: "follower", term: term + 1, lead: null });
      expect(() => raw.propose(new Uint8Array([1]))).to.throw();
    });
  }

  it("a leader deposed while cut off steps down on a follower's answer to its heartbeat after healing", function () {
    // Without CheckQuorum the cut-off leader keeps leading its old term. The new leader's own
    // messages to it stay lost, so only a follower's answer to its heartbeat can tell it.
    const c = cluster(three(), { mode: "standard", seed: 3, checkQuorum: false });
    const old = c.tickUntilLeader()!;
    c.isolate(old);
    c.tick(40);
    const next = c.leaders().find((id) => id !== old)!;
    expect(next).to.not.equal(undefined);
    const newTerm = c.node(next).raw.status().term;
    c.heal();
    c.filters = [(m) => m.from === next && m.to === old];
    const since = c.delivered.length;
    c.tick(3);
    const answers = c.delivered.slice(since).filter((m) => m.to === old && m.term === newTerm && (m.type === "appendResp" || m.type === "heartbeatResp"));
    expect(answers.length).to.be.greaterThan(0);
    expect(c.node(old).raw.status()).to.deep.include({ state: "follower", term: newTerm, lead: null });
    expect(c.leaders()).to.deep.equal([next]);
  });
});

describe("§5.1 messages of an older term, one node at a time", function () {
  const node = (opts: Partial<RaftConfigInput> = {}) => nodeWithLog(three(), "b", [1, 1], 3, opts);

  for (const type of ["heartbeat", "append"] as const) {
    for (const opts of [{}, { preVote: false }, { checkQuorum: false }]) {
      it(`answers a stale leader's ${type} with its own term, so the leader steps down (${JSON.stringify(opts)})`, function () {
        const { n, s } = node(opts);
        n.step({ type, from: "a", to: "b", term: 2, index: 1, logTerm: 1, entries: [], commit: 1 });
        expect(flush(n, s).map((m) => [m.type, m.to, m.term])).to.deep.equal([["appendResp", "a", 3]]);
        expect(n.status()).to.include({ term: 3, lead: null });
      });
    }

    it(`drops a stale ${type} without a word with neither CheckQuorum nor PreVote (the stale leader's own campaigns teach it)`, function () {
      const { n, s } = node({ checkQuorum: false, preVote: false });
      n.step({ type, from: "a", to: "b", term: 2, index: 1, logTerm: 1, entries: [], commit: 1 });
      expect(flush(n, s)).to.deep.equal([]);
    });
  }

  for (const type of ["vote", "voteResp", "preVoteResp", "appendResp", "heartbeatResp", "snapshot", "timeoutNow"] as const) {
    it(`drops a ${type} of an older term without answering`, function () {
      const { n, s } = node();
      n.step({ type, from: "a", to: "b", term: 2, index: 1, logTerm: 1 });
      expect(flush(n, s)).to.deep.equal([]);
      expect(n.status()).to.include({ state: "follower", term: 3 });
    });
  }
});

describe("CheckQuorum lease boundaries, one node at a time", function () {
  it("a follower ignores a higher-term PreVote for exactly one election timeout after its leader's last message", function () {
    const { n, s } = nodeWithLog(three(), "b", [1, 1], 3);
    n.step({ type: "heartbeat", from: "a", to: "b", term: 3, commit: 1 });
    flush(n, s);
    const preVote: Message = { type: "preVote", from: "c", to: "b", term: 4, index: 3, logTerm: 1 };
    for (let t = 1; t < 10; t++) n.tick();
    n.step(preVote);
    expect(flush(n, s)).to.deep.equal([]);
    n.tick();
    n.step(preVote);
    expect(flush(n, s).map((m) => [m.type, m.term, m.reject])).to.deep.equal([["preVoteResp", 4, false]]);
  });

  it("a leader checks its quorum once per election timeout, neither earlier nor later", function () {
    const { n, s } = nodeWithLog(three(), "a", [1, 1], 1);
    elect(n, s, 2, ["b"]);
    expect(n.status().state).to.equal("leader");
    // b answers once in the first window; nobody answers in the second.
    n.step({ type: "heartbeatResp", from: "b", to: "a", term: 2 });
    for (let t = 1; t <= 10; t++) n.tick();
    expect(n.status().state, "after the first window").to.equal("leader");
    for (let t = 1; t < 10; t++) n.tick();
    expect(n.status().state, "a tick before the second check").to.equal("leader");
    n.tick();
    expect(n.status()).to.include({ state: "follower", term: 2 });
  });

  it("a leader sends heartbeats every heartbeatTick ticks, not on every tick", function () {
    const { n, s } = nodeWithLog(three(), "a", [1, 1], 1, { heartbeatTick: 3 });
    elect(n, s, 2, ["b"]);
    const beats: number[] = [];
    for (let t = 1; t <= 9; t++) {
      n.tick();
      if (flush(n, s).some((m) => m.type === "heartbeat")) beats.push(t);
    }
    expect(beats).to.deep.equal([3, 6, 9]);
  });
});

describe("§5.2 a candidate's election, one node at a time", function () {
  const five = () => [tc("a"), tc("b"), tc("c"), tc("d"), tc("e")];

  /** Candidate b (no PreVote) in term 2 of `members`, holding entries of term 1 at 2 and 3; its vote requests. */
  function candidate(members = [tc("a"), tc("b"), tc("c")]) {
    const { n, s } = nodeWithLog(members, "b", [1, 1], 1, { preVote: false });
    n.campaign();
    return { n, s, requests: flush(n, s) };
  }
  const answer = (n: RawNode, from: string, reject: boolean) => n.step({ type: "voteResp", from, to: "b", term: 2, reject });

  it("loses once a majority rejects it, and waits as a follower of its term", function () {
    const { n } = candidate();
    answer(n, "a", true);
    expect(n.status().state, "one rejection of three").to.equal("candidate");
    answer(n, "c", true);
    expect(n.status()).to.include({ state: "follower", term: 2, lead: null });
  });

  it("counts each voter's first answer only: a later, different answer from it changes nothing", function () {
    const { n } = candidate(five());
    answer(n, "a", false);
    answer(n, "a", true);
    answer(n, "c", false);
    expect(n.status().state).to.equal("leader");
  });

  it("asks for votes without the transfer context unless a transfer started the campaign", function () {
    const { requests } = candidate();
    expect(requests.filter((m) => m.type === "vote").map((m) => [m.to, m.context])).to.deep.equal([
      ["a", undefined],
      ["c", undefined],
    ]);
  });

  for (const type of ["append", "heartbeat"] as const) {
    it(`becomes a follower of the leader of its term on its ${type}, and answers it`, function () {
      const { n, s } = candidate();
      n.step({ type, from: "a", to: "b", term: 2, index: 3, logTerm: 1, entries: [], commit: 1 });
      expect(n.status()).to.include({ state: "follower", lead: "a", term: 2 });
      expect(flush(n, s).map((m) => [m.type, m.to])).to.deep.equal([[type === "append" ? "appendResp" : "heartbeatResp", "a"]]);
    });
  }
});

describe("§5.2 a voter's rules, one node at a time", function () {
  const members = [tc("a"), tc("b"), tc("c")];
  const answers = (n: RawNode, s: MemoryStorage) => flush(n, s).map((m) => [m.type, m.to, m.term, m.reject]);

  it("refuses a vote in a term whose leader it already follows, though it has voted for no one", function () {
    const { n, s } = nodeWithLog(members, "b", [1, 1], 2, { preVote: false });
    n.step({ type: "heartbeat", from: "a", to: "b", term: 2, commit: 1 });
    flush(n, s);
    n.step({ type: "vote", from: "c", to: "b", term: 2, index: 3, logTerm: 1 });
    expect(answers(n, s)).to.deep.equal([["voteResp", "c", 2, true]]);
  });

  it("refuses a pre-vote for its own term once it has voted for another candidate in it", function () {
    const s = new MemoryStorage({ members });
    s.append([{ index: 2, term: 1, type: "normal", data: new Uint8Array() }]);
    s.setHardState({ term: 5, vote: "a", commit: 1 });
    const n = new RawNode({ id: "b", random: seededRandom(3), preVote: true }, s);
    n.step({ type: "preVote", from: "c", to: "b", term: 5, index: 2, logTerm: 1 });
    expect(answers(n, s)).to.deep.equal([["preVoteResp", "c", 5, true]]);
  });
});
