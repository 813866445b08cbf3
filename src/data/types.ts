/**
 * A market as read from a data directory (format: data/README.md). Every number is a bigint in the market's fixed
 * point units (src/units.ts): prices in 18-decimal token/kWh, loss rates and ratios in ppm, the bundling ratio in
 * basis points, energy in whole MWh. MWh are bigint too (not number) so that model, tasks and contracts share one
 * exact type; they always fit in a JS number (≤ 10^12) when printing.
 */

export type PricingRule = "surplus-split" | "paper-table";
export const PRICING_RULES: readonly PricingRule[] = ["surplus-split", "paper-table"];

export type OrderKind = "consumer" | "wind" | "thermal";

interface OrderBase {
  /** Listing position, counting from 1 across the whole market (consumers, then wind, then thermal; file order). */
  readonly orderId: number;
  readonly name: string;
  readonly region: string;
  readonly quantityMwh: bigint;
}

export interface ConsumerOrder extends OrderBase {
  readonly kind: "consumer";
  /** F_B, token/kWh × 10^18. */
  readonly bidPrice: bigint;
  /** The green quota (Case B): the share of the MWh bought that certificates must cover; not G / Q in Table 2. */
  readonly windRatioPpm: bigint;
  /** G: the green (wind) demand used by matching phase 1, ≤ quantity. */
  readonly windDemandMwh: bigint;
}

export interface WindOrder extends OrderBase {
  readonly kind: "wind";
  /** F_S, token/kWh × 10^18 (W = 0 for wind). */
  readonly askPrice: bigint;
}

export interface ThermalOrder extends OrderBase {
  readonly kind: "thermal";
  readonly askPrice: bigint;
  readonly envPrice: bigint;
  readonly subsidyPrice: bigint;
}

export type SellerOrder = WindOrder | ThermalOrder;
export type MarketOrder = ConsumerOrder | SellerOrder;

/** Grid parameters of one directed (seller region -> buyer region) corridor. */
export interface GridLink {
  readonly sellerRegion: string;
  readonly buyerRegion: string;
  /** ε in parts per million, < 10^6. */
  readonly lossPpm: bigint;
  /** S*, token/kWh × 10^18. */
  readonly transmissionPrice: bigint;
  /** Corridor capacity per round in MWh; null = unlimited. */
  readonly capacityMwh: bigint | null;
}

export interface RoundConfig {
  /** Thermal MWh allowed per wind MWh, in basis points (30000 = thermal ≤ 3 × wind). */
  readonly bundlingRatioBps: bigint;
  /** X for wind sellers, token/kWh × 10^18. */
  readonly windCertCost: bigint;
  /** X for thermal sellers, token/kWh × 10^18. */
  readonly thermalCertCost: bigint;
  /** The default pricing rule of the round (a replay flag may override it). */
  readonly pricing: PricingRule;
}

export interface MarketData {
  readonly consumers: readonly ConsumerOrder[];
  readonly wind: readonly WindOrder[];
  readonly thermal: readonly ThermalOrder[];
  /** All orders in listing order; `orders[k].orderId === k + 1`. */
  readonly orders: readonly MarketOrder[];
  readonly grid: readonly GridLink[];
  readonly round: RoundConfig;
  /** Every region named anywhere, sorted; `index + 1` is a natural numeric region code. */
  readonly regions: readonly string[];
}

/** The five files of a market directory, as text. */
export interface MarketFiles {
  readonly "grid.csv": string;
  readonly "consumers.csv": string;
  readonly "wind.csv": string;
  readonly "thermal.csv": string;
  readonly "round.json": string;
}

export const MARKET_FILE_NAMES: readonly (keyof MarketFiles)[] = [
  "grid.csv",
  "consumers.csv",
  "wind.csv",
  "thermal.csv",
  "round.json",
];
