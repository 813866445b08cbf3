/**
 * Numbers for tables a person reads: prices to 3 decimals (the paper's precision), amounts with thousands separators.
 * Exact bigint arithmetic, rounding half away from zero; JSON output keeps full precision and never uses these.
 */

/** "27608424.87" -> "27,608,424.87"; the sign and the fraction are kept as they are. */
export function groupThousands(decimal: string): string {
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(decimal);
  if (m === null) return decimal;
  return `${m[1]}${m[2]!.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}${m[3] ?? ""}`;
}

/** `value / 10^decimals` rounded to exactly `places` decimals, thousands grouped: (27608424871n, 3, 2) -> "27,608,424.87". */
export function formatFixed(value: bigint, decimals: number, places: number): string {
  const negative = value < 0n;
  let abs = negative ? -value : value;
  if (places < decimals) {
    const unit = 10n ** BigInt(decimals - places);
    abs = (abs + unit / 2n) / unit;
  } else {
    abs *= 10n ** BigInt(places - decimals);
  }
  const digits = abs.toString().padStart(places + 1, "0");
  const whole = digits.slice(0, digits.length - places);
  const text = places === 0 ? whole : `${whole}.${digits.slice(digits.length - places)}`;
  return groupThousands(`${negative && abs !== 0n ? "-" : ""}${text}`);
}

/** A price (18-decimal token/kWh) to 3 decimals: 4.2245 -> "4.225". */
export const formatPrice3 = (price: bigint): string => formatFixed(price, 18, 3);

/** A token amount (18 decimals) to 2 decimals with thousands separators. */
export const formatTokens = (wei: bigint): string => formatFixed(wei, 18, 2);

/** A whole count (MWh, trades) with thousands separators. */
export const formatCount = (n: bigint | number): string => formatFixed(BigInt(n), 0, 0);
