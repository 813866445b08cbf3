/**
 * What the dashboard reads of the main chain's market: a round's status, its orders and matches, named by the
 * registration codes participants registered with. Plain JSON numbers (MWh, token/kWh, tokens), like `--out`.
 */
import { decodeBytes32String, getAddress } from "ethers";
import { marketClient, roundStatus } from "../../src/actions";
import type { MarketSystem } from "../../src/chain/deploy";
import { toNumber18, tokenAmount } from "../../src/units";

export type OrderKind = "consumer" | "wind" | "thermal";
const KINDS: Record<number, OrderKind> = { 1: "consumer", 2: "wind", 3: "thermal" };

export interface OrderView {
  orderId: number;
  kind: OrderKind;
  name: string;
  owner: string;
  quantityMwh: number;
  /** Bid (consumers) or ask (generators), token/kWh. */
  price: number;
  greenDemandMwh: number;
  filledMwh: number;
  active: boolean;
  /** Tokens the market still holds for this order (consumers). */
  escrow: number;
}

export interface MatchView {
  tradeId: number;
  group: "wind" | "thermal";
  buyer: string;
  seller: string;
  mwh: number;
  buyerPrice: number;
  sellerPrice: number;
  settled: boolean;
  /** MWh the dispatch centre took off this trade (blocking management); `mwh` is what is left. */
  curtailedMwh: number;
}

export type RoundStatus = Awaited<ReturnType<typeof roundStatus>>;

/** One round as the chain holds it; `null` when no round was ever opened. */
export interface RoundSnapshot {
  status: RoundStatus;
  orders: OrderView[];
  matches: MatchView[];
  /** Per participant name, then "grid": MWh traded and tokens paid or received (exact sums, then rounded). */
  totals: Record<string, { mwh: number; tokens: number }>;
}

/** Registration codes by owner, read once per address (codes never change for an approved participant). */
export class Names {
  private readonly cache = new Map<string, Promise<string>>();
  constructor(private readonly sys: MarketSystem) {}

  of(owner: string): Promise<string> {
    const key = getAddress(owner);
    let name = this.cache.get(key);
    if (name === undefined) {
      name = this.sys.registry.participant(key).then((p) => decodeBytes32String(p.code));
      this.cache.set(key, name);
    }
    return name;
  }
}

/** Reads the current round (or `roundId`) with its orders and matches; null before the first round. */
export async function readRound(sys: MarketSystem, names: Names, roundId?: number): Promise<RoundSnapshot | null> {
  if ((await sys.market.currentRound()) === 0n) return null;
  const status = await roundStatus(marketClient(sys), roundId === undefined ? undefined : BigInt(roundId));
  const view = await sys.market.round(status.roundId);
  const orders: OrderView[] = [];
  for (let id = view.firstOrderId; id < view.endOrderId; id++) {
    const o = await sys.market.order(id);
    orders.push({
      orderId: Number(id),
      kind: KINDS[Number(o.kind)]!,
      name: await names.of(o.owner),
      owner: getAddress(o.owner),
      quantityMwh: Number(o.quantityMwh),
      price: toNumber18(o.price),
      greenDemandMwh: Number(o.greenDemandMwh),
      filledMwh: Number(o.windFilledMwh + o.thermalFilledMwh),
      active: o.active,
      escrow: toNumber18(o.escrow),
    });
  }
  const byId = new Map(orders.map((o) => [o.orderId, o]));
  const matches: MatchView[] = [];
  const sums = new Sums();
  const curtailed = await curtailments(sys, BigInt(status.roundId));
  for (let i = 0; i < status.trades; i++) {
    const t = await sys.market.trade(status.roundId, i);
    // A trade curtailed to nothing stays in the table (0 MWh left); one that never carried any is not a match.
    if (t.mwh === 0n && !curtailed.has(i)) continue;
    const buyer = byId.get(Number(t.buyerOrderId))!.name;
    const seller = byId.get(Number(t.sellerOrderId))!.name;
    sums.add(buyer, t.mwh, tokenAmount(t.buyerPrice, t.mwh));
    sums.add(seller, t.mwh, tokenAmount(t.sellerPrice, t.mwh));
    sums.add("grid", t.mwh, tokenAmount(t.buyerPrice, t.mwh) - tokenAmount(t.sellerPrice, t.mwh));
    matches.push({
      tradeId: i,
      group: t.thermal ? "thermal" : "wind",
      buyer,
      seller,
      mwh: Number(t.mwh),
      buyerPrice: toNumber18(t.buyerPrice),
      sellerPrice: toNumber18(t.sellerPrice),
      settled: i < status.settledTrades,
      curtailedMwh: curtailed.get(i) ?? 0,
    });
  }
  return { status, orders, matches, totals: sums.json() };
}

/** MWh curtailed per trade id of the round, from the market's `MarketTradeCurtailed` events. */
async function curtailments(sys: MarketSystem, roundId: bigint): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const e of await sys.market.queryFilter(sys.market.filters.MarketTradeCurtailed(roundId))) {
    const id = Number(e.args.tradeId);
    out.set(id, (out.get(id) ?? 0) + Number(e.args.curtailedMwh));
  }
  return out;
}

/** Exact per-name sums of MWh and token units, turned into plain numbers once at the end. */
class Sums {
  private readonly m = new Map<string, { mwh: bigint; tokens: bigint }>();
  add(name: string, mwh: bigint, tokens: bigint): void {
    const t = this.m.get(name) ?? { mwh: 0n, tokens: 0n };
    this.m.set(name, { mwh: t.mwh + mwh, tokens: t.tokens + tokens });
  }
  json(): Record<string, { mwh: number; tokens: number }> {
    const out: Record<string, { mwh: number; tokens: number }> = {};
    const names = [...this.m.keys()].filter((n) => n !== "grid");
    for (const name of [...names, ...(this.m.has("grid") ? ["grid"] : [])]) {
      const t = this.m.get(name)!;
      out[name] = { mwh: Number(t.mwh), tokens: toNumber18(t.tokens) };
    }
    return out;
  }
}
