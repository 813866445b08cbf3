import type { Signer, TransactionReceipt } from "ethers";
import type { TxOptions } from "../submitters";
import { send, type MarketClient } from "./client";

/** Anyone returns an order that was never revealed its escrow in full, once the reveal window has closed. */
export function refundUnrevealed(client: MarketClient, caller: Signer, orderId: bigint, options?: TxOptions): Promise<TransactionReceipt> {
  return send(client, caller, client.sys.market.refundUnrevealed.populateTransaction(orderId), options);
}
