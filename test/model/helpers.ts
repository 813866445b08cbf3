/** Small builders for hand-written books in model tests. Prices are written as decimal strings (token/kWh). */
import { parsePercentToPpm, parsePrice, parseRatioToBps } from "../../src/units";
import type { Book, Buyer, Corridor, PricingRule, RoundParams, Seller } from "./market-model";

export const p = parsePrice;

export function buyer(id: number, region: string, bid: string, quantity: bigint, green: bigint): Buyer {
  return { id, region, bid: p(bid), quantity, green };
}

export function wind(id: number, region: string, ask: string, quantity: bigint): Seller {
  return { id, kind: "wind", region, ask: p(ask), quantity, w: 0n };
}

export function thermal(id: number, region: string, ask: string, quantity: bigint, w = "0"): Seller {
  return { id, kind: "thermal", region, ask: p(ask), quantity, w: p(w) };
}

export function corridor(from: string, to: string, lossPct: string, s: string, capacity: bigint | null = null): Corridor {
  return { sellerRegion: from, buyerRegion: to, lossPpm: parsePercentToPpm(lossPct), transmission: p(s), capacity };
}

export function round(ratio = "3", windCert = "0", thermalCert = "0"): RoundParams {
  return { bundlingBps: parseRatioToBps(ratio), windCertCost: p(windCert), thermalCertCost: p(thermalCert) };
}

export function book(
  buyers: Buyer[],
  sellers: Seller[],
  corridors: Corridor[],
  options: { pricing?: PricingRule; round?: RoundParams } = {},
): Book {
  return { buyers, sellers, corridors, round: options.round ?? round(), pricing: options.pricing ?? "surplus-split" };
}

/** Trades as compact tuples [buyer, seller, mwh, phase] for readable assertions. */
export function shape(trades: readonly { buyer: number; seller: number; mwh: bigint; phase: 1 | 2 }[]): [number, number, bigint, number][] {
  return trades.map((t) => [t.buyer, t.seller, t.mwh, t.phase]);
}
