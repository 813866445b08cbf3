import type { BatchLimits, BatchTx } from "./types";

/** What `ordered()` hands back: batches ready to propose, and whether a batch is still pending. */
export interface OrderedResult {
  batches: BatchTx[][];
  pending: boolean;
}

/**
 * Fabric's block cutter (orderer/common/blockcutter) without its timer: pure and deterministic.
 * The driver owns the clock and passes `now`, so the same inputs always cut the same batches.
 */
export class BlockCutter {
  readonly limits: Readonly<BatchLimits>;
  private pendingTxs: BatchTx[] = [];
  private pendingSize = 0;
  private pendingSince: number | null = null;

  constructor(limits: BatchLimits) {
    if (!Number.isInteger(limits.maxMessageCount) || limits.maxMessageCount < 1) {
      throw new RangeError(`maxMessageCount must be a positive integer, got ${limits.maxMessageCount}`);
    }
    if (!(limits.preferredMaxBytes > 0)) {
      throw new RangeError(`preferredMaxBytes must be positive, got ${limits.preferredMaxBytes}`);
    }
    if (!(limits.batchTimeoutMs >= 0)) {
      throw new RangeError(`batchTimeoutMs must not be negative, got ${limits.batchTimeoutMs}`);
    }
    this.limits = { ...limits };
  }

  /**
   * Adds one transaction. Like Fabric: an oversized transaction first flushes the pending batch and
   * then travels alone; a transaction that would overflow the preferred size flushes the pending
   * batch first; reaching the count limit cuts at once.
   */
  ordered(tx: BatchTx, now: number): OrderedResult {
    const batches: BatchTx[][] = [];
    const size = tx.raw.byteLength;
    if (size > this.limits.preferredMaxBytes) {
      if (this.pendingTxs.length > 0) batches.push(this.cut());
      batches.push([tx]);
      return { batches, pending: false };
    }
    if (this.pendingSize + size > this.limits.preferredMaxBytes && this.pendingTxs.length > 0) {
      batches.push(this.cut());
    }
    if (this.pendingTxs.length === 0) this.pendingSince = now;
    this.pendingTxs.push(tx);
    this.pendingSize += size;
    if (this.pendingTxs.length >= this.limits.maxMessageCount) batches.push(this.cut());
    return { batches, pending: this.pendingTxs.length > 0 };
  }

  /** Returns the pending batch (possibly empty) and starts a fresh one. */
  cut(): BatchTx[] {
    const batch = this.pendingTxs;
    this.pendingTxs = [];
    this.pendingSize = 0;
    this.pendingSince = null;
    return batch;
  }

  /** True when a pending batch has waited `batchTimeoutMs` or longer at time `now`. */
  timedOut(now: number): boolean {
    const deadline = this.deadline();
    return deadline !== null && now >= deadline;
  }

  /** When the pending batch must be cut by timeout, or null when nothing is pending. */
  deadline(): number | null {
    return this.pendingSince === null ? null : this.pendingSince + this.limits.batchTimeoutMs;
  }

  get pendingCount(): number {
    return this.pendingTxs.length;
  }

  get pendingBytes(): number {
    return this.pendingSize;
  }
}
