import type { Signer, TransactionReceipt } from "ethers";
import type { TxOptions } from "../submitters";
import { send, type MarketClient } from "./client";

/**
 * Anyone takes a revoked participant's order out of the listing round; its escrow goes back to the owner in full.
 * (The revoked owner's own `WITHDRAW` may not pass the orderer's admission any more.)
 */
export function removeRevoked(client: MarketClient, caller: Signer, orderId: bigint, options?: TxOptions): Promise<TransactionReceipt> {
  return send(client, caller, client.sys.market.removeRevoked.populateTransaction(orderId), options);
}
