import type { Signer, TransactionReceipt } from "ethers";
import type { TxOptions } from "../submitters";
import { send, type MarketClient } from "./client";

/** `WITHDRAW`: the owner cancels an order before the deadline; a consumer's escrow is refunded. */
export function withdrawOrder(client: MarketClient, owner: Signer, orderId: bigint, options?: TxOptions): Promise<TransactionReceipt> {
  return send(client, owner, client.sys.market.WITHDRAW.populateTransaction(orderId), options);
}
