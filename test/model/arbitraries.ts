/** Random books for model property tests: small, with coarse prices (ties) and wei-level prices (rounding). */
import fc from "fast-check";
import { WAD } from "../../src/units";
import type { Book, Buyer, Corridor, Cut, MarketState, RoundParams, Seller } from "./market-model";

export const REGIONS = ["A", "B", "C"] as const;

/** A price in [lo, hi] tokens/kWh: either a multiple of 0.1 (to provoke ties) or any wei value. */
function price(lo: number, hi: number): fc.Arbitrary<bigint> {
  return fc.oneof(
    fc.integer({ min: lo * 10, max: hi * 10 }).map((n) => (BigInt(n) * WAD) / 10n),
    fc.bigInt({ min: BigInt(lo) * WAD, max: BigInt(hi) * WAD }),
  );
}

const region = fc.constantFrom(...REGIONS);
const mwh = fc.bigInt({ min: 1n, max: 40n });

const buyerArb = fc
  .record({ region, bid: price(3, 7), quantity: mwh, greenPct: fc.integer({ min: 0, max: 100 }) })
  .map(({ greenPct, quantity, ...rest }) => ({ ...rest, quantity, green: (quantity * BigInt(greenPct)) / 100n }));

const sellerArb = fc
  .record({ kind: fc.constantFrom("wind" as const, "thermal" as const), region, ask: price(1, 5), quantity: mwh, w: price(0, 1) })
  .map((s) => ({ ...s, w: s.kind === "wind" ? 0n : s.w / 2n }));

const corridorParams = fc.record({
  lossPpm: fc.oneof(fc.constantFrom(0n, 20_000n, 65_000n), fc.bigInt({ min: 0n, max: 300_000n })),
  transmission: price(0, 1),
  capacity: fc.option(fc.bigInt({ min: 0n, max: 60n }), { freq: 2 }),
});

const corridorsArb: fc.Arbitrary<Corridor[]> = fc
  .array(fc.option(corridorParams, { freq: 4 }), { minLength: 9, maxLength: 9 })
  .map((params) =>
    params.flatMap((c, k) =>
      c === null ? [] : [{ sellerRegion: REGIONS[Math.floor(k / 3)]!, buyerRegion: REGIONS[k % 3]!, ...c }],
    ),
  );

const roundArb: fc.Arbitrary<RoundParams> = fc.record({
  bundlingBps: fc.oneof(fc.constantFrom(0n, 10_000n, 30_000n), fc.bigInt({ min: 0n, max: 40_000n })),
  windCertCost: fc.oneof(fc.constant(0n), price(0, 1)),
  thermalCertCost: fc.oneof(fc.constant(0n), price(0, 1)),
});

/** Consumers get ids 1..m, sellers m+1..m+n, as if listed in that order. */
export const bookArb: fc.Arbitrary<Book> = fc
  .record({
    buyers: fc.array(buyerArb, { minLength: 1, maxLength: 5 }),
    sellers: fc.array(sellerArb, { minLength: 1, maxLength: 6 }),
    corridors: corridorsArb,
    round: roundArb,
    pricing: fc.constantFrom("surplus-split" as const, "paper-table" as const),
  })
  .map(({ buyers, sellers, ...rest }) => ({
    ...rest,
    buyers: buyers.map((b, k): Buyer => ({ id: k + 1, ...b })),
    sellers: sellers.map((s, k): Seller => ({ id: buyers.length + k + 1, ...s })),
  }));

/** Abstract curtailment requests, resolved against a state's live trades by `resolveCuts`. */
export const cutPlanArb = fc.array(fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 3 }), {
  maxLength: 3,
});

/** Turns (pick, amount) pairs into valid cuts on trades that still carry MWh (several cuts may hit one trade). */
export function resolveCuts(state: MarketState, picks: readonly (readonly [number, number])[]): Cut[] {
  const left = new Map(state.trades.map((t) => [t.tradeId, t.mwh]));
  const cuts: Cut[] = [];
  for (const [pick, amount] of picks) {
    const live = [...left].filter(([, m]) => m > 0n);
    if (live.length === 0) break;
    const [tradeId, m] = live[pick % live.length]!;
    const cut = 1n + (BigInt(amount) % m);
    left.set(tradeId, m - cut);
    cuts.push({ tradeId, mwh: cut });
  }
  return cuts;
}
