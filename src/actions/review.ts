import type { Signer, TransactionReceipt } from "ethers";
import { code32 } from "../chain/participants";
import type { TxOptions } from "../submitters";
import { send, type MarketClient } from "./client";

/** The trading centre approves an application, or rejects it with `reason` (default "rejected"). */
export function review(
  client: MarketClient,
  tradingCentre: Signer,
  account: string,
  verdict: { approve: true } | { approve: false; reason?: string },
  options?: TxOptions,
): Promise<TransactionReceipt> {
  const registry = client.sys.registry;
  const tx = verdict.approve
    ? registry.approve.populateTransaction(account)
    : registry.reject.populateTransaction(account, code32(verdict.reason ?? "rejected"));
  return send(client, tradingCentre, tx, options);
}
