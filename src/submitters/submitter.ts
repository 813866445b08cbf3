import type { ContractDeployTransaction, ContractTransaction, Signer, TransactionReceipt } from "ethers";

/** Per-transaction options an action passes through: an explicit nonce lets one signer pipeline transactions. */
export interface TxOptions {
  readonly nonce?: number;
}

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
