import { keccak256, type JsonRpcProvider, type Signer, type TransactionReceipt } from "ethers";
import { AppliedWatcher, ChainRefusedError } from "./applied-watcher";
import { NonceConflictError, OrdererApi, refusalError, sleep, type BatchItemAnswer, type BatchItemRefusal } from "./orderer-api";
import type { Pending, SubmittableTx, Submitter, TxOptions } from "./submitter";

export interface OrderedSubmitterOptions {
  /** The nodes' client API URLs (failover in this order). */
  readonly urls: readonly string[];
  /** The chain the cluster delivers to: gas estimates, nonces at start, receipts. */
  readonly provider: JsonRpcProvider;
  readonly chainId: bigint;
  /** Extra gas over the estimate, in percent (default 50): the estimate may run before the signer's earlier
   * transactions are applied. Unused gas is not charged beyond the limit and does not change `gasUsed`. */
  readonly gasMarginPct?: number;
}

/** One ordered transaction: where it went, for the run's summary. */
export interface OrderedRecord {
  readonly hash: string;
  readonly receipt: Promise<TransactionReceipt>;
}

const GWEI = 10n ** 9n;
/** Attempts at a 409 before giving up (each resyncs the nonce or waits for the signer's earlier transactions). */
const NONCE_ATTEMPTS = 5;

/**
 * Signs locally with each participant's own key and posts the raw transaction to the ordering service, which orders
 * it and applies it to the chain; `wait` resolves with the chain's receipt. A signer must be able to sign without
 * sending (an ethers Wallet).
 *
 * One signer's transactions are taken in by the cluster in call order (so nonces never arrive out of order), while
 * different signers' transactions are in flight together and share ordered blocks. Transactions of one signer that
 * queue up while an earlier one is being ordered go out together as one batch (`POST /v1/transactions/batch`, taken
 * in in order): an operator's hundreds of approvals or deposits then cost a few round trips, not one commit each.
 * Nonces are tracked here per signer, read from the chain on first use.
 */
export class OrderedSubmitter implements Submitter {
  readonly api: OrdererApi;
  /** Every transaction the cluster ordered through this submitter, in acceptance order. */
  readonly records: OrderedRecord[] = [];
  private readonly watcher: AppliedWatcher;
  private readonly lanes = new WeakMap<Signer, Lane>();
  private readonly nonces = new Map<string, number>();
  /** Per signer: receipts still awaited (a failed estimate waits for them before it counts as a refusal). */
  private readonly unapplied = new Map<string, Set<Promise<unknown>>>();
  private fee: { at: number; maxFee: bigint; tip: bigint } | null = null;

  constructor(private readonly o: OrderedSubmitterOptions) {
    this.api = new OrdererApi({ urls: o.urls });
    this.watcher = new AppliedWatcher({ provider: o.provider, api: this.api });
  }

  submit(signer: Signer, tx: SubmittableTx, options: TxOptions = {}): Promise<Pending> {
    let lane = this.lanes.get(signer);
    if (lane === undefined) this.lanes.set(signer, (lane = { queue: [], last: Promise.resolve(), draining: false }));
    // Estimated at once, not in the lane: estimates of one signer's queued transactions overlap.
    const gas = options.gasLimit === undefined ? this.estimate(signer, tx, lane.last) : this.check(signer, tx, lane.last, options.gasLimit);
    const accepted = new Promise<Accepted>((resolve, reject) => {
      const item: Queued = { tx, options, gas, gasState: "pending", attempts: 0, resolve, reject };
      gas.then(
        () => (item.gasState = "ok"),
        () => (item.gasState = "failed"),
      );
      lane!.queue.push(item);
    });
    lane.last = accepted.catch(() => undefined);
    void this.drain(signer, lane);
    return accepted.then(({ receipt }) => ({ wait: () => receipt }));
  }

  /** Sends the lane's queue, a batch at a time, until it is empty; one drain per lane at a time. */
  private async drain(signer: Signer, lane: Lane): Promise<void> {
    if (lane.draining) return;
    lane.draining = true;
    try {
      while (lane.queue.length > 0) {
        const batch = await takeBatch(lane);
        if (batch.length === 0) continue;
        await (batch.length === 1 ? this.sendSingle(signer, batch[0]!) : this.sendBatch(signer, lane, batch)).catch((err: unknown) => {
          for (const item of batch) item.reject(err);
        });
      }
    } finally {
      lane.draining = false;
    }
  }

  private async sendSingle(signer: Signer, item: Queued): Promise<void> {
    item.resolve(await this.sendOne(signer, item.tx, item.options, item.gas));
  }

  /**
   * Signs the batch with consecutive nonces and posts it. Taken-in transactions resolve; the first refused one and
   * everything after it (refused for the nonce it leaves open) go back to the front of the lane, after a nonce resync,
   * unless the refusal is final for that transaction.
   */
  private async sendBatch(signer: Signer, lane: Lane, batch: Queued[]): Promise<void> {
    const from = (await signer.getAddress()).toLowerCase();
    await this.watcher.init();
    const first = await this.nextNonce(from);
    const fees = await this.fees();
    const signed = await Promise.all(
      batch.map(async (item, k) => {
        const raw = await signer.signTransaction({ ...fees, type: 2, chainId: this.o.chainId, nonce: first + k, gasLimit: await item.gas, to: toOf(item.tx), data: item.tx.data, value: item.tx.value ?? 0n });
        return { raw, hash: keccak256(raw) };
      }),
    );
    const receipts = signed.map((s) => this.watcher.watch(s.hash));
    let results: BatchItemAnswer[];
    try {
      results = await this.api.submitBatch(signed.map((s) => s.raw));
    } catch (err) {
      for (const s of signed) this.watcher.unwatch(s.hash);
      throw err;
    }
    const stop = results.findIndex((r) => !("status" in r));
    const taken = stop === -1 ? batch.length : stop;
    for (let k = 0; k < taken; k++) {
      if ((results[k] as { status: string }).status === "pending") await this.awaitOrdered(signed[k]!.hash);
      this.nonces.set(from, first + k + 1);
      this.track(from, signed[k]!.hash, receipts[k]!);
      batch[k]!.resolve({ receipt: receipts[k]! });
    }
    if (taken === batch.length) return;
    for (const s of signed.slice(taken)) this.watcher.unwatch(s.hash);
    await this.retryRest(from, lane, batch.slice(taken), results[taken] as BatchItemRefusal, first + taken);
  }

  /** After a refusal inside a batch: a final one rejects its transaction; the rest go back to the lane's front. */
  private async retryRest(from: string, lane: Lane, rest: Queued[], refusal: BatchItemRefusal, nonce: number): Promise<void> {
    const head = rest[0]!;
    head.attempts++;
    if (refusal.code === 409 && typeof refusal.expectedNonce === "number" && head.attempts < NONCE_ATTEMPTS && head.options.nonce === undefined) {
      this.nonces.set(from, await this.resync(from, nonce, refusal.expectedNonce));
      lane.queue.unshift(...rest);
      return;
    }
    if (refusal.code === 503 && head.attempts < NONCE_ATTEMPTS) {
      await sleep(50);
      lane.queue.unshift(...rest);
      return;
    }
    this.nonces.delete(from);
    head.reject(refusalError(refusal));
    lane.queue.unshift(...rest.slice(1));
  }

  /** Resolves once ordered; `receipt` (wrapped, so it is not awaited here) once applied. */
  private async sendOne(
    signer: Signer,
    tx: SubmittableTx,
    options: TxOptions,
    gas: Promise<bigint>,
  ): Promise<Accepted> {
    const from = (await signer.getAddress()).toLowerCase();
    await this.watcher.init();
    const gasLimit = await gas;
    let nonce = options.nonce ?? (await this.nextNonce(from));
    for (let attempt = 1; ; attempt++) {
      const raw = await signer.signTransaction({ ...(await this.fees()), type: 2, chainId: this.o.chainId, nonce, gasLimit, to: toOf(tx), data: tx.data, value: tx.value ?? 0n });
      const hash = keccak256(raw);
      const receipt = this.watcher.watch(hash);
      try {
        await this.post(raw, hash);
      } catch (err) {
        this.watcher.unwatch(hash);
        if (!(err instanceof NonceConflictError) || attempt >= NONCE_ATTEMPTS || options.nonce !== undefined) throw err;
        nonce = await this.resync(from, nonce, err.expectedNonce);
        continue;
      }
      this.nonces.set(from, nonce + 1);
      this.track(from, hash, receipt);
      return { receipt };
    }
  }

  /** Posts and returns once the cluster has ordered the transaction (its place in the order is fixed). */
  private async post(raw: string, hash: string): Promise<void> {
    const answer = await this.api.submit(raw);
    if (answer.status === "pending") await this.awaitOrdered(hash);
  }

  /** A transaction the cluster answered `pending` for (its commit was slow): polls until it has its place. */
  private async awaitOrdered(hash: string): Promise<void> {
    for (let waited = 0; ; waited += 20) {
      const found = await this.api.lookup(hash);
      if (found !== undefined && found.status !== "pending") return;
      if (waited > 120_000) throw new ChainRefusedError(hash, "the cluster kept it pending for 2 minutes");
      await sleep(20);
    }
  }

  /**
   * 409: the cluster expects another nonce. Behind while our earlier transactions are still on their way (the node
   * answering has not seen them yet): wait for them and try the same nonce again. Otherwise (ahead: the nonce was used,
   * e.g. by a transaction sent elsewhere; behind for good: an earlier one was refused) take the expected nonce.
   */
  private async resync(from: string, ours: number, expected: number): Promise<number> {
    const inFlight = [...(this.unapplied.get(from) ?? [])];
    if (expected < ours && inFlight.length > 0) {
      await Promise.allSettled(inFlight);
      return ours;
    }
    return expected;
  }

  private track(from: string, hash: string, receipt: Promise<TransactionReceipt>): void {
    let set = this.unapplied.get(from);
    if (set === undefined) this.unapplied.set(from, (set = new Set()));
    const settled = receipt.then(
      () => undefined,
      (err: unknown) => {
        // Refused by the chain: the nonce may be unused; read it from the chain again next time.
        if (err instanceof ChainRefusedError) this.nonces.delete(from);
      },
    );
    set.add(settled);
    void settled.then(() => set.delete(settled));
    this.records.push({ hash, receipt });
  }

  private async nextNonce(from: string): Promise<number> {
    const known = this.nonces.get(from);
    if (known !== undefined) return known;
    await Promise.allSettled([...(this.unapplied.get(from) ?? [])]);
    return this.o.provider.getTransactionCount(from, "pending");
  }

  /**
   * Estimates on the chain's state. A revert may only mean that this signer's earlier transactions are not applied
   * yet: then wait until they are (ordered, then applied) and estimate once more; a second revert is the answer.
   */
  private async estimate(signer: Signer, tx: SubmittableTx, previous: Promise<unknown>): Promise<bigint> {
    const from = (await signer.getAddress()).toLowerCase();
    const call = { from, to: toOf(tx), data: tx.data, value: tx.value ?? 0n };
    let gas: bigint;
    try {
      gas = await this.o.provider.estimateGas(call);
    } catch {
      await previous.catch(() => undefined);
      await Promise.allSettled([...(this.unapplied.get(from) ?? [])]);
      gas = await this.o.provider.estimateGas(call);
    }
    return (gas * BigInt(100 + (this.o.gasMarginPct ?? 50))) / 100n;
  }

  /** A caller's known limit: checked with one `eth_call` (a revert is retried once the signer's earlier ones applied). */
  private async check(signer: Signer, tx: SubmittableTx, previous: Promise<unknown>, gasLimit: bigint): Promise<bigint> {
    const from = (await signer.getAddress()).toLowerCase();
    const call = { from, to: toOf(tx), data: tx.data, value: tx.value ?? 0n, gasLimit };
    try {
      await this.o.provider.call(call);
    } catch {
      await previous.catch(() => undefined);
      await Promise.allSettled([...(this.unapplied.get(from) ?? [])]);
      await this.o.provider.call(call);
    }
    return gasLimit;
  }

  /** EIP-1559 fees with room for the base fee to rise for a while (a full block raises it by 1/8). */
  private async fees(): Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }> {
    if (this.fee === null || Date.now() - this.fee.at > 250) {
      const block = await this.o.provider.getBlock("latest");
      const base = block?.baseFeePerGas ?? GWEI;
      this.fee = { at: Date.now(), maxFee: base * 4n + GWEI, tip: GWEI };
    }
    return { maxFeePerGas: this.fee.maxFee, maxPriorityFeePerGas: this.fee.tip };
  }
}

type Accepted = { receipt: Promise<TransactionReceipt> };

/** A transaction waiting in its signer's lane. */
interface Queued {
  readonly tx: SubmittableTx;
  readonly options: TxOptions;
  readonly gas: Promise<bigint>;
  gasState: "pending" | "ok" | "failed";
  /** Refusals met so far (nonce resyncs, leadership changes). */
  attempts: number;
  resolve(a: Accepted): void;
  reject(err: unknown): void;
}

/** One signer's queue: transactions go out in call order, one batch at a time. */
interface Lane {
  readonly queue: Queued[];
  /** Settles when the last queued transaction is taken in or refused (its successor's estimate may wait for it). */
  last: Promise<unknown>;
  draining: boolean;
}

/** The cluster takes at most this many transactions per batch (consensus/src/api/batch.ts). */
const MAX_BATCH = 256;

/**
 * The next batch: the lane's head, and the transactions behind it whose gas is already known (a batch never waits for
 * a later estimate, which may itself wait for an earlier transaction to be applied). One with its own nonce goes alone.
 */
async function takeBatch(lane: Lane): Promise<Queued[]> {
  const head = lane.queue[0]!;
  try {
    await head.gas;
  } catch (err) {
    lane.queue.shift();
    head.reject(err);
    return [];
  }
  if (head.options.nonce !== undefined) return lane.queue.splice(0, 1);
  let n = 1;
  while (n < lane.queue.length && n < MAX_BATCH && lane.queue[n]!.gasState === "ok" && lane.queue[n]!.options.nonce === undefined) n++;
  return lane.queue.splice(0, n);
}

/** The callee, or null for a contract creation. */
function toOf(tx: SubmittableTx): string | null {
  return "to" in tx ? tx.to : null;
}
