import pc from "picocolors";
import type { MarketOrder } from "../data";
import { formatCount, formatPrice3, formatTokens } from "../cli/format";
import { renderTable } from "../cli/table";
import { exactTotals, GRID_TOTAL, type TradeRecord } from "./result";

/**
 * The match table and per-participant totals, as printed by `hardhat replay`: prices to 3 decimals, amounts grouped
 * by thousands (the `--out` JSON keeps full precision).
 */
export function renderReplay(
  title: string,
  trades: readonly TradeRecord[],
  orders: readonly MarketOrder[],
  color = false,
): string {
  const bold = color ? pc.bold : (s: string) => s;
  const matchRows = trades
    .filter((t) => t.mwh > 0n)
    .map((t) => [t.group, t.buyer.name, t.seller.name, formatCount(t.mwh), formatPrice3(t.buyerPrice), formatPrice3(t.sellerPrice)]);
  const kinds = new Map(orders.map((o) => [o.name, o.kind] as const));
  const totalRows = [...exactTotals(trades, orders)].map(([name, v]) => [
    name,
    name === GRID_TOTAL ? "grid company" : kinds.get(name)!,
    formatCount(v.mwh),
    formatTokens(v.tokens),
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
