/**
 * An independent, deliberately plain reference model of docs/market-rules.md, for checking the contracts.
 *
 * Clarity over speed, within reason: every matching step recomputes every running total from the trade list, and a
 * phase ranks every (consumer, seller) pair once by the rule's order and takes the first that can still trade (fast
 * enough for 1,000 orders per side: scanning every pair at every step was not). Pure functions and bigint arithmetic
 * only; no I/O except `runCaseA`, a convenience for tests.
 */
import type { MarketData, PricingRule } from "../../src/data/types";
import path from "node:path";
import { AbiCoder, keccak256 } from "ethers";
import { loadMarket } from "../../src/data/load";
import { MarketRuleError } from "../../src/errors";
import { BPS, PPM, toNumber18, tokenAmount } from "../../src/units";

export type { PricingRule };

export interface Buyer {
  readonly id: number;
  readonly region: string;
  /** F_B, token/kWh × 10^18 */
  readonly bid: bigint;
  /** Q, MWh */
  readonly quantity: bigint;
  /** G, MWh, ≤ Q */
  readonly green: bigint;
  /** Tie rank (see `tieRank`; lower first among equal converted values); 0 when absent, leaving ties to the id. */
  readonly tie?: bigint;
  /** Tokens escrowed when listing (sealed listings: any amount ≥ F_B × Q × 1000); default F_B × Q × 1000. */
  readonly escrow?: bigint;
}

export interface Seller {
  readonly id: number;
  readonly kind: "wind" | "thermal";
  readonly region: string;
  /** F_S */
  readonly ask: bigint;
  readonly quantity: bigint;
  /** W = environmental + cross-subsidy price (0 for wind) */
  readonly w: bigint;
  /** Tie rank, as for buyers. */
  readonly tie?: bigint;
}

export interface Corridor {
  readonly sellerRegion: string;
  readonly buyerRegion: string;
  /** ε, ppm */
  readonly lossPpm: bigint;
  /** S */
  readonly transmission: bigint;
  /** MWh per round; null = unlimited */
  readonly capacity: bigint | null;
}

export interface RoundParams {
  readonly bundlingBps: bigint;
  readonly windCertCost: bigint;
  readonly thermalCertCost: bigint;
}

export interface Book {
  readonly buyers: readonly Buyer[];
  readonly sellers: readonly Seller[];
  readonly corridors: readonly Corridor[];
  readonly round: RoundParams;
  readonly pricing: PricingRule;
}

export interface Trade {
  /** Position in the trade list, from 0. */
  readonly tradeId: number;
  readonly buyer: number;
  readonly seller: number;
  readonly mwh: bigint;
  readonly buyerPrice: bigint;
  readonly sellerPrice: bigint;
  /** 1 = wind phase, 2 = thermal phase */
  readonly phase: 1 | 2;
}

export interface MarketState {
  readonly book: Book;
  readonly trades: readonly Trade[];
  /** Corridor caps set by curtailment ("seller->buyer" region key -> MWh), on top of the grid capacity. */
  readonly curtailCaps: ReadonlyMap<string, bigint>;
}

export interface Cut {
  readonly tradeId: number;
  readonly mwh: bigint;
}

// ---------------------------------------------------------------------------------------------------------------
// Arithmetic helpers

/** Floor division for bigint (the language's `/` truncates toward zero). */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}

export function ceilDiv(a: bigint, b: bigint): bigint {
  return -floorDiv(-a, b);
}

const min = (...xs: bigint[]): bigint => xs.reduce((m, x) => (x < m ? x : m));
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const sum = (xs: Iterable<bigint>): bigint => [...xs].reduce((s, x) => s + x, 0n);

export function corridorKey(sellerRegion: string, buyerRegion: string): string {
  return `${sellerRegion}->${buyerRegion}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Converted value and pricing (eq. 1–6 as corrected in docs/market-rules.md)

function findCorridor(book: Book, seller: Seller, buyer: Buyer): Corridor | undefined {
  return book.corridors.find((c) => c.sellerRegion === seller.region && c.buyerRegion === buyer.region);
}

function certCost(book: Book, seller: Seller): bigint {
  return seller.kind === "wind" ? book.round.windCertCost : book.round.thermalCertCost;
}

/** cost_j(r_b) = ceil((F_S + X) × 10^6 / (10^6 − ε)) + S + W */
export function deliveredCost(seller: Seller, corridor: Corridor, x: bigint): bigint {
  return ceilDiv((seller.ask + x) * PPM, PPM - corridor.lossPpm) + corridor.transmission + seller.w;
}

/** q_ij = F_B − cost_j(r_b); null when the region pair has no grid parameters. */
export function convertedValue(book: Book, buyer: Buyer, seller: Seller): bigint | null {
  const corridor = findCorridor(book, seller, buyer);
  if (corridor === undefined) return null;
  return buyer.bid - deliveredCost(seller, corridor, certCost(book, seller));
}

export function tradePrices(
  rule: PricingRule,
  buyer: Buyer,
  seller: Seller,
  corridor: Corridor,
  x: bigint,
  q: bigint,
): { buyerPrice: bigint; sellerPrice: bigint } {
  if (rule === "surplus-split") {
    return {
      buyerPrice: buyer.bid - floorDiv(q, 2n),
      sellerPrice: seller.ask + x + floorDiv(q * (PPM - corridor.lossPpm), 2n * PPM),
    };
  }
  return {
    buyerPrice: floorDiv(buyer.bid + seller.ask, 2n),
    sellerPrice: max(0n, floorDiv(3n * seller.ask - buyer.bid, 2n)),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Running totals, always recomputed from the trade list

interface Totals {
  windOf(buyerId: number): bigint;
  thermalOf(buyerId: number): bigint;
  soldBy(sellerId: number): bigint;
  corridorUse(key: string): bigint;
  windTotal: bigint;
  thermalTotal: bigint;
}

/** Adds `mwh` to `key`'s entry of a running sum. */
function add<K>(sums: Map<K, bigint>, key: K, mwh: bigint): void {
  sums.set(key, (sums.get(key) ?? 0n) + mwh);
}

/** Every running total, summed from the trade list in one pass. */
function totals(book: Book, trades: readonly Trade[]): Totals {
  const buyerRegion = new Map(book.buyers.map((b) => [b.id, b.region]));
  const sellerRegion = new Map(book.sellers.map((s) => [s.id, s.region]));
  const wind = new Map<number, bigint>();
  const thermal = new Map<number, bigint>();
  const sold = new Map<number, bigint>();
  const corridor = new Map<string, bigint>();
  for (const t of trades) {
    add(t.phase === 1 ? wind : thermal, t.buyer, t.mwh);
    add(sold, t.seller, t.mwh);
    add(corridor, corridorKey(sellerRegion.get(t.seller)!, buyerRegion.get(t.buyer)!), t.mwh);
  }
  return {
    windOf: (id) => wind.get(id) ?? 0n,
    thermalOf: (id) => thermal.get(id) ?? 0n,
    soldBy: (id) => sold.get(id) ?? 0n,
    corridorUse: (key) => corridor.get(key) ?? 0n,
    windTotal: sum(trades.filter((t) => t.phase === 1).map((t) => t.mwh)),
    thermalTotal: sum(trades.filter((t) => t.phase === 2).map((t) => t.mwh)),
  };
}

/** floor(windTotal × ratio / 10000) − thermalTotal (may be negative after curtailment, before trimming). */
function thermalCapRoom(book: Book, tot: Totals): bigint {
  return floorDiv(tot.windTotal * book.round.bundlingBps, BPS) - tot.thermalTotal;
}

/** Remaining room of a corridor, or null for unlimited. */
function corridorRoom(corridor: Corridor, caps: ReadonlyMap<string, bigint>, tot: Totals): bigint | null {
  const key = corridorKey(corridor.sellerRegion, corridor.buyerRegion);
  const limits = [corridor.capacity, caps.get(key) ?? null].filter((c): c is bigint => c !== null);
  return limits.length === 0 ? null : min(...limits) - tot.corridorUse(key);
}

// ---------------------------------------------------------------------------------------------------------------
// Matching

interface Candidate {
  buyer: Buyer;
  seller: Seller;
  corridor: Corridor;
  q: bigint;
}

/**
 * The tie rank of a sealed order: the low 64 bits of keccak256(abi.encode(tieSeed, commitment)), where tieSeed is the
 * XOR of every revealed salt of the round. Neither depends on order ids or on the sequence of transactions.
 */
export function tieRank(tieSeed: string, commitment: string): bigint {
  const hash = keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "bytes32"], [tieSeed, commitment]));
  return BigInt(hash) & ((1n << 64n) - 1n);
}

/** The XOR of the revealed salts (32-byte hex), as a 32-byte hex string. */
export function tieSeed(salts: readonly string[]): string {
  const x = salts.reduce((acc, s) => acc ^ BigInt(s), 0n);
  return "0x" + x.toString(16).padStart(64, "0");
}

/** Lower first: tie rank, then id (the id decides only between equal ranks, a 2^-64 event for sealed orders). */
function byTie(a: { id: number; tie?: bigint }, b: { id: number; tie?: bigint }): number {
  const ta = a.tie ?? 0n;
  const tb = b.tie ?? 0n;
  return ta !== tb ? (ta < tb ? -1 : 1) : a.id - b.id;
}

/**
 * Every pair of the phase that has grid parameters and q > 0 (no other pair ever trades), in the rule's order: greatest
 * q, then the lowest consumer (tie rank, id), then the lowest seller (tie rank, id).
 */
function rankedPairs(book: Book, phase: 1 | 2): Candidate[] {
  const corridors = new Map(book.corridors.map((c) => [corridorKey(c.sellerRegion, c.buyerRegion), c]));
  const sellers = book.sellers.filter((s) => s.kind === (phase === 1 ? "wind" : "thermal"));
  const pairs: Candidate[] = [];
  for (const buyer of book.buyers) {
    for (const seller of sellers) {
      const corridor = corridors.get(corridorKey(seller.region, buyer.region));
      if (corridor === undefined) continue;
      const q = buyer.bid - deliveredCost(seller, corridor, certCost(book, seller));
      if (q > 0n) pairs.push({ buyer, seller, corridor, q });
    }
  }
  return pairs.sort((a, b) => (a.q !== b.q ? (a.q > b.q ? -1 : 1) : byTie(a.buyer, b.buyer) || byTie(a.seller, b.seller)));
}

/** What a pair could trade now: min(demand, supply, corridor room) MWh (≤ 0 when it cannot trade). */
function tradableMwh(pair: Candidate, caps: ReadonlyMap<string, bigint>, tot: Totals, phase: 1 | 2): bigint {
  const w = tot.windOf(pair.buyer.id);
  const t = tot.thermalOf(pair.buyer.id);
  const demand = phase === 1 ? min(pair.buyer.green - w, pair.buyer.quantity - w - t) : pair.buyer.quantity - w - t;
  const supply = pair.seller.quantity - tot.soldBy(pair.seller.id);
  const room = corridorRoom(pair.corridor, caps, tot);
  return room === null ? min(demand, supply) : min(demand, supply, room);
}

/**
 * Runs one phase to exhaustion, appending trades to `trades`: each step trades the best pair that can still trade.
 * Within a phase trades only lower demand, supply and corridor room, so a pair that cannot trade never can again
 * this phase: each step resumes the ranked list where the previous one stopped.
 */
function runPhase(book: Book, trades: Trade[], caps: ReadonlyMap<string, bigint>, phase: 1 | 2): void {
  const pairs = rankedPairs(book, phase);
  let next = 0;
  for (;;) {
    const tot = totals(book, trades);
    while (next < pairs.length && tradableMwh(pairs[next]!, caps, tot, phase) <= 0n) next++;
    const best = pairs[next];
    if (best === undefined) return;
    let mwh = tradableMwh(best, caps, tot, phase);
    if (phase === 2) {
      const capRoom = thermalCapRoom(book, tot);
      if (capRoom <= 0n) return;
      mwh = min(mwh, capRoom);
    }
    const prices = tradePrices(book.pricing, best.buyer, best.seller, best.corridor, certCost(book, best.seller), best.q);
    trades.push({ tradeId: trades.length, buyer: best.buyer.id, seller: best.seller.id, mwh, phase, ...prices });
  }
}

/** Trims the most recent thermal trades (latest first) until thermal total ≤ the bundling cap. */
function trimThermal(book: Book, trades: Trade[]): void {
  let excess = -thermalCapRoom(book, totals(book, trades));
  for (let k = trades.length - 1; k >= 0 && excess > 0n; k--) {
    const t = trades[k]!;
    if (t.phase !== 2 || t.mwh === 0n) continue;
    const cut = min(excess, t.mwh);
    trades[k] = { ...t, mwh: t.mwh - cut };
    excess -= cut;
  }
}

function rematch(book: Book, trades: readonly Trade[], caps: ReadonlyMap<string, bigint>): MarketState {
  const next = [...trades];
  runPhase(book, next, caps, 1);
  trimThermal(book, next);
  runPhase(book, next, caps, 2);
  return { book, trades: next, curtailCaps: caps };
}

/** Matches a fresh round: phase 1 (wind), then phase 2 (thermal). */
export function matchRound(book: Book): MarketState {
  return rematch(book, [], new Map());
}

/**
 * The dispatch centre curtails trades: each cut reduces its trade, and the corridor of every cut trade is capped at
 * its use after the cuts; then matching runs again (phase 1, trim thermal to the cap, phase 2).
 */
export function curtail(state: MarketState, cuts: readonly Cut[]): MarketState {
  const { book } = state;
  const trades = [...state.trades];
  const touched = new Set<string>();
  for (const cut of cuts) {
    const t = trades[cut.tradeId];
    if (t === undefined) throw new MarketRuleError(`no trade ${cut.tradeId}`);
    if (cut.mwh < 1n || cut.mwh > t.mwh) {
      throw new MarketRuleError(`cut of ${cut.mwh} MWh on trade ${cut.tradeId} outside 1..${t.mwh}`);
    }
    trades[cut.tradeId] = { ...t, mwh: t.mwh - cut.mwh };
    const seller = book.sellers.find((s) => s.id === t.seller)!;
    const buyer = book.buyers.find((b) => b.id === t.buyer)!;
    touched.add(corridorKey(seller.region, buyer.region));
  }
  const tot = totals(book, trades);
  const caps = new Map(state.curtailCaps);
  for (const key of touched) caps.set(key, tot.corridorUse(key));
  return rematch(book, trades, caps);
}

/**
 * Sealed listings: only revealed orders take part in matching. An order left unrevealed (or whose reveal was refused)
 * is out of the book; its whole escrow goes back to its owner (`refundUnrevealed`, or settlement's refunds).
 */
export function revealedBook(book: Book, revealed: ReadonlySet<number>): Book {
  return { ...book, buyers: book.buyers.filter((b) => revealed.has(b.id)), sellers: book.sellers.filter((s) => revealed.has(s.id)) };
}

// ---------------------------------------------------------------------------------------------------------------
// Settlement (TRANS)

export interface TradeSettlement {
  readonly tradeId: number;
  readonly buyerPays: bigint;
  readonly sellerReceives: bigint;
  readonly gridReceives: bigint;
}

export interface BuyerSettlement {
  /** Locked at listing: F_B × Q × 1000, or what a sealed listing escrowed */
  readonly escrow: bigint;
  readonly paid: bigint;
  /** escrow − paid, returned after the trades settle */
  readonly refund: bigint;
}

export interface Settlement {
  readonly trades: readonly TradeSettlement[];
  readonly buyers: ReadonlyMap<number, BuyerSettlement>;
  readonly sellers: ReadonlyMap<number, bigint>;
  readonly grid: bigint;
}

export function settle(state: MarketState): Settlement {
  const trades = state.trades.map((t) => {
    const buyerPays = tokenAmount(t.buyerPrice, t.mwh);
    const sellerReceives = tokenAmount(t.sellerPrice, t.mwh);
    return { tradeId: t.tradeId, buyerPays, sellerReceives, gridReceives: buyerPays - sellerReceives };
  });
  const paidBy = (id: number): bigint =>
    sum(trades.filter((_, k) => state.trades[k]!.buyer === id).map((s) => s.buyerPays));
  const buyers = new Map<number, BuyerSettlement>();
  for (const b of state.book.buyers) {
    const escrow = b.escrow ?? tokenAmount(b.bid, b.quantity);
    const paid = paidBy(b.id);
    buyers.set(b.id, { escrow, paid, refund: escrow - paid });
  }
  const sellers = new Map<number, bigint>();
  for (const s of state.book.sellers) {
    sellers.set(s.id, sum(trades.filter((_, k) => state.trades[k]!.seller === s.id).map((x) => x.sellerReceives)));
  }
  return { trades, buyers, sellers, grid: sum(trades.map((s) => s.gridReceives)) };
}

/**
 * A round the trading centre cancelled (before the dispatch centre approved it): whatever matching found, no trade
 * settles, every consumer gets its escrow back in full, sellers and the grid company receive nothing.
 */
export function settleCancelled(book: Book): Settlement {
  const buyers = new Map<number, BuyerSettlement>();
  for (const b of book.buyers) {
    const escrow = b.escrow ?? tokenAmount(b.bid, b.quantity);
    buyers.set(b.id, { escrow, paid: 0n, refund: escrow });
  }
  return { trades: [], buyers, sellers: new Map(book.sellers.map((s) => [s.id, 0n])), grid: 0n };
}

// ---------------------------------------------------------------------------------------------------------------
// From market data files to a book, and the paper's Case A

export function bookFromMarket(market: MarketData, pricing: PricingRule = market.round.pricing): Book {
  return {
    buyers: market.consumers.map((c) => ({
      id: c.orderId,
      region: c.region,
      bid: c.bidPrice,
      quantity: c.quantityMwh,
      green: c.windDemandMwh,
    })),
    sellers: [
      ...market.wind.map((s) => ({ id: s.orderId, kind: "wind" as const, region: s.region, ask: s.askPrice, quantity: s.quantityMwh, w: 0n })),
      ...market.thermal.map((s) => ({
        id: s.orderId,
        kind: "thermal" as const,
        region: s.region,
        ask: s.askPrice,
        quantity: s.quantityMwh,
        w: s.envPrice + s.subsidyPrice,
      })),
    ],
    corridors: market.grid.map((g) => ({
      sellerRegion: g.sellerRegion,
      buyerRegion: g.buyerRegion,
      lossPpm: g.lossPpm,
      transmission: g.transmissionPrice,
      capacity: g.capacityMwh,
    })),
    round: {
      bundlingBps: market.round.bundlingRatioBps,
      windCertCost: market.round.windCertCost,
      thermalCertCost: market.round.thermalCertCost,
    },
    pricing,
  };
}

/** One matched pair in the shape of the replay's `--out` JSON (names, plain numbers). */
export interface NamedMatch {
  readonly buyer: string;
  readonly seller: string;
  readonly mwh: number;
  readonly buyerPrice: number;
  readonly sellerPrice: number;
}

export interface MarketRun {
  readonly market: MarketData;
  readonly state: MarketState;
  readonly settlement: Settlement;
  readonly matches: readonly NamedMatch[];
}

/** Matches a loaded market (approved without curtailment) and settles it. */
export function runMarket(market: MarketData, pricing: PricingRule = market.round.pricing): MarketRun {
  const state = matchRound(bookFromMarket(market, pricing));
  const name = (id: number): string => market.orders[id - 1]!.name;
  const matches = state.trades.map((t) => ({
    buyer: name(t.buyer),
    seller: name(t.seller),
    mwh: Number(t.mwh),
    buyerPrice: toNumber18(t.buyerPrice),
    sellerPrice: toNumber18(t.sellerPrice),
  }));
  return { market, state, settlement: settle(state), matches };
}

export const CASE_A_DIR = path.resolve(__dirname, "..", "..", "data", "case-a");

/** The paper's Case A from data/case-a (or `dir`). */
export function runCaseA(pricing: PricingRule = "surplus-split", dir = CASE_A_DIR): MarketRun {
  return runMarket(loadMarket(dir), pricing);
}
