import type { ContractDeployTransaction, ContractTransaction, Signer, TransactionReceipt } from "ethers";

/** Per-transaction options an action passes through: an explicit nonce lets one signer pipeline transactions. */
export interface TxOptions {
  readonly nonce?: number;
  /**
   * A gas limit the caller knows is enough (a keeper's bounded step): the submitter checks the call once with
   * `eth_call` at this limit instead of estimating. Measured: Hardhat's `eth_estimateGas` reruns a `matchOrders` step
   * about ten times (a binary search, since the call forwards gas to the pricing rule), 4–6 s against 0.4–0.7 s for
   * the transaction itself, and it dominated a market's matching in both modes.
   */
  readonly gasLimit?: bigint;
}

/**
 * The gas limit of the market's keeper steps (`matchOrders`, `TRANS`): the project's bound for any one transaction
 * (BENCHMARKS.md, "Market gas": the largest is 3.4M at 1,000 orders per side), a third of a 30M block.
 */
export const KEEPER_GAS_LIMIT = 10_000_000n;

/** A call of a contract, or the creation of one (no `to`). */
export type SubmittableTx = ContractTransaction | ContractDeployTransaction;

/** A transaction that was accepted: `wait` resolves with its receipt once the chain has applied it. */
export interface Pending {
  wait(): Promise<TransactionReceipt>;
}

/**
 * How a transaction reaches the chain. Actions (src/actions) only build transactions; a submitter has the signer sign
 * and send them. `direct` sends to a JSON-RPC node; an ordered submitter posts the signed transaction to the ordering
 * service instead (docs: ../shared/notes/architecture.md, "A transaction's path").
 */
export interface Submitter {
  /** Signs `tx` as `signer` and sends it; resolves once it is accepted (not yet applied). */
  submit(signer: Signer, tx: SubmittableTx, options?: TxOptions): Promise<Pending>;
}
