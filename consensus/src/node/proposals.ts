import type { SubmitResult, TxStatus } from "../api/types";

interface Waiter {
  resolve: (r: SubmitResult) => void;
  reject: (err: unknown) => void;
  timer: NodeJS.Timeout;
}

/**
 * Clients waiting for their transaction to commit, and the transactions this leader has taken in
 * (in the block cutter or proposed) during its current leadership, so a retry is not proposed twice.
 */
export class ProposalTracker {
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly inflight = new Set<string>();

  constructor(private readonly waitMs: number) {}

  isInflight(hash: string): boolean {
    return this.inflight.has(hash);
  }

  /** Marks a transaction taken in; false when it already was. */
  take(hash: string): boolean {
    if (this.inflight.has(hash)) return false;
    this.inflight.add(hash);
    return true;
  }

  /** Resolves with the commit, or with "pending" once `waitMs` passes without one. */
  wait(hash: string): Promise<SubmitResult> {
    return new Promise<SubmitResult>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.remove(hash, waiter);
          resolve({ hash, status: "pending" });
        }, this.waitMs),
      };
      const list = this.waiters.get(hash);
      if (list === undefined) this.waiters.set(hash, [waiter]);
      else list.push(waiter);
    });
  }

  /** The transaction committed (or turned out committed already). */
  settle(hash: string, status: TxStatus): void {
    this.inflight.delete(hash);
    const list = this.waiters.get(hash);
    if (list === undefined) return;
    this.waiters.delete(hash);
    for (const w of list) {
      clearTimeout(w.timer);
      w.resolve({ hash, status });
    }
  }

  /** The transaction will not commit through this node (e.g. leadership was lost before proposing). */
  fail(hash: string, err: unknown): void {
    this.inflight.delete(hash);
    const list = this.waiters.get(hash);
    if (list === undefined) return;
    this.waiters.delete(hash);
    for (const w of list) {
      clearTimeout(w.timer);
      w.reject(err);
    }
  }

  /**
   * Leadership ended: forget what was taken in, so a retry through the next leader is proposed again
   * (the ledger drops a second committed copy). Waiters stay: an already proposed entry may still commit.
   */
  forgetInflight(): void {
    this.inflight.clear();
  }

  /** Shutdown: answer every waiter "pending" (true: nothing was lost, the outcome is just unknown). */
  close(): void {
    for (const [hash, list] of this.waiters) {
      for (const w of list) {
        clearTimeout(w.timer);
        w.resolve({ hash, status: "pending" });
      }
    }
    this.waiters.clear();
    this.inflight.clear();
  }

  private remove(hash: string, waiter: Waiter): void {
    const list = this.waiters.get(hash);
    if (list === undefined) return;
    const rest = list.filter((w) => w !== waiter);
    if (rest.length === 0) this.waiters.delete(hash);
    else this.waiters.set(hash, rest);
  }
}
