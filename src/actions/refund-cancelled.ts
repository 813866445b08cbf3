import type { Signer, TransactionReceipt } from "ethers";
import type { TxOptions } from "../submitters";
import { send, type MarketClient } from "./client";

/** Anyone returns a consumer order of a cancelled round its escrow in full (the tokens go to the order's owner). */
export function refundCancelled(client: MarketClient, caller: Signer, orderId: bigint, options?: TxOptions): Promise<TransactionReceipt> {
  return send(client, caller, client.sys.market.refundCancelled.populateTransaction(orderId), options);
}
