/**
 * The leader's view of each follower (etcd-io/raft's tracker.Progress): probe one append at a time
 * until the follower's log matches, then replicate optimistically with a bounded window of
 * in-flight appends, or wait for a snapshot to land.
 */
export type ProgressState = "probe" | "replicate" | "snapshot";

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = "probe";
  /** In probe state: an append is outstanding, wait for a response or a heartbeat response. */
  probeSent = false;
  pendingSnapshot = 0;
  /** Leader ticks since the snapshot was sent; a lost snapshot is retried after an election timeout. */
  snapshotElapsed = 0;
  /** Contact within the current CheckQuorum window. */
  recentActive = true;
  /** Last index of each append in flight (replicate state), oldest first. */
  inflights: number[] = [];
  /** Highest commit index sent to this follower that it can act on (capped by what the message let it hold). */
  sentCommit = 0;

  constructor(next: number, readonly maxInflight: number) {
    this.next = next;
  }

  private reset(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.snapshotElapsed = 0;
    this.inflights = [];
  }

  becomeProbe(): void {
    // After a snapshot, continue right after it (or after match if that is further).
    if (this.state === "snapshot") {
      const pending = this.pendingSnapshot;
      this.reset("probe");
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.reset("probe");
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.reset("replicate");
    this.next = this.match + 1;
  }

  becomeSnapshot(snapIndex: number): void {
    this.reset("snapshot");
    this.pendingSnapshot = snapIndex;
  }

  /** Records an acknowledged index; false when the response is stale. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /** Optimistically advances `next` after sending entries up to `last` (replicate state). */
  sentEntries(last: number): void {
    if (this.state === "replicate") {
      this.next = last + 1;
      this.inflights.push(last);
    } else if (this.state === "probe") {
      this.probeSent = true;
    }
  }

  freeInflightsTo(index: number): void {
    let i = 0;
    while (i < this.inflights.length && this.inflights[i] <= index) i++;
    if (i > 0) this.inflights = this.inflights.slice(i);
  }

  /**
   * Handles a rejected append: `rejected` is the index the leader probed, `matchHint` the follower's
   * hint of the highest index that might still match. False when the rejection is stale.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === "replicate") {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  /** Records that a message told the follower `commit` (the leader's commit, capped by what it carried). */
  commitSent(commit: number): void {
    if (commit > this.sentCommit) this.sentCommit = commit;
  }

  /** The follower holds committed entries it has not been told are committed. */
  commitOwed(committed: number): boolean {
    return this.sentCommit < Math.min(committed, this.match);
  }

  isPaused(): boolean {
    switch (this.state) {
      case "probe":
        return this.probeSent;
      case "replicate":
        return this.inflights.length >= this.maxInflight;
      case "snapshot":
        return true;
    }
  }
}
