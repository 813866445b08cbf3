import type { Logger } from "pino";
import type { AppliedTx, ChainApplier, OrderedBlock } from "./applier";

export interface DeliveryOptions {
  applier: ChainApplier;
  logger: Logger;
  onApplied?: (block: OrderedBlock, records: AppliedTx[]) => void;
  /** Retry backoff bounds after a chain failure. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * Feeds committed blocks to the applier one at a time, in order, without blocking the Raft loop.
 * A chain failure retries the same block with backoff until it succeeds or the queue is stopped.
 */
export class DeliveryQueue {
  private readonly queue: OrderedBlock[] = [];
  private running: Promise<void> | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  private highest = 0;

  constructor(private readonly options: DeliveryOptions) {}

  /** Queues a committed block; blocks must be enqueued in increasing index order. */
  enqueue(block: OrderedBlock): void {
    if (block.index <= this.highest || block.index <= this.options.applier.appliedIndex) return;
    this.highest = block.index;
    this.queue.push(block);
    if (this.running === null && !this.stopped) this.running = this.pump().finally(() => (this.running = null));
  }

  get backlog(): number {
    return this.queue.length;
  }

  /** Resolves when every queued block is applied (or the queue was stopped). */
  async drained(): Promise<void> {
    while (this.running !== null) await this.running;
  }

  /** Stops after the block in flight; queued blocks stay unapplied (the checkpoint says where). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.drained();
  }

  private async pump(): Promise<void> {
    const min = this.options.minBackoffMs ?? 100;
    const max = this.options.maxBackoffMs ?? 5_000;
    let backoff = min;
    while (this.queue.length > 0 && !this.stopped) {
      const block = this.queue[0]!;
      try {
        const records = await this.options.applier.apply(block);
        this.queue.shift();
        backoff = min;
        if (records !== null) this.options.onApplied?.(block, records);
      } catch (err) {
        this.options.logger.warn({ err, block: block.index, retryMs: backoff }, "chain delivery failed; retrying");
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, backoff);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.wake = null;
        backoff = Math.min(max, backoff * 2);
      }
    }
  }
}
