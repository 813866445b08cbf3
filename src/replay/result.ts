import type { MarketOrder, PricingRule } from "../data";
import { tokenAmount, toNumber18 } from "../units";

/** One settled trade, exact. */
export interface TradeRecord {
  readonly tradeId: number;
  readonly group: "wind" | "thermal";
  readonly buyer: MarketOrder;
  readonly seller: MarketOrder;
  readonly mwh: bigint;
  readonly buyerPrice: bigint;
  readonly sellerPrice: bigint;
}

/** A row of `matches` in the replay JSON (the `--out` contract: names, MWh and token/kWh as plain numbers). */
export interface MatchJson {
  buyer: string;
  seller: string;
  mwh: number;
  buyerPrice: number;
  sellerPrice: number;
}

/** Per-participant totals: MWh traded and tokens paid (consumers) or received (generators, the grid company). */
export interface TotalJson {
  mwh: number;
  tokens: number;
}

/** The replay JSON written by `--out`. */
export interface ReplayJson {
  case: string;
  pricing: PricingRule;
  matches: MatchJson[];
  totals: Record<string, TotalJson>;
}

/** The participant name under which the grid company's receipts are totalled. */
export const GRID_TOTAL = "grid";

/** Exact totals per participant name, in listing order, then the grid company. */
export function exactTotals(trades: readonly TradeRecord[], orders: readonly MarketOrder[]) {
  const totals = new Map<string, { mwh: bigint; tokens: bigint }>();
  for (const o of orders) totals.set(o.name, { mwh: 0n, tokens: 0n });
  const grid = { mwh: 0n, tokens: 0n };
  for (const t of trades) {
    const paid = tokenAmount(t.buyerPrice, t.mwh);
    const received = tokenAmount(t.sellerPrice, t.mwh);
    const b = totals.get(t.buyer.name)!;
    const s = totals.get(t.seller.name)!;
    b.mwh += t.mwh;
    b.tokens += paid;
    s.mwh += t.mwh;
    s.tokens += received;
    grid.mwh += t.mwh;
    grid.tokens += paid - received;
  }
  totals.set(GRID_TOTAL, grid);
  return totals;
}

/** Builds the `--out` JSON. Trades of 0 MWh (curtailed away) are left out. */
export function toReplayJson(
  caseName: string,
  pricing: PricingRule,
  trades: readonly TradeRecord[],
  orders: readonly MarketOrder[],
): ReplayJson {
  const matches = trades
    .filter((t) => t.mwh > 0n)
    .map((t) => ({
      buyer: t.buyer.name,
      seller: t.seller.name,
      mwh: Number(t.mwh),
      buyerPrice: toNumber18(t.buyerPrice),
      sellerPrice: toNumber18(t.sellerPrice),
    }));
  const totals: Record<string, TotalJson> = {};
  for (const [name, v] of exactTotals(trades, orders)) {
    totals[name] = { mwh: Number(v.mwh), tokens: toNumber18(v.tokens) };
  }
  return { case: caseName, pricing, matches, totals };
}
