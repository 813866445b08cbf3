/**
 * Table 5 against a replay, pair by pair. Pure: it compares and never adjusts; which rows agree, and how closely,
 * comes from the data alone.
 */
import type { TradeRecord } from "../replay/result";
import type { PaperMatch } from "./tables";

export interface ReplayFigures {
  readonly mwh: bigint;
  readonly buyerPrice: bigint;
  readonly sellerPrice: bigint;
}

export type Verdict = "reproduced" | "same MWh, other prices" | "differs" | "not traded";

/** An earlier row whose figures a row prints again: its prices, or its MWh and its prices. */
export interface Repeat {
  readonly group: number;
  readonly what: "prices" | "MWh and prices";
}

/**
 * Half a unit of the printed third decimal (18-decimal token/kWh): a price printed as 4.534 stands for any value
 * within this of it, so a replay price that close is the printed one.
 */
export const PRINTED_HALF_UNIT = 5n * 10n ** 14n;

export interface ComparedRow {
  readonly paper: PaperMatch;
  /** The replay's trade of the same buyer and seller (summed if it traded in several steps). */
  readonly replay: ReplayFigures | undefined;
  /** The earlier row whose figures this row prints again, if any. */
  readonly repeats: Repeat | undefined;
  readonly verdict: Verdict;
}

export interface Table5Comparison {
  readonly rows: ComparedRow[];
  /** Pairs the replay traded that the table does not print. */
  readonly unprinted: { readonly buyer: string; readonly seller: string; readonly figures: ReplayFigures }[];
  /** Largest |replay − paper| of a price among rows with the same MWh (18-decimal token/kWh). */
  readonly maxPriceGap: bigint;
}

const key = (buyer: string, seller: string) => `${buyer}\u0000${seller}`;

/** The replay's figures per (buyer, seller): MWh summed; prices are the pair's (one price per pair and round). */
function byPair(trades: readonly TradeRecord[]): Map<string, ReplayFigures & { buyer: string; seller: string }> {
  const pairs = new Map<string, ReplayFigures & { buyer: string; seller: string }>();
  for (const t of trades) {
    if (t.mwh === 0n) continue;
    const k = key(t.buyer.name, t.seller.name);
    const seen = pairs.get(k);
    pairs.set(k, {
      buyer: t.buyer.name,
      seller: t.seller.name,
      mwh: (seen?.mwh ?? 0n) + t.mwh,
      buyerPrice: t.buyerPrice,
      sellerPrice: t.sellerPrice,
    });
  }
  return pairs;
}

function verdictOf(p: PaperMatch, r: ReplayFigures | undefined): Verdict {
  if (r === undefined) return "not traded";
  if (r.mwh !== p.mwh) return "differs";
  const within = abs(r.buyerPrice - p.buyerPrice) <= PRINTED_HALF_UNIT && abs(r.sellerPrice - p.sellerPrice) <= PRINTED_HALF_UNIT;
  return within ? "reproduced" : "same MWh, other prices";
}

function repeatedRow(rows: readonly PaperMatch[], k: number): Repeat | undefined {
  const p = rows[k]!;
  const earlier = rows.slice(0, k).find((q) => q.buyerPrice === p.buyerPrice && q.sellerPrice === p.sellerPrice);
  if (earlier === undefined) return undefined;
  return { group: earlier.group, what: earlier.mwh === p.mwh ? "MWh and prices" : "prices" };
}

const abs = (x: bigint) => (x < 0n ? -x : x);

export function compareTable5(paper: readonly PaperMatch[], trades: readonly TradeRecord[]): Table5Comparison {
  const pairs = byPair(trades);
  let maxPriceGap = 0n;
  const rows = paper.map((p, k): ComparedRow => {
    const replay = pairs.get(key(p.buyer, p.seller));
    if (replay !== undefined && replay.mwh === p.mwh) {
      const gap = [abs(replay.buyerPrice - p.buyerPrice), abs(replay.sellerPrice - p.sellerPrice)];
      for (const g of gap) if (g > maxPriceGap) maxPriceGap = g;
    }
    return { paper: p, replay, repeats: repeatedRow(paper, k), verdict: verdictOf(p, replay) };
  });
  const printed = new Set(paper.map((p) => key(p.buyer, p.seller)));
  const unprinted = [...pairs.values()]
    .filter((r) => !printed.has(key(r.buyer, r.seller)))
    .map((r) => ({ buyer: r.buyer, seller: r.seller, figures: { mwh: r.mwh, buyerPrice: r.buyerPrice, sellerPrice: r.sellerPrice } }));
  return { rows, unprinted, maxPriceGap };
}
