/**
 * Small, independent BigInt arithmetic of docs/market-rules.md, used to compute the numbers the contract tests
 * expect. It deliberately does not import anything from contracts, src/ or the reference model.
 */
export const WAD = 10n ** 18n;
export const PPM = 1_000_000n;
export const BPS = 10_000n;
export const KWH_PER_MWH = 1_000n;
export const MAX_PRICE = 10n ** 24n;
export const MAX_MWH = 10n ** 12n;
export const UNLIMITED = 2n ** 64n - 1n;

/** A price of `tokens` tokens per kWh (decimal string, exact) in 18-decimal fixed point. */
export function price(tokens: string): bigint {
  const [whole, frac = ""] = tokens.split(".");
  return BigInt(whole!) * WAD + BigInt(frac.padEnd(18, "0"));
}

/** cost_j(r_b) = ceil((F_S + X)·10^6 / (10^6 − ε)) + S + W. */
export function sellerCost(c: { ask: bigint; x?: bigint; w?: bigint; lossPpm?: bigint; transmission?: bigint }): bigint {
  const num = (c.ask + (c.x ?? 0n)) * PPM;
  const den = PPM - (c.lossPpm ?? 0n);
  const ceil = (num + den - 1n) / den;
  return ceil + (c.transmission ?? 0n) + (c.w ?? 0n);
}

/** `surplus-split`: L_i = F_B − floor(Δf/2); L_j = F_S + X + floor(Δf·(10^6 − ε) / (2·10^6)). */
export function surplusSplit(
  bid: bigint,
  ask: bigint,
  x: bigint,
  lossPpm: bigint,
  surplus: bigint,
): { buyer: bigint; seller: bigint } {
  return { buyer: bid - surplus / 2n, seller: ask + x + (surplus * (PPM - lossPpm)) / (2n * PPM) };
}

/** `paper-table`: buyer floor((F_B + F_S)/2); seller max(0, floor((3·F_S − F_B)/2)). */
export function paperTable(bid: bigint, ask: bigint): { buyer: bigint; seller: bigint } {
  const three = 3n * ask;
  return { buyer: (bid + ask) / 2n, seller: three > bid ? (three - bid) / 2n : 0n };
}

/** Token amount of `mwh` MWh at `p` token/kWh. */
export function amount(p: bigint, mwh: bigint): bigint {
  return p * mwh * KWH_PER_MWH;
}
