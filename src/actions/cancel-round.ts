import type { Signer, TransactionReceipt } from "ethers";
import type { TxOptions } from "../submitters";
import { send, type MarketClient } from "./client";

/**
 * The trading centre cancels the current round before the dispatch centre approved it (for example when matching
 * reverts for ever); consumers then pull their escrow back with `refundCancelled`.
 */
export function cancelRound(client: MarketClient, tradingCentre: Signer, options?: TxOptions): Promise<TransactionReceipt> {
  return send(client, tradingCentre, client.sys.market.cancelRound.populateTransaction(), options);
}
