import pc from "picocolors";
import type { MarketOrder } from "../data";
import { formatPrice, toNumber18 } from "../units";
import { renderTable } from "../cli/table";
import { exactTotals, GRID_TOTAL, type TradeRecord } from "./result";

/** The match table and per-participant totals, as printed by `hardhat replay`. */
export function renderReplay(
  title: string,
  trades: readonly TradeRecord[],
  orders: readonly MarketOrder[],
  color = false,
): string {
  const bold = color ? pc.bold : (s: string) => s;
  const matchRows = trades
    .filter((t) => t.mwh > 0n)
    .map((t) => [t.group, t.buyer.name, t.seller.name, Number(t.mwh), formatPrice(t.buyerPrice), formatPrice(t.sellerPrice)]);
  const kinds = new Map(orders.map((o) => [o.name, o.kind] as const));
  const totalRows = [...exactTotals(trades, orders)].map(([name, v]) => [
    name,
    name === GRID_TOTAL ? "grid company" : kinds.get(name)!,
    Number(v.mwh),
    toNumber18(v.tokens).toFixed(2),
    name === GRID_TOTAL ? "received" : kinds.get(name) === "consumer" ? "paid" : "received",
  ]);
  return [
    bold(title),
    "",
    renderTable(["group", "consumer", "seller", "MWh", "buyer price", "seller price"], matchRows),
    "",
    bold("Totals (tokens)"),
    renderTable(["participant", "kind", "MWh", "tokens", ""], totalRows),
  ].join("\n");
}
