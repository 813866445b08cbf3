import type { Signer, TransactionReceipt } from "ethers";
import type { MarketOrder } from "../data";
import type { TxOptions } from "../submitters";
import { send, type MarketClient } from "./client";
import { eventArg } from "./events";

/** A `PAYMENT` request (IDPLCMarket.OrderRequest); fields a kind does not use are 0. */
export interface OrderRequest {
  readonly quantityMwh: bigint;
  readonly price: bigint;
  readonly greenDemandMwh: bigint;
  readonly envPrice: bigint;
  readonly subsidyPrice: bigint;
}

/** `PAYMENT`: lists an order in the current round; returns its id. A consumer must have approved its escrow. */
export async function listOrder(
  client: MarketClient,
  who: Signer,
  q: OrderRequest,
  options?: TxOptions,
): Promise<{ orderId: bigint; receipt: TransactionReceipt }> {
  const market = client.sys.market;
  const receipt = await send(client, who, market.PAYMENT.populateTransaction(q), options);
  return { orderId: eventArg(market, receipt, "MarketOrderListed", "orderId") as bigint, receipt };
}

/** The `PAYMENT` request of an order of a market data directory. */
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
