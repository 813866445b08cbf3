import { expect } from "chai";
import { type RaftConfigInput, seededRandom } from "../../src/core/config";
import { StepPeerNotFoundError } from "../../src/core/errors";
import { RawNode } from "../../src/core/rawnode";
import { MemoryStorage } from "../../src/core/storage";
import type { Message, MessageType, NodeId } from "../../src/core/types";
import { bytes, entriesWithTerms, flush, part, tc } from "./helpers";

// The leader's per-follower state machine (probe, replicate, snapshot), driven by hand: the test is the
// network and the disk, so it sees every message the leader sends and decides every answer. A driver
// that never reports a snapshot's fate (no `reportSnapshot`) leaves the follower in the snapshot state;
// the Ready loop used by the node and the simulator always reports, so only a test like this reaches it.

interface Leader {
  n: RawNode;
  s: MemoryStorage;
  term: number;
}

/**
 * Node a leads {a, b (both in the pool), c} over a log of entries 2..10 (term 1), compacted through index 8. Its first
 * appends (the no-op at 11) are already flushed.
 */
function leaderWithCompactedLog(maxInflight = 256, opts: Partial<RaftConfigInput> = {}): Leader {
  const s = new MemoryStorage({ members: [tc("a"), tc("b"), part("c")] });
  s.append(entriesWithTerms([1, 1, 1, 1, 1, 1, 1, 1, 1]));
  s.setHardState({ term: 1, vote: null, commit: 10 });
  s.createSnapshot(8, { members: [tc("a"), tc("b"), part("c")] }, new Uint8Array([8]));
  s.compact(8);
  const n = new RawNode({ id: "a", random: seededRandom(1), applied: 10, maxInflight, ...opts }, s);
  n.campaign();
  flush(n, s);
  const term = 2;
  n.step({ type: "preVoteResp", from: "b", to: "a", term, reject: false });
  flush(n, s);
  n.step({ type: "voteResp", from: "b", to: "a", term, reject: false });
  expect(n.status()).to.include({ state: "leader", term });
  flush(n, s);
  return { n, s, term };
}

const sentTo = (ms: Message[], to: NodeId, type: MessageType) => ms.filter((m) => m.to === to && m.type === type);

const appendsTo = (ms: Message[], to: NodeId) => sentTo(ms, to, "append").map((m) => [m.index, m.entries!.map((e) => e.index)]);
const ack = (l: Leader, from: NodeId, index: number) => l.n.step({ type: "appendResp", from, to: "a", term: l.term, index });

/** c answers the leader's probe at 10 with "I hold only up to 1": the leader must snapshot it. */
function rejectDownToSnapshot(l: Leader): Message[] {
  l.n.step({ type: "appendResp", from: "c", to: "a", term: l.term, index: 10, reject: true, rejectHint: { index: 1, term: 1 } });
  return flush(l.n, l.s);
}

describe("§7 a follower behind the leader's snapshot (the leader's snapshot state)", function () {
  it("sends the snapshot once and then sends c nothing more until it is acknowledged", function () {
    const l = leaderWithCompactedLog();
    const out = rejectDownToSnapshot(l);
    expect(sentTo(out, "c", "snapshot").map((m) => m.snapshot!.meta.index)).to.deep.equal([8]);
    expect(l.n.status().progress.c.state).to.equal("snapshot");
    l.n.step({ type: "heartbeatResp", from: "c", to: "a", term: l.term });
    expect(sentTo(flush(l.n, l.s), "c", "snapshot")).to.deep.equal([]);
  });

  it("acknowledging the snapshot's index resumes replication with the entries after it", function () {
    const l = leaderWithCompactedLog();
    rejectDownToSnapshot(l);
    l.n.step({ type: "appendResp", from: "c", to: "a", term: l.term, index: 8 });
    const out = flush(l.n, l.s);
    expect(l.n.status().progress.c).to.deep.equal({ match: 8, next: 12, state: "replicate" });
    expect(sentTo(out, "c", "append").map((m) => [m.index, m.entries!.map((e) => e.index)])).to.deep.equal([[8, [9, 10, 11]]]);
  });

  it("an acknowledgement below the snapshot (a late answer to an older append) keeps waiting for the snapshot", function () {
    const l = leaderWithCompactedLog();
    rejectDownToSnapshot(l);
    l.n.step({ type: "appendResp", from: "c", to: "a", term: l.term, index: 5 });
    expect(flush(l.n, l.s).filter((m) => m.to === "c")).to.deep.equal([]);
    expect(l.n.status().progress.c).to.deep.include({ match: 5, state: "snapshot" });
  });

  it("retries a snapshot nobody reported on after an election timeout, at the next sign of life", function () {
    const l = leaderWithCompactedLog();
    rejectDownToSnapshot(l);
    l.n.step({ type: "appendResp", from: "b", to: "a", term: l.term, index: 11 });
    for (let t = 0; t < 9; t++) {
      l.n.tick();
      flush(l.n, l.s);
    }
    expect(l.n.status().progress.c.state).to.equal("snapshot");
    l.n.tick();
    flush(l.n, l.s);
    expect(l.n.status().progress.c.state).to.equal("probe");
    // Only the snapshot state has this clock: a follower that is replicating keeps replicating.
    expect(l.n.status().progress.b.state).to.equal("replicate");
    // It probes right after the snapshot it sent, and snapshots again when c turns out not to have it.
    l.n.step({ type: "heartbeatResp", from: "c", to: "a", term: l.term });
    expect(sentTo(flush(l.n, l.s), "c", "append").map((m) => m.index)).to.deep.equal([8]);
    l.n.step({ type: "appendResp", from: "c", to: "a", term: l.term, index: 8, reject: true, rejectHint: { index: 1, term: 1 } });
    expect(sentTo(flush(l.n, l.s), "c", "snapshot").map((m) => m.snapshot!.meta.index)).to.deep.equal([8]);
  });

  it("a probe with no entries (after a snapshot of the whole log timed out) still waits for its answer", function () {
    const l = leaderWithCompactedLog();
    ack(l, "b", 11);
    flush(l.n, l.s);
    l.s.createSnapshot(11, { members: [tc("a"), tc("b"), part("c")] }, new Uint8Array([11]));
    l.s.compact(11);
    expect(sentTo(rejectDownToSnapshot(l), "c", "snapshot").map((m) => m.snapshot!.meta.index)).to.deep.equal([11]);
    for (let t = 0; t < 10; t++) {
      l.n.step({ type: "heartbeatResp", from: "b", to: "a", term: l.term });
      l.n.tick();
      flush(l.n, l.s);
    }
    expect(l.n.status().progress.c).to.deep.equal({ match: 0, next: 12, state: "probe" });
    l.n.step({ type: "heartbeatResp", from: "c", to: "a", term: l.term });
    expect(appendsTo(flush(l.n, l.s), "c")).to.deep.equal([[11, []]]);
    // One probe at a time: x waits for c's answer to the empty probe.
    l.n.propose(bytes("x"));
    expect(appendsTo(flush(l.n, l.s), "c")).to.deep.equal([]);
  });

  it("ships no snapshot to a follower it has not heard from for an election timeout, until it answers", function () {
    const l = leaderWithCompactedLog();
    rejectDownToSnapshot(l);
    ack(l, "b", 11);
    flush(l.n, l.s);
    // The leader compacts further while c is silent: a retry now needs the newer snapshot.
    l.s.createSnapshot(11, { members: [tc("a"), tc("b"), part("c")] }, new Uint8Array([11]));
    l.s.compact(11);
    for (let t = 0; t < 10; t++) {
      l.n.tick();
      flush(l.n, l.s);
    }
    expect(l.n.status().progress.c.state).to.equal("probe");
    l.n.propose(bytes("x"));
    expect(sentTo(flush(l.n, l.s), "c", "snapshot")).to.deep.equal([]);
    l.n.step({ type: "heartbeatResp", from: "c", to: "a", term: l.term });
    expect(sentTo(flush(l.n, l.s), "c", "snapshot").map((m) => m.snapshot!.meta.index)).to.deep.equal([11]);
  });

  describe("when the driver reports the snapshot's fate (reportSnapshot)", function () {
    it("delivered: probes right after the snapshot, and sends nothing more until c answers", function () {
      const l = leaderWithCompactedLog();
      rejectDownToSnapshot(l);
      l.n.reportSnapshot("c", true);
      expect(l.n.status().progress.c).to.deep.equal({ match: 0, next: 9, state: "probe" });
      // The probe counts as sent (the snapshot was): x is not sent to c before c answers.
      l.n.propose(bytes("x"));
      expect(appendsTo(flush(l.n, l.s), "c")).to.deep.equal([]);
      l.n.step({ type: "appendResp", from: "c", to: "a", term: l.term, index: 8 });
      expect(appendsTo(flush(l.n, l.s), "c")).to.deep.equal([[8, [9, 10, 11, 12]]]);
    });

    it("failed: probes again from c's last acknowledged entry, so the leader learns what c holds", function () {
      const l = leaderWithCompactedLog();
      rejectDownToSnapshot(l);
      l.n.reportSnapshot("c", false);
      expect(l.n.status().progress.c).to.deep.equal({ match: 0, next: 1, state: "probe" });
      l.n.step({ type: "heartbeatResp", from: "c", to: "a", term: l.term });
      expect(flush(l.n, l.s).filter((m) => m.to === "c").map((m) => m.type)).to.deep.equal(["snapshot"]);
    });

    it("is ignored for a follower not waiting for a snapshot, for a non-member, and on a follower", function () {
      const l = leaderWithCompactedLog();
      ack(l, "b", 11);
      flush(l.n, l.s);
      const before = l.n.status().progress;
      expect(before.b.state).to.equal("replicate");
      l.n.reportSnapshot("b", true);
      l.n.reportSnapshot("b", false);
      l.n.reportSnapshot("z", false);
      expect(l.n.status().progress).to.deep.equal(before);
      expect(l.n.hasReady()).to.equal(false);
      const f = new RawNode({ id: "c", random: seededRandom(1) }, new MemoryStorage({ members: [tc("a"), tc("b"), part("c")] }));
      f.reportSnapshot("a", false);
      expect(f.status()).to.include({ state: "follower", term: 1 });
      expect(f.hasReady()).to.equal(false);
    });
  });
});

describe("§5.3 probing and pipelining appends (the leader's probe and replicate states)", function () {
  it("a probing follower's rejection hint moves next straight to the last entry it may share", function () {
    const l = leaderWithCompactedLog();
    // c holds index 9 of term 1 but not 10: the leader retries from 9, not from scratch.
    l.n.step({ type: "appendResp", from: "c", to: "a", term: l.term, index: 10, reject: true, rejectHint: { index: 9, term: 1 } });
    expect(appendsTo(flush(l.n, l.s), "c")).to.deep.equal([[9, [10, 11]]]);
    expect(l.n.status().progress.c).to.deep.equal({ match: 0, next: 10, state: "probe" });
    // A hint without a term (c's log simply ends at 9) is taken as it is, without searching by term.
    const l2 = leaderWithCompactedLog();
    l2.n.step({ type: "appendResp", from: "c", to: "a", term: l2.term, index: 10, reject: true, rejectHint: { index: 9, term: 0 } });
    expect(appendsTo(flush(l2.n, l2.s), "c")).to.deep.equal([[9, [10, 11]]]);
  });

  it("switches a follower to replicate on its first acknowledgement, and back to probe when it then rejects", function () {
    const l = leaderWithCompactedLog();
    ack(l, "b", 10);
    flush(l.n, l.s);
    expect(l.n.status().progress.b.state).to.equal("replicate");
    l.n.propose(bytes("x"));
    expect(appendsTo(flush(l.n, l.s), "b")).to.deep.equal([[11, [12]]]);
    l.n.step({ type: "appendResp", from: "b", to: "a", term: l.term, index: 11, reject: true, rejectHint: { index: 10, term: 1 } });
    expect(appendsTo(flush(l.n, l.s), "b")).to.deep.equal([[10, [11, 12]]]);
    expect(l.n.status().progress.b).to.deep.equal({ match: 10, next: 11, state: "probe" });
  });

  it("a heartbeat response sends entries only to a follower that lacks some, and frees a slot of a full window", function () {
    const l = leaderWithCompactedLog(1);
    ack(l, "b", 11);
    flush(l.n, l.s);
    l.n.step({ type: "heartbeatResp", from: "b", to: "a", term: l.term });
    expect(sentTo(flush(l.n, l.s), "b", "append")).to.deep.equal([]);
    // A window of one: the second proposal waits for the first one's acknowledgement...
    l.n.propose(bytes("x"));
    l.n.propose(bytes("y"));
    expect(appendsTo(flush(l.n, l.s), "b")).to.deep.equal([[11, [12]]]);
    // ...or, if that was lost, for the next heartbeat round, which frees the slot and resends from next.
    l.n.step({ type: "heartbeatResp", from: "b", to: "a", term: l.term });
    expect(appendsTo(flush(l.n, l.s), "b")).to.deep.equal([[12, [13]]]);
  });

  it("an acknowledgement in replicate frees the window without resending what is still in flight", function () {
    const l = leaderWithCompactedLog();
    ack(l, "b", 11);
    flush(l.n, l.s);
    l.n.propose(bytes("x"));
    l.n.propose(bytes("y"));
    expect(appendsTo(flush(l.n, l.s), "b")).to.deep.equal([
      [11, [12]],
      [12, [13]],
    ]);
    l.n.propose(bytes("z"));
    expect(appendsTo(flush(l.n, l.s), "b")).to.deep.equal([[13, [14]]]);
    // 13 is now on a majority: b hears the new commit index in an empty append after 14, not 14 again.
    ack(l, "b", 13);
    expect(appendsTo(flush(l.n, l.s), "b")).to.deep.equal([[14, []]]);
    expect(l.n.status().progress.b).to.deep.equal({ match: 13, next: 15, state: "replicate" });
  });

  it("an acknowledgement that ends a probe sends everything the window admits, one size-capped batch after another", function () {
    const l = leaderWithCompactedLog(256, { maxSizePerMsg: 1 });
    // b's acknowledgement commits the no-op at 11; c has not answered it yet, so it is paused in probe while x, y and z
    // arrive, and its acknowledgement commits nothing new.
    ack(l, "b", 11);
    flush(l.n, l.s);
    for (const v of ["x", "y", "z"]) l.n.propose(bytes(v));
    expect(appendsTo(flush(l.n, l.s), "c")).to.deep.equal([]);
    ack(l, "c", 11);
    expect(appendsTo(flush(l.n, l.s), "c")).to.deep.equal([
      [11, [12]],
      [12, [13]],
      [13, [14]],
    ]);
    expect(l.n.status().progress.c).to.deep.equal({ match: 11, next: 15, state: "replicate" });
  });

  it("a heartbeat response leaves a window that is not full alone", function () {
    const l = leaderWithCompactedLog(2);
    ack(l, "b", 11);
    flush(l.n, l.s);
    l.n.propose(bytes("x"));
    flush(l.n, l.s);
    l.n.step({ type: "heartbeatResp", from: "b", to: "a", term: l.term });
    flush(l.n, l.s);
    // Still one append in flight: the window of two admits exactly one more.
    l.n.propose(bytes("y"));
    l.n.propose(bytes("z"));
    expect(appendsTo(flush(l.n, l.s), "b")).to.deep.equal([[12, [13]]]);
  });

  it("addresses nothing to itself: appends, heartbeats and commit notices go to the followers only", function () {
    const l = leaderWithCompactedLog();
    const out: Message[] = [];
    ack(l, "b", 11);
    l.n.propose(bytes("x"));
    out.push(...flush(l.n, l.s));
    l.n.tick();
    out.push(...flush(l.n, l.s));
    expect(out.filter((m) => m.type === "heartbeat").map((m) => m.to)).to.have.members(["b", "c"]);
    expect(out.filter((m) => m.to === "a")).to.deep.equal([]);
  });

  it("reports responses from a node outside the configuration (StepPeerNotFoundError) and changes nothing", function () {
    const l = leaderWithCompactedLog();
    const before = l.n.status();
    expect(() => ack(l, "z", 11)).to.throw(StepPeerNotFoundError, /appendResp from z/);
    expect(() => l.n.step({ type: "heartbeatResp", from: "z", to: "a", term: l.term })).to.throw(StepPeerNotFoundError).with.property("peer", "z");
    expect(flush(l.n, l.s)).to.deep.equal([]);
    expect(l.n.status()).to.deep.equal(before);
    expect(Object.keys(l.n.status().progress)).to.have.members(["a", "b", "c"]);
  });

  it("a rejection without a hint restarts the probe from the beginning of the log", function () {
    const l = leaderWithCompactedLog();
    l.n.step({ type: "appendResp", from: "c", to: "a", term: l.term, index: 10, reject: true });
    expect(sentTo(flush(l.n, l.s), "c", "snapshot").map((m) => m.snapshot!.meta.index)).to.deep.equal([8]);
  });

  it("thesis §3.10: sends timeoutNow only once the transfer target holds the whole log", function () {
    const l = leaderWithCompactedLog();
    ack(l, "b", 9);
    flush(l.n, l.s);
    l.n.transferLeadership("b");
    expect(sentTo(flush(l.n, l.s), "b", "timeoutNow")).to.deep.equal([]);
    ack(l, "b", 10);
    expect(sentTo(flush(l.n, l.s), "b", "timeoutNow")).to.deep.equal([]);
    ack(l, "b", 11);
    expect(sentTo(flush(l.n, l.s), "b", "timeoutNow")).to.have.length(1);
  });

  it("a follower that was paused when an entry committed hears the commit index as soon as it acknowledges", function () {
    const l = leaderWithCompactedLog(1);
    ack(l, "b", 11);
    ack(l, "c", 11);
    flush(l.n, l.s);
    l.n.propose(bytes("x"));
    flush(l.n, l.s);
    // Both windows are full; b's acknowledgement commits 12 while c's window is still full.
    ack(l, "b", 12);
    expect(sentTo(flush(l.n, l.s), "c", "append")).to.deep.equal([]);
    ack(l, "c", 12);
    expect(sentTo(flush(l.n, l.s), "c", "append").map((m) => [m.index, m.entries!.length, m.commit])).to.deep.equal([[12, 0, 12]]);
  });
});

describe("lazy commit notices (RaftConfig.lazyCommit): what a follower has been told", function () {
  it("an append counts as telling the commit index only up to the last entry it leaves the follower holding", function () {
    const l = leaderWithCompactedLog(256, { lazyCommit: true });
    // b and c are paused in probe on the no-op at 11 when x arrives at 12.
    l.n.propose(bytes("x"));
    flush(l.n, l.s);
    // b's acknowledgement commits 11; the append that unpauses it carries 12 and commit 11, which b may act on.
    ack(l, "b", 11);
    expect(appendsTo(flush(l.n, l.s), "b")).to.deep.equal([[11, [12]]]);
    expect(l.n.commitPending(), "b was told 11 with x").to.equal(false);
    // b's acknowledgement of 12 commits it; the earlier append told b commit 11, not 12.
    ack(l, "b", 12);
    expect(sentTo(flush(l.n, l.s), "b", "append")).to.deep.equal([]);
    expect(l.n.commitPending(), "b holds 12 but was not told it is committed").to.equal(true);
    l.n.flushCommit();
    expect(sentTo(flush(l.n, l.s), "b", "append").map((m) => [m.index, m.entries!.length, m.commit])).to.deep.equal([[12, 0, 12]]);
    expect(l.n.commitPending()).to.equal(false);
  });
});
