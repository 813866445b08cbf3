import type { SubmitResult, TxStatus } from "../api/types";

interface Waiter {
  resolve: (r: SubmitResult) => void;
  reject: (err: unknown) => void;
  /** `Date.now()` after which the client is answered "pending". */
  deadline: number;
}

/**
 * Clients waiting for their transaction to commit, and the transactions this leader has taken in
 * (in the block cutter or proposed) during its current leadership, so a retry is not proposed twice.
 *
 * One sweep timer answers expired waiters "pending", rather than a timer per waiter: arming and
 * clearing a timer per transaction was a measurable share of the leader's work and garbage. A
 * waiter therefore expires between `waitMs` and `waitMs` plus one sweep period (a tenth of it).
 */
export class ProposalTracker {
  /** Usually one waiter per hash; an array only when the same transaction is submitted concurrently. */
  private readonly waiters = new Map<string, Waiter | Waiter[]>();
  private readonly inflight = new Set<string>();
  private sweepTimer: NodeJS.Timeout | null = null;
  private readonly sweepMs: number;

  constructor(private readonly waitMs: number) {
    if (!Number.isFinite(waitMs) || waitMs < 0) throw new RangeError(`waitMs must be a non-negative number, got ${waitMs}`);
    this.sweepMs = Math.max(1, Math.ceil(waitMs / 10));
  }

  isInflight(hash: string): boolean {
    return this.inflight.has(hash);
  }

  /** Marks a transaction taken in; false when it already was. */
  take(hash: string): boolean {
    if (this.inflight.has(hash)) return false;
    this.inflight.add(hash);
    return true;
  }

  /** Clients currently waiting. */
  get waiting(): number {
    let n = 0;
    for (const w of this.waiters.values()) n += Array.isArray(w) ? w.length : 1;
    return n;
  }

  /** Resolves with the commit, or with "pending" once `waitMs` passes without one. */
  wait(hash: string): Promise<SubmitResult> {
    return new Promise<SubmitResult>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, deadline: Date.now() + this.waitMs };
      const known = this.waiters.get(hash);
      if (known === undefined) this.waiters.set(hash, waiter);
      else if (Array.isArray(known)) known.push(waiter);
      else this.waiters.set(hash, [known, waiter]);
      this.armSweep();
    });
  }

  /** The transaction committed (or turned out committed already). */
  settle(hash: string, status: TxStatus): void {
    this.inflight.delete(hash);
    const w = this.waiters.get(hash);
    if (w === undefined) return;
    this.waiters.delete(hash);
    if (!Array.isArray(w)) return w.resolve({ hash, status });
    for (const one of w) one.resolve({ hash, status });
  }

  /** The transaction will not commit through this node (e.g. leadership was lost before proposing). */
  fail(hash: string, err: unknown): void {
    this.inflight.delete(hash);
    const w = this.waiters.get(hash);
    if (w === undefined) return;
    this.waiters.delete(hash);
    for (const one of Array.isArray(w) ? w : [w]) one.reject(err);
  }

  /**
   * Leadership ended: forget what was taken in, so a retry through the next leader is proposed again
   * (the ledger drops a second committed copy), and answer every waiter with `err` at once. Their
   * transactions may still commit; clients resubmit the same bytes and learn where they went.
   */
  failAll(err: unknown): void {
    this.inflight.clear();
    const all = [...this.waiters.values()];
    this.waiters.clear();
    for (const w of all) for (const one of Array.isArray(w) ? w : [w]) one.reject(err);
  }

  /** Shutdown: answer every waiter "pending" (true: nothing was lost, the outcome is just unknown). */
  close(): void {
    if (this.sweepTimer !== null) clearTimeout(this.sweepTimer);
    this.sweepTimer = null;
    for (const [hash, w] of this.waiters) {
      for (const one of Array.isArray(w) ? w : [w]) one.resolve({ hash, status: "pending" });
    }
    this.waiters.clear();
    this.inflight.clear();
  }

  private armSweep(): void {
    if (this.sweepTimer !== null) return;
    this.sweepTimer = setTimeout(() => {
      this.sweepTimer = null;
      this.sweep(Date.now());
      if (this.waiters.size > 0) this.armSweep();
    }, this.sweepMs);
  }

  /** Answers "pending" to every waiter past its deadline. */
  private sweep(now: number): void {
    for (const [hash, w] of this.waiters) {
      if (!Array.isArray(w)) {
        if (w.deadline > now) continue;
        this.waiters.delete(hash);
        w.resolve({ hash, status: "pending" });
        continue;
      }
      const [due, rest] = [w.filter((x) => x.deadline <= now), w.filter((x) => x.deadline > now)];
      if (rest.length === 0) this.waiters.delete(hash);
      else this.waiters.set(hash, rest.length === 1 ? rest[0]! : rest);
      for (const one of due) one.resolve({ hash, status: "pending" });
    }
  }
}
