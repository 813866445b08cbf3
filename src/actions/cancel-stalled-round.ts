import type { Signer, TransactionReceipt } from "ethers";
import type { TxOptions } from "../submitters";
import { send, type MarketClient } from "./client";

/**
 * Anyone cancels the current round once it has stalled: still unapproved `STALL_SECONDS` after its reveal deadline.
 * Consumers then pull their escrow back with `refundCancelled`.
 */
export function cancelStalledRound(client: MarketClient, caller: Signer, options?: TxOptions): Promise<TransactionReceipt> {
  return send(client, caller, client.sys.market.cancelStalledRound.populateTransaction(), options);
}
