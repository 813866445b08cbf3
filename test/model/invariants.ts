/**
 * Invariants of docs/market-rules.md checked on any model state (listed in the report for test/PROPERTIES.md).
 * They recompute every total from the trade list, independently of the model's own bookkeeping.
 */
import { expect } from "chai";
import { BPS, tokenAmount } from "../../src/units";
import { convertedValue, corridorKey, settle, type Book, type MarketState, type Trade } from "./market-model";

const total = (xs: readonly bigint[]): bigint => xs.reduce((a, b) => a + b, 0n);
const mwhOf = (ts: readonly Trade[]): bigint => total(ts.map((t) => t.mwh));

function keyOfTrade(book: Book, t: Trade): string {
  const s = book.sellers.find((x) => x.id === t.seller)!;
  const b = book.buyers.find((x) => x.id === t.buyer)!;
  return corridorKey(s.region, b.region);
}

/** The tightest limit on a corridor (grid capacity, curtailment cap), or null if unlimited. */
function corridorLimit(state: MarketState, key: string): bigint | null {
  const c = state.book.corridors.find((x) => corridorKey(x.sellerRegion, x.buyerRegion) === key);
  const limits = [c?.capacity ?? null, state.curtailCaps.get(key) ?? null].filter((x): x is bigint => x !== null);
  return limits.length === 0 ? null : limits.reduce((a, b) => (a < b ? a : b));
}

export function checkQuantities(state: MarketState): void {
  const { book, trades } = state;
  trades.forEach((t, k) => {
    expect(t.tradeId, "trade ids count from 0").to.equal(k);
    expect(t.mwh >= 0n, `trade ${k} MWh ≥ 0`).to.equal(true);
  });
  for (const b of book.buyers) {
    const wind = mwhOf(trades.filter((t) => t.buyer === b.id && t.phase === 1));
    const thermal = mwhOf(trades.filter((t) => t.buyer === b.id && t.phase === 2));
    expect(wind + thermal <= b.quantity, `buyer ${b.id} filled above its quantity`).to.equal(true);
    expect(wind <= b.green, `buyer ${b.id} wind above its green demand`).to.equal(true);
  }
  for (const s of book.sellers) {
    const mine = trades.filter((t) => t.seller === s.id);
    expect(mwhOf(mine) <= s.quantity, `seller ${s.id} filled above its quantity`).to.equal(true);
    for (const t of mine) expect(t.phase, `seller ${s.id} phase`).to.equal(s.kind === "wind" ? 1 : 2);
  }
  const windTotal = mwhOf(trades.filter((t) => t.phase === 1));
  const thermalTotal = mwhOf(trades.filter((t) => t.phase === 2));
  expect(thermalTotal * BPS <= windTotal * book.round.bundlingBps, "thermal above the bundling cap").to.equal(true);
  for (const key of new Set(trades.map((t) => keyOfTrade(book, t)))) {
    const limit = corridorLimit(state, key);
    const use = mwhOf(trades.filter((t) => keyOfTrade(book, t) === key));
    if (limit !== null) expect(use <= limit, `corridor ${key} use ${use} above ${limit}`).to.equal(true);
  }
}

export function checkPrices(state: MarketState): void {
  const { book } = state;
  for (const t of state.trades) {
    const b = book.buyers.find((x) => x.id === t.buyer)!;
    const s = book.sellers.find((x) => x.id === t.seller)!;
    const q = convertedValue(book, b, s);
    expect(q !== null && q > 0n, `trade ${t.tradeId} needs grid parameters and q > 0`).to.equal(true);
    expect(t.buyerPrice >= t.sellerPrice, `trade ${t.tradeId}: grid receipt ≥ 0`).to.equal(true);
    if (book.pricing === "surplus-split") {
      const x = s.kind === "wind" ? book.round.windCertCost : book.round.thermalCertCost;
      expect(t.buyerPrice <= b.bid, `trade ${t.tradeId}: buyer price ≤ bid`).to.equal(true);
      expect(t.sellerPrice >= s.ask + x, `trade ${t.tradeId}: seller price ≥ ask + X`).to.equal(true);
    }
  }
}

export function checkSettlement(state: MarketState): void {
  const s = settle(state);
  const buyersPay = total(state.trades.map((t) => tokenAmount(t.buyerPrice, t.mwh)));
  const sellersGet = total([...s.sellers.values()]);
  expect(buyersPay, "budget balance: buyers pay = sellers + grid").to.equal(sellersGet + s.grid);
  let escrow = 0n;
  let refunds = 0n;
  for (const b of state.book.buyers) {
    const mine = s.buyers.get(b.id)!;
    const paid = total(state.trades.filter((t) => t.buyer === b.id).map((t) => tokenAmount(t.buyerPrice, t.mwh)));
    expect(mine.escrow, `buyer ${b.id} escrow`).to.equal(b.bid * b.quantity * 1000n);
    expect(mine.paid, `buyer ${b.id} paid`).to.equal(paid);
    expect(mine.paid + mine.refund, `buyer ${b.id}: payments + refund = escrow`).to.equal(mine.escrow);
    expect(mine.refund >= 0n, `buyer ${b.id}: refund ≥ 0`).to.equal(true);
    escrow += mine.escrow;
    refunds += mine.refund;
  }
  expect(escrow, "tokens conserved: escrow = sellers + grid + refunds").to.equal(sellersGet + s.grid + refunds);
}

/** Demand, supply and corridor room of a pair after matching, recomputed from the trades. */
function pairRoom(state: MarketState, buyerId: number, sellerId: number, phase: 1 | 2): boolean {
  const { book, trades } = state;
  const b = book.buyers.find((x) => x.id === buyerId)!;
  const s = book.sellers.find((x) => x.id === sellerId)!;
  const w = mwhOf(trades.filter((t) => t.buyer === b.id && t.phase === 1));
  const th = mwhOf(trades.filter((t) => t.buyer === b.id && t.phase === 2));
  const demand = phase === 1 ? (b.green - w < b.quantity - w - th ? b.green - w : b.quantity - w - th) : b.quantity - w - th;
  const supply = s.quantity - mwhOf(trades.filter((t) => t.seller === s.id));
  const key = corridorKey(s.region, b.region);
  const limit = corridorLimit(state, key);
  const use = mwhOf(trades.filter((t) => keyOfTrade(book, t) === key));
  return demand > 0n && supply > 0n && (limit === null || use < limit);
}

/** After matching, no pair of `phase` that could still trade has q > 0 (phase 2: unless the cap is used up). */
export function checkExhausted(state: MarketState, phase: 1 | 2): void {
  const { book, trades } = state;
  if (phase === 2) {
    const wind = mwhOf(trades.filter((t) => t.phase === 1));
    const thermal = mwhOf(trades.filter((t) => t.phase === 2));
    if ((wind * book.round.bundlingBps) / BPS - thermal <= 0n) return;
  }
  for (const b of book.buyers) {
    for (const s of book.sellers.filter((x) => x.kind === (phase === 1 ? "wind" : "thermal"))) {
      const q = convertedValue(book, b, s);
      if (q === null || !pairRoom(state, b.id, s.id, phase)) continue;
      expect(q <= 0n, `phase ${phase}: buyer ${b.id} and seller ${s.id} could still trade (q = ${q})`).to.equal(true);
    }
  }
}

/** In a fresh round each phase picks pairs in non-increasing q (the eligible set only shrinks). */
export function checkGreedyOrder(state: MarketState): void {
  const { book } = state;
  for (const phase of [1, 2] as const) {
    const qs = state.trades
      .filter((t) => t.phase === phase)
      .map((t) => convertedValue(book, book.buyers.find((b) => b.id === t.buyer)!, book.sellers.find((s) => s.id === t.seller)!)!);
    qs.forEach((q, k) => k > 0 && expect(q <= qs[k - 1]!, `phase ${phase} trade order by q`).to.equal(true));
  }
}

export function checkAll(state: MarketState): void {
  checkQuantities(state);
  checkPrices(state);
  checkSettlement(state);
  checkExhausted(state, 2);
}

/** What a pair could trade after `prefix` (min of demand, supply and corridor room), recomputed from the trades. */
function pairMwh(state: MarketState, prefix: readonly Trade[], buyerId: number, sellerId: number, phase: 1 | 2): bigint {
  const { book } = state;
  const b = book.buyers.find((x) => x.id === buyerId)!;
  const s = book.sellers.find((x) => x.id === sellerId)!;
  const w = mwhOf(prefix.filter((t) => t.buyer === b.id && t.phase === 1));
  const th = mwhOf(prefix.filter((t) => t.buyer === b.id && t.phase === 2));
  const key = corridorKey(s.region, b.region);
  const limit = corridorLimit(state, key);
  const room = limit === null ? null : limit - mwhOf(prefix.filter((t) => keyOfTrade(book, t) === key));
  const all = [phase === 1 ? b.green - w : b.quantity - w - th, b.quantity - w - th, s.quantity - mwhOf(prefix.filter((t) => t.seller === s.id))];
  return [...all, ...(room === null ? [] : [room])].reduce((a, x) => (x < a ? x : a));
}

const tieOrder = (a: { id: number; tie?: bigint }, b: { id: number; tie?: bigint }): number =>
  (a.tie ?? 0n) !== (b.tie ?? 0n) ? ((a.tie ?? 0n) < (b.tie ?? 0n) ? -1 : 1) : a.id - b.id;

/**
 * In a fresh round, each trade is what a scan of every (consumer, seller) pair finds at its step: the pair of
 * greatest q among those that can still trade (ties: lowest consumer tie rank and id, then seller), for min(demand,
 * supply, corridor room[, thermal cap room]) MWh. The model ranks pairs once per phase instead; this is the scan.
 */
export function checkEachTradeIsTheScansBest(state: MarketState): void {
  const { book, trades } = state;
  trades.forEach((trade, k) => {
    const prefix = trades.slice(0, k);
    const phase = trade.phase;
    let best: { b: number; s: number; q: bigint; mwh: bigint } | null = null;
    for (const b of [...book.buyers].sort(tieOrder)) {
      for (const s of [...book.sellers].sort(tieOrder).filter((x) => x.kind === (phase === 1 ? "wind" : "thermal"))) {
        const q = convertedValue(book, b, s);
        const mwh = pairMwh(state, prefix, b.id, s.id, phase);
        if (q !== null && q > 0n && mwh > 0n && (best === null || q > best.q)) best = { b: b.id, s: s.id, q, mwh };
      }
    }
    expect(best, `trade ${k}: some pair can trade`).to.not.equal(null);
    let mwh = best!.mwh;
    if (phase === 2) {
      const capRoom = (mwhOf(prefix.filter((t) => t.phase === 1)) * book.round.bundlingBps) / BPS - mwhOf(prefix.filter((t) => t.phase === 2));
      mwh = capRoom < mwh ? capRoom : mwh;
    }
    expect([trade.buyer, trade.seller, trade.mwh], `trade ${k}`).to.deep.equal([best!.b, best!.s, mwh]);
  });
}
