import { keccak256, type JsonRpcProvider, type Signer, type TransactionReceipt } from "ethers";
import { AppliedWatcher, ChainRefusedError } from "./applied-watcher";
import { NonceConflictError, OrdererApi, sleep } from "./orderer-api";
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
 * As in the direct submitter, one signer's transactions go out in call order, each once the cluster has ordered the
 * previous one (so nonces never arrive out of order), while different signers' transactions are in flight together
 * and share ordered blocks. Nonces are tracked here per signer, read from the chain on first use.
 */
export class OrderedSubmitter implements Submitter {
  readonly api: OrdererApi;
  /** Every transaction the cluster ordered through this submitter, in acceptance order. */
  readonly records: OrderedRecord[] = [];
  private readonly watcher: AppliedWatcher;
  private readonly lanes = new WeakMap<Signer, Promise<unknown>>();
  private readonly nonces = new Map<string, number>();
  /** Per signer: receipts still awaited (a failed estimate waits for them before it counts as a refusal). */
  private readonly unapplied = new Map<string, Set<Promise<unknown>>>();
  private fee: { at: number; maxFee: bigint; tip: bigint } | null = null;

  constructor(private readonly o: OrderedSubmitterOptions) {
    this.api = new OrdererApi({ urls: o.urls });
    this.watcher = new AppliedWatcher({ provider: o.provider, api: this.api });
  }

  submit(signer: Signer, tx: SubmittableTx, options: TxOptions = {}): Promise<Pending> {
    const previous = this.lanes.get(signer) ?? Promise.resolve();
    // Estimated at once, not in the lane: estimates of one signer's queued transactions overlap.
    const gasLimit = this.estimate(signer, tx, previous);
    gasLimit.catch(() => undefined);
    const accepted = previous.catch(() => undefined).then(() => this.sendOne(signer, tx, options, gasLimit));
    this.lanes.set(signer, accepted);
    return accepted.then(({ receipt }) => ({ wait: () => receipt }));
  }

  /** Resolves once ordered; `receipt` (wrapped, so it is not awaited here) once applied. */
  private async sendOne(
    signer: Signer,
    tx: SubmittableTx,
    options: TxOptions,
    gas: Promise<bigint>,
  ): Promise<{ receipt: Promise<TransactionReceipt> }> {
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
    for (let waited = 0; answer.status === "pending"; waited += 20) {
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

/** The callee, or null for a contract creation. */
function toOf(tx: SubmittableTx): string | null {
  return "to" in tx ? tx.to : null;
}
