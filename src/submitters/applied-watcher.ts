import type { JsonRpcProvider, TransactionReceipt } from "ethers";
import { DplcError } from "../errors";
import { sleep, type OrdererApi } from "./orderer-api";

/** The chain refused an ordered transaction when the cluster delivered it (e.g. its nonce was already used). */
export class ChainRefusedError extends DplcError {
  constructor(
    readonly hash: string,
    readonly reason: string,
  ) {
    super("CHAIN_REFUSED", `the chain refused ordered transaction ${hash}: ${reason}`);
  }
}

/** An ordered transaction ran and reverted; `data` is its revert data (decoded by src/ops/chain-error). */
export class OrderedRevertError extends Error {
  constructor(
    readonly hash: string,
    readonly data: string | undefined,
    readonly receipt: TransactionReceipt,
  ) {
    super(`transaction ${hash} reverted on chain in block ${receipt.blockNumber}`);
    this.name = "OrderedRevertError";
  }
}

/** A transaction ordered but not applied within the watcher's patience (the delivering node is down?). */
export class AppliedTimeoutError extends DplcError {
  constructor(hash: string, ms: number) {
    super("APPLIED_TIMEOUT", `transaction ${hash} was ordered but not applied to the chain within ${Math.round(ms / 1000)} s`);
  }
}

const LOOKUPS_PER_ROUND = 16;

interface Waiter {
  readonly since: number;
  lastLookup: number;
  resolve(r: TransactionReceipt): void;
  reject(e: unknown): void;
}

export interface AppliedWatcherOptions {
  readonly provider: JsonRpcProvider;
  readonly api: OrdererApi;
  /** Chain polling interval (default 10 ms: a Hardhat node answers eth_blockNumber in well under a millisecond). */
  readonly pollMs?: number;
  /** Ask the cluster about a transaction not seen on chain after this long, then as often (default 1 s). */
  readonly lookupEveryMs?: number;
  readonly timeoutMs?: number;
}

/**
 * Waits for ordered transactions to be applied: one loop for all of them reads each new chain block once and resolves
 * the waiters whose transactions it holds with their receipts; a transaction the chain does not show for a while is
 * looked up in the cluster, which reports a chain refusal. Register a hash before posting it: blocks are scanned from
 * the height seen before the first registration, so none is missed.
 */
export class AppliedWatcher {
  private readonly waiters = new Map<string, Waiter>();
  private seen: number | null = null;
  private loop: Promise<void> | null = null;
  private readonly pollMs: number;
  private readonly lookupEveryMs: number;
  private readonly timeoutMs: number;

  constructor(private readonly o: AppliedWatcherOptions) {
    this.pollMs = o.pollMs ?? 10;
    this.lookupEveryMs = o.lookupEveryMs ?? 1_000;
    this.timeoutMs = o.timeoutMs ?? 300_000;
  }

  /** Fixes the height from which blocks are scanned; call before the first transaction is posted. */
  async init(): Promise<void> {
    if (this.seen === null) this.seen = await this.o.provider.getBlockNumber();
  }

  watch(hash: string): Promise<TransactionReceipt> {
    const key = hash.toLowerCase();
    const now = Date.now();
    const done = new Promise<TransactionReceipt>((resolve, reject) => this.waiters.set(key, { since: now, lastLookup: now, resolve, reject }));
    if (this.loop === null) this.loop = this.run().finally(() => (this.loop = null));
    return done;
  }

  /** Forgets a hash that was never ordered (the cluster refused it). */
  unwatch(hash: string): void {
    this.waiters.delete(hash.toLowerCase());
  }

  private async run(): Promise<void> {
    while (this.waiters.size > 0) {
      try {
        await this.scanBlocks();
        await this.askCluster();
      } catch {
        // The chain node or the cluster hiccuped: try again on the next round.
      }
      if (this.waiters.size > 0) await sleep(this.pollMs);
    }
  }

  private async scanBlocks(): Promise<void> {
    const p = this.o.provider;
    const latest = await p.getBlockNumber();
    const from = (this.seen ?? latest - 1) + 1;
    for (let n = from; n <= latest; n++) {
      const block = await p.getBlock(n);
      if (block === null) return;
      const mine = block.transactions.filter((h) => this.waiters.has(h.toLowerCase()));
      await Promise.all(mine.map((h) => this.settle(h.toLowerCase())));
      this.seen = n;
    }
  }

  /**
   * Asks the cluster about transactions the chain has not shown for a while: at most LOOKUPS_PER_ROUND per round, in
   * parallel. Asking about every waiter in turn stalled the loop (and so every receipt) for seconds when a batch of
   * hundreds was in flight: three requests per waiter per second.
   */
  private async askCluster(): Promise<void> {
    const now = Date.now();
    const due: [string, Waiter][] = [];
    for (const [hash, w] of this.waiters) {
      if (now - w.since > this.timeoutMs) {
        this.waiters.delete(hash);
        w.reject(new AppliedTimeoutError(hash, this.timeoutMs));
      } else if (now - w.lastLookup >= this.lookupEveryMs && due.length < LOOKUPS_PER_ROUND) due.push([hash, w]);
    }
    await Promise.all(due.map(([hash, w]) => this.askAbout(hash, w, now)));
  }

  private async askAbout(hash: string, w: Waiter, now: number): Promise<void> {
    w.lastLookup = now;
    const found = await this.o.api.lookupEverywhere(hash);
    if (found?.error !== undefined) {
      this.waiters.delete(hash);
      w.reject(new ChainRefusedError(hash, found.error));
    } else if (found?.status === "applied") {
      await this.settle(hash);
    }
  }

  private async settle(hash: string): Promise<void> {
    const w = this.waiters.get(hash);
    if (w === undefined) return;
    const receipt = await this.o.provider.getTransactionReceipt(hash);
    if (receipt === null) return;
    this.waiters.delete(hash);
    if (receipt.status === 1) w.resolve(receipt);
    else w.reject(new OrderedRevertError(hash, await this.revertData(receipt), receipt));
  }

  /**
   * Re-runs a reverted transaction to get its revert data for a readable error: on the state before its block, and if
   * it passes there (an earlier transaction of the same block made it fail), on the state after it.
   */
  private async revertData(receipt: TransactionReceipt): Promise<string | undefined> {
    const tx = await this.o.provider.getTransaction(receipt.hash);
    if (tx === null) return undefined;
    for (const blockTag of [receipt.blockNumber - 1, receipt.blockNumber]) {
      try {
        await this.o.provider.call({ from: tx.from, to: tx.to, data: tx.data, value: tx.value, blockTag });
      } catch (err) {
        const data = (err as { data?: unknown }).data;
        if (typeof data === "string") return data;
      }
    }
    return undefined;
  }
}
