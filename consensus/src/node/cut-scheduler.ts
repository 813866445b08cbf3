import type { BlockCutter } from "../batch/block-cutter";
import type { BatchTx } from "../batch/types";

export interface CutSchedulerOptions {
  cutter: BlockCutter;
  /** This leader's blocks proposed but not yet committed. */
  inflight(): number;
  maxInflight: number;
  propose(batch: BatchTx[]): void;
  stopped(): boolean;
}

/**
 * When the leader cuts its pending batch into a block: at once while few blocks are in flight (low latency under
 * light load); under load batches grow until a block commits, the count/size limit or the batch timeout.
 */
export class CutScheduler {
  private batchTimer: NodeJS.Timeout | null = null;
  private cutScheduled = false;

  constructor(private readonly o: CutSchedulerOptions) {}

  schedule(): void {
    const o = this.o;
    if (o.cutter.pendingCount === 0) return;
    if (o.inflight() < o.maxInflight) {
      // Cut on the next turn; the batch timer is armed only if that cut cannot happen then (one
      // timer per transaction at low load was avoidable garbage).
      if (this.cutScheduled) return;
      this.cutScheduled = true;
      setImmediate(() => {
        this.cutScheduled = false;
        if (o.stopped()) return;
        if (o.inflight() < o.maxInflight) this.cutNow();
        else this.schedule();
      });
      return;
    }
    const deadline = o.cutter.deadline();
    if (this.batchTimer === null && deadline !== null) {
      this.batchTimer = setTimeout(() => {
        this.batchTimer = null;
        this.cutNow();
      }, Math.max(0, deadline - Date.now()));
    }
  }

  /** Stops the batch timer (leadership lost, node stopping). */
  cancel(): void {
    if (this.batchTimer !== null) clearTimeout(this.batchTimer);
    this.batchTimer = null;
  }

  private cutNow(): void {
    this.cancel();
    if (this.o.cutter.pendingCount > 0) this.o.propose(this.o.cutter.cut());
  }
}
