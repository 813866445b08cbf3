import type { MarketOrder } from "../data";
import type { TradeRecord } from "../replay/result";
import type { MarketClient } from "./client";

/** A round's trades as the chain holds them, each side named by the order it was listed for. */
export async function readTrades(
  client: MarketClient,
  roundId: bigint,
  byOrderId: ReadonlyMap<bigint, MarketOrder>,
): Promise<TradeRecord[]> {
  const market = client.sys.market;
  const count = Number((await market.round(roundId)).tradeCount);
  const trades: TradeRecord[] = [];
  for (let i = 0; i < count; i++) {
    const t = await market.trade(roundId, i);
    trades.push({
      tradeId: i,
      group: t.thermal ? "thermal" : "wind",
      buyer: byOrderId.get(t.buyerOrderId)!,
      seller: byOrderId.get(t.sellerOrderId)!,
      mwh: t.mwh,
      buyerPrice: t.buyerPrice,
      sellerPrice: t.sellerPrice,
    });
  }
  return trades;
}
