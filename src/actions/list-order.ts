import type { Signer, TransactionReceipt } from "ethers";
import type { MarketOrder } from "../data";
import type { TxOptions } from "../submitters";
import { send, type MarketClient } from "./client";
import { eventArg } from "./events";

/** An order as revealed (IDPLCMarket.OrderRequest); fields a kind does not use are 0. */
export interface OrderRequest {
  readonly quantityMwh: bigint;
  readonly price: bigint;
  readonly greenDemandMwh: bigint;
  readonly envPrice: bigint;
  readonly subsidyPrice: bigint;
}

/** What `PAYMENT` takes: a commitment (see `sealOrder`) and a consumer's escrow (0 for sellers). */
export interface Commitment {
  readonly commitment: string;
  readonly escrow: bigint;
}

/**
 * `PAYMENT`: lists a sealed order in the current round; returns its id. A consumer must have approved its escrow.
 * Keep the sealed order's request and salt: `revealOrder` needs them after the deadline.
 */
export async function listOrder(
  client: MarketClient,
  who: Signer,
  sealed: Commitment,
  options?: TxOptions,
): Promise<{ orderId: bigint; receipt: TransactionReceipt }> {
  const market = client.sys.market;
  const receipt = await send(client, who, market.PAYMENT.populateTransaction(sealed.commitment, sealed.escrow), options);
  return { orderId: eventArg(market, receipt, "MarketOrderListed", "orderId") as bigint, receipt };
}

/**
 * `PAYMENT` in two steps: resolves once the listing has its place in the order (so the next listing gets a higher
 * order id), with `applied`: its id and receipt once applied. Lets a caller list many orders in a fixed order at the
 * pace of ordering rather than of execution.
 */
export async function submitListing(
  client: MarketClient,
  who: Signer,
  sealed: Commitment,
): Promise<{ applied: Promise<{ orderId: bigint; receipt: TransactionReceipt }> }> {
  const market = client.sys.market;
  const pending = await client.submitter.submit(who, await market.PAYMENT.populateTransaction(sealed.commitment, sealed.escrow));
  const applied = pending.wait().then((receipt) => ({ orderId: eventArg(market, receipt, "MarketOrderListed", "orderId") as bigint, receipt }));
  applied.catch(() => undefined);
  return { applied };
}

/** The order request of an order of a market data directory. */
export function orderRequest(o: MarketOrder): OrderRequest {
  const none = { greenDemandMwh: 0n, envPrice: 0n, subsidyPrice: 0n };
  switch (o.kind) {
    case "consumer":
      return { ...none, quantityMwh: o.quantityMwh, price: o.bidPrice, greenDemandMwh: o.windDemandMwh };
    case "wind":
      return { ...none, quantityMwh: o.quantityMwh, price: o.askPrice };
    case "thermal":
      return { quantityMwh: o.quantityMwh, price: o.askPrice, greenDemandMwh: 0n, envPrice: o.envPrice, subsidyPrice: o.subsidyPrice };
  }
}
