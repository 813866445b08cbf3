/**
 * Exact fixed-point units of the market (docs/market-rules.md, "Units"). Values travel as decimal strings in files
 * and JSON and as bigint everywhere else; no floating point is ever used to compute a value.
 *
 * - price (F_B, F_S, S, W, X): token per kWh with 18 decimals, 0 ≤ p ≤ 10^24
 * - loss rate ε: percent with ≤ 4 decimals in files, parts per million in code, 0 ≤ ε < 10^6
 * - bundling ratio: thermal MWh per wind MWh with ≤ 4 decimals in files, basis points in code, ≤ 1000
 * - energy: whole MWh, 1 ≤ q ≤ 10^12
 * - token amount: price × MWh × 1000 (18 decimals, i.e. wei)
 * - RMB amount: yuan with ≤ 2 decimals (fen) as typed, 18-decimal fixed point on chain (IDPLCToken.deposit)
 */
import { UnitError } from "./errors";

export const PRICE_DECIMALS = 18;
/** One token (or one token per kWh) in fixed point. */
export const WAD = 10n ** 18n;
export const PPM = 1_000_000n;
export const BPS = 10_000n;
export const KWH_PER_MWH = 1_000n;
/** 10^6 tokens per kWh: the on-chain ceiling (uint128 leaves room for price × MWh × 1000). */
export const MAX_PRICE = 10n ** 24n;
export const MAX_MWH = 10n ** 12n;
/** Loss rates are stored as uint32 ppm and must stay below 100 %. */
export const MAX_LOSS_PPM = PPM - 1n;
/** 1000 thermal MWh per wind MWh: OrderRules.MAX_RATIO_BPS. */
export const MAX_RATIO_BPS = 10_000_000n;
/**
 * 10^12 RMB in one deposit: far above any real transfer (Case A's largest escrow is 30.4M RMB) and far below where
 * RMB × rate could overflow; the contract itself only refuses an amount that converts to 0 tokens.
 */
export const MAX_RMB = 10n ** 12n * WAD;

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/**
 * Parses a non-negative decimal string ("4.25", "0.000001", "17") into an integer scaled by 10^decimals.
 * Refuses signs, exponents, spaces, empty parts ("1.", ".5") and more fractional digits than `decimals`.
 */
export function parseDecimal(text: string, decimals: number): bigint {
  const m = DECIMAL.exec(text);
  if (m === null) throw new UnitError(text, "expected a non-negative decimal number like 4.25");
  const whole = m[1]!;
  const frac = m[2] ?? "";
  if (frac.length > decimals) {
    throw new UnitError(text, `at most ${decimals} decimal places allowed`);
  }
  return BigInt(whole + frac.padEnd(decimals, "0"));
}

/** The shortest exact decimal string of `value / 10^decimals` ("4.25", "3", "-0.5"). */
export function formatDecimal(value: bigint, decimals: number): string {
  const sign = value < 0n ? "-" : "";
  const abs = (value < 0n ? -value : value).toString().padStart(decimals + 1, "0");
  const whole = abs.slice(0, abs.length - decimals);
  const frac = abs.slice(abs.length - decimals).replace(/0+$/, "");
  return frac === "" ? `${sign}${whole}` : `${sign}${whole}.${frac}`;
}

/** token/kWh decimal string -> 18-decimal fixed point, 0 ≤ p ≤ 10^6 tokens/kWh. */
export function parsePrice(text: string): bigint {
  const v = parseDecimal(text, PRICE_DECIMALS);
  if (v > MAX_PRICE) throw new UnitError(text, "price above 1000000 token/kWh");
  return v;
}

/** A bid or ask: like `parsePrice`, but 0 is refused (OrderRules.checkRequest: price ≥ 1). */
export function parseBidAsk(text: string): bigint {
  const v = parsePrice(text);
  if (v === 0n) throw new UnitError(text, "a bid or ask must be above 0");
  return v;
}

/** An RMB amount ("30400000", "99.5") -> 18-decimal fixed point, 0 < amount ≤ 10^12 RMB, at most 2 decimals (fen). */
export function parseRmb(text: string): bigint {
  const v = parseDecimal(text, 2) * 10n ** BigInt(PRICE_DECIMALS - 2);
  if (v === 0n) throw new UnitError(text, "an RMB amount must be above 0");
  if (v > MAX_RMB) throw new UnitError(text, "RMB amount above 1000000000000");
  return v;
}

export function formatPrice(value: bigint): string {
  return formatDecimal(value, PRICE_DECIMALS);
}

/**
 * An 18-decimal fixed-point value as a JS number for printing and JSON. It is built from the exact decimal string,
 * so the result is the double nearest to the exact value and prints as that decimal (4.25, 3.7245), never as the
 * artefact of a float division.
 */
export function toNumber18(x: bigint): number {
  return Number(formatDecimal(x, PRICE_DECIMALS));
}

/** Percent with ≤ 4 decimals ("6.5") -> parts per million (65000). */
export function parsePercentToPpm(text: string): bigint {
  return parseDecimal(text, 4);
}

export function formatPpmAsPercent(ppm: bigint): string {
  return formatDecimal(ppm, 4);
}

/** A loss rate in percent -> ppm, refusing 100 % and above (the converted value divides by 1 − ε). */
export function parseLossRate(text: string): bigint {
  const ppm = parsePercentToPpm(text);
  if (ppm > MAX_LOSS_PPM) throw new UnitError(text, "loss rate must be below 100 %");
  return ppm;
}

/** A bundling ratio with ≤ 4 decimals ("3", "1.5") -> basis points (30000, 15000), at most 1000. */
export function parseRatioToBps(text: string): bigint {
  const bps = parseDecimal(text, 4);
  if (bps > MAX_RATIO_BPS) throw new UnitError(text, "bundling ratio above 1000");
  return bps;
}

/** Whole MWh, 1 ≤ q ≤ 10^12 (or from `min`, e.g. 0 for a green demand). */
export function parseMwh(text: string, min: bigint = 1n): bigint {
  if (!/^\d+$/.test(text)) throw new UnitError(text, "expected a whole number of MWh");
  const mwh = BigInt(text);
  if (mwh < min) throw new UnitError(text, `must be at least ${min} MWh`);
  if (mwh > MAX_MWH) throw new UnitError(text, `must be at most ${MAX_MWH} MWh`);
  return mwh;
}

/** Tokens (18 decimals) for `mwh` MWh at `price` token/kWh. */
export function tokenAmount(price: bigint, mwh: bigint): bigint {
  return price * mwh * KWH_PER_MWH;
}
