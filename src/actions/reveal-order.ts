import type { Signer, TransactionReceipt } from "ethers";
import type { TxOptions } from "../submitters";
import { send, type MarketClient } from "./client";
import type { SealedOrder } from "./seal-order";

/**
 * `revealOrder`: the owner discloses a sealed order in the reveal window (from the deadline to the reveal deadline).
 * An order left unrevealed drops out of the round and its escrow comes back with `refundUnrevealed`.
 */
export function revealOrder(
  client: MarketClient,
  owner: Signer,
  orderId: bigint,
  sealed: Pick<SealedOrder, "request" | "salt">,
  options?: TxOptions,
): Promise<TransactionReceipt> {
  return send(client, owner, client.sys.market.revealOrder.populateTransaction(orderId, sealed.request, sealed.salt), options);
}
