import type { ContractTransaction, Signer, TransactionReceipt } from "ethers";
import type { MarketSystem } from "../chain/deploy";
import { directSubmitter, type Submitter, type TxOptions } from "../submitters";

/** A deployed market and the way its transactions reach the chain: what every action takes first. */
export interface MarketClient {
  readonly sys: MarketSystem;
  readonly submitter: Submitter;
}

export function marketClient(sys: MarketSystem, submitter: Submitter = directSubmitter): MarketClient {
  return { sys, submitter };
}

/** Submits a built transaction as `signer` and waits until the chain has applied it. */
export async function send(
  client: MarketClient,
  signer: Signer,
  tx: Promise<ContractTransaction>,
  options?: TxOptions,
): Promise<TransactionReceipt> {
  return (await client.submitter.submit(signer, await tx, options)).wait();
}
