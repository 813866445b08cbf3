import fc from "fast-check";
import { ethers } from "hardhat";
import type { Signer, Wallet } from "ethers";
import type { DPLCMarket } from "../../typechain-types";
import type { MarketSystem } from "../../src/chain/deploy";
import { code32, KIND_CODE, participantWallet } from "../../src/chain/participants";
import { setBalance } from "../../src/chain/devnet";
import type { Cut, MarketState } from "../model/market-model";

/** Helpers shared by the market property tests (test/PROPERTIES.md). */

/** A price in token/kWh × 10^18, drawn in steps of 0.001 from [lo, hi]. */
export const priceArb = (lo: number, hi: number) => fc.integer({ min: lo * 1000, max: hi * 1000 }).map((m) => BigInt(m) * 10n ** 15n);

/** Registers and approves a participant with gas money; a consumer also gets tokens and lets the market take them. */
export async function registerParticipant(
  sys: MarketSystem,
  p: { readonly name: string; readonly kind: "consumer" | "wind" | "thermal"; readonly region: string },
  tradingCentre: Signer,
  cashier: Signer,
): Promise<Wallet> {
  const w = participantWallet(p.name, ethers.provider);
  await setBalance(ethers.provider, w.address, 10n ** 24n);
  await sys.registry.connect(w).Regis(KIND_CODE[p.kind], code32(p.region), code32(p.name));
  await sys.registry.connect(tradingCentre).approve(w.address);
  if (p.kind === "consumer") {
    await sys.token.connect(cashier).deposit(w.address, 10n ** 30n, ethers.id(p.name));
    await sys.token.connect(w).approve(await sys.market.getAddress(), ethers.MaxUint256);
  }
  return w;
}

/** The shape both the chain's and the model's trades are compared in. */
export interface ComparableTrade {
  readonly buyer: number;
  readonly seller: number;
  readonly mwh: bigint;
  readonly phase: number;
  readonly buyerPrice: bigint;
  readonly sellerPrice: bigint;
}

/** Every trade of a round as the market stores it. */
export async function chainTrades(market: DPLCMarket, roundId: bigint): Promise<ComparableTrade[]> {
  const n = Number((await market.round(roundId)).tradeCount);
  const out: ComparableTrade[] = [];
  for (let i = 0; i < n; i++) {
    const t = await market.trade(roundId, i);
    out.push({ buyer: Number(t.buyerOrderId), seller: Number(t.sellerOrderId), mwh: t.mwh, phase: t.thermal ? 2 : 1, buyerPrice: t.buyerPrice, sellerPrice: t.sellerPrice });
  }
  return out;
}

/** The reference model's trades in the same shape. */
export function modelTrades(state: MarketState): ComparableTrade[] {
  return state.trades.map((t) => ({ buyer: t.buyer, seller: t.seller, mwh: t.mwh, phase: t.phase, buyerPrice: t.buyerPrice, sellerPrice: t.sellerPrice }));
}

/** Valid cuts derived from random numbers and the current trades (zero-MWh trades cannot be cut). */
export function pickCuts(state: MarketState, raw: readonly [number, number][]): Cut[] {
  const live = state.trades.filter((t) => t.mwh > 0n);
  const cuts = new Map<number, bigint>();
  for (const [a, b] of raw) {
    if (live.length === 0) break;
    const t = live[a % live.length]!;
    if (!cuts.has(t.tradeId)) cuts.set(t.tradeId, 1n + (BigInt(b) % t.mwh));
  }
  return [...cuts].map(([tradeId, mwh]) => ({ tradeId, mwh }));
}
