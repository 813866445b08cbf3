import { expect } from "chai";
import { Progress } from "../../src/core/progress";

// The leader's view of one follower (etcd-io/raft's tracker.Progress), driven directly: etcd's progress_test.go
// cases (TestProgressBecomeProbe, TestProgressUpdate, TestProgressMaybeDecr, TestProgressIsPaused, inflights).

/** A progress in `state` with `match` and `next`, as the leader would hold it. */
function progress(state: "probe" | "replicate" | "snapshot", match: number, next: number, maxInflight = 256): Progress {
  const p = new Progress(next, maxInflight);
  p.match = match;
  if (state === "replicate") {
    p.becomeReplicate();
    p.next = next;
  } else if (state === "snapshot") p.becomeSnapshot(next);
  return p;
}

describe("Progress: the leader's view of one follower (§5.3 flow control)", function () {
  it("starts in probe right after the leader's log, counted as recently active (CheckQuorum's first window is a grace period)", function () {
    const p = new Progress(7, 256);
    expect([p.state, p.match, p.next, p.probeSent, p.recentActive, p.inflights, p.sentCommit]).to.deep.equal(["probe", 0, 7, false, true, [], 0]);
  });

  describe("becomeProbe", function () {
    it("from replicate, probes right after the last acknowledged entry", function () {
      const p = progress("replicate", 1, 5);
      p.becomeProbe();
      expect([p.state, p.match, p.next]).to.deep.equal(["probe", 1, 2]);
    });

    it("from snapshot, probes right after the snapshot, or after match if that is further", function () {
      const p = progress("snapshot", 1, 10);
      p.becomeProbe();
      expect([p.state, p.match, p.next, p.pendingSnapshot]).to.deep.equal(["probe", 1, 11, 0]);
      const q = progress("snapshot", 12, 10);
      q.becomeProbe();
      expect([q.state, q.next]).to.deep.equal(["probe", 13]);
    });

    it("clears what the previous state kept: the outstanding probe, the snapshot clock and the window", function () {
      const p = progress("replicate", 1, 2);
      p.sentEntries(4);
      p.snapshotElapsed = 3;
      p.becomeProbe();
      expect([p.inflights, p.probeSent, p.snapshotElapsed]).to.deep.equal([[], false, 0]);
      p.sentEntries(4);
      expect(p.probeSent).to.equal(true);
      p.becomeSnapshot(9);
      expect([p.state, p.pendingSnapshot, p.probeSent]).to.deep.equal(["snapshot", 9, false]);
    });
  });

  describe("maybeUpdate (an acknowledgement)", function () {
    it("moves match and next forward and unpauses a probe; a stale acknowledgement changes nothing but next", function () {
      const p = progress("probe", 3, 5);
      p.probeSent = true;
      expect(p.maybeUpdate(2)).to.equal(false);
      expect([p.match, p.next, p.probeSent]).to.deep.equal([3, 5, true]);
      expect(p.maybeUpdate(3)).to.equal(false);
      expect(p.maybeUpdate(4)).to.equal(true);
      expect([p.match, p.next, p.probeSent]).to.deep.equal([4, 5, false]);
      expect(p.maybeUpdate(6)).to.equal(true);
      expect([p.match, p.next]).to.deep.equal([6, 7]);
    });
  });

  describe("maybeDecrTo (a rejection)", function () {
    it("in replicate: ignores a rejection at or below match, else falls back to match + 1", function () {
      const p = progress("replicate", 5, 10);
      expect(p.maybeDecrTo(5, 5)).to.equal(false);
      expect(p.maybeDecrTo(4, 4)).to.equal(false);
      expect(p.next).to.equal(10);
      expect(p.maybeDecrTo(9, 9)).to.equal(true);
      expect(p.next).to.equal(6);
    });

    it("in probe: ignores a rejection of anything but the last probe, else moves next to the hint, never below match + 1", function () {
      const p = progress("probe", 0, 10);
      expect(p.maybeDecrTo(9, 2)).to.equal(true);
      expect(p.next).to.equal(3);
      expect(p.maybeDecrTo(5, 0)).to.equal(false);
      expect(p.next).to.equal(3);
      const q = progress("probe", 4, 10);
      q.probeSent = true;
      expect(q.maybeDecrTo(9, 2)).to.equal(true);
      expect([q.next, q.probeSent]).to.deep.equal([5, false]);
      const r = progress("probe", 0, 10);
      expect(r.maybeDecrTo(9, 20)).to.equal(true);
      expect(r.next).to.equal(9);
    });
  });

  describe("the window of appends in flight (replicate)", function () {
    it("advances next optimistically and records each append's last index", function () {
      const p = progress("replicate", 1, 2, 3);
      p.sentEntries(3);
      p.sentEntries(5);
      expect([p.next, p.inflights]).to.deep.equal([6, [3, 5]]);
      expect(p.isPaused()).to.equal(false);
      p.sentEntries(6);
      expect(p.isPaused()).to.equal(true);
    });

    it("frees every append up to and including an acknowledged index", function () {
      const p = progress("replicate", 1, 2);
      for (const i of [3, 5, 7]) p.sentEntries(i);
      p.freeInflightsTo(2);
      expect(p.inflights).to.deep.equal([3, 5, 7]);
      p.freeInflightsTo(5);
      expect(p.inflights).to.deep.equal([7]);
      p.freeInflightsTo(9);
      expect(p.inflights).to.deep.equal([]);
    });

    it("a probe records no window and leaves next alone", function () {
      const p = progress("probe", 1, 2);
      p.sentEntries(5);
      expect([p.next, p.inflights, p.probeSent]).to.deep.equal([2, [], true]);
      const s = progress("snapshot", 1, 9);
      s.sentEntries(12);
      expect([s.next, s.inflights, s.probeSent]).to.deep.equal([9, [], false]);
    });
  });

  describe("isPaused", function () {
    it("pauses a probe while one is outstanding, a replicate with a full window, and always a snapshot", function () {
      const p = progress("probe", 0, 1);
      expect(p.isPaused()).to.equal(false);
      p.probeSent = true;
      expect(p.isPaused()).to.equal(true);
      const r = progress("replicate", 0, 1, 1);
      expect(r.isPaused()).to.equal(false);
      r.sentEntries(1);
      expect(r.isPaused()).to.equal(true);
      expect(progress("snapshot", 0, 5).isPaused()).to.equal(true);
    });
  });

  describe("commit notices (lazy commit)", function () {
    it("owes the follower a notice only for committed entries it holds beyond what it was told", function () {
      const p = progress("replicate", 4, 5);
      expect(p.commitOwed(0)).to.equal(false);
      expect(p.commitOwed(3)).to.equal(true);
      p.commitSent(3);
      expect(p.commitOwed(3)).to.equal(false);
      expect(p.commitOwed(9)).to.equal(true);
      p.commitSent(4);
      expect(p.commitOwed(9)).to.equal(false);
      p.commitSent(2);
      expect(p.sentCommit).to.equal(4);
    });
  });
});
