import type { Signer } from "ethers";
import type { PricingRule } from "../data";
import type { TxOptions } from "../submitters";
import { send, type MarketClient } from "./client";
import { eventArg } from "./events";

/** What the trading centre fixes for a round (IDPLCMarket.RoundConfig), the pricing rule by name. */
export interface RoundSettings {
  readonly deadline: number;
  readonly bundlingRatioBps: bigint;
  readonly windCertCost: bigint;
  readonly thermalCertCost: bigint;
  readonly pricing: PricingRule;
  /** Smallest order quantity in whole MWh (default 1). */
  readonly minOrderMwh?: bigint;
  /** Length of the reveal window after the deadline, in seconds (default 1 hour; the market allows 10 minutes to 7 days). */
  readonly revealSeconds?: number;
}

/** The reveal window a round gets unless its settings say otherwise. */
export const DEFAULT_REVEAL_SECONDS = 3_600;

/** The trading centre opens a round; returns its id. */
export async function openRound(client: MarketClient, tradingCentre: Signer, r: RoundSettings, options?: TxOptions): Promise<bigint> {
  const { sys } = client;
  const pricing = await sys.pricing[r.pricing].getAddress();
  const receipt = await send(client, tradingCentre, sys.market.openRound.populateTransaction({
    ...r,
    pricing,
    minOrderMwh: r.minOrderMwh ?? 1n,
    revealSeconds: r.revealSeconds ?? DEFAULT_REVEAL_SECONDS,
  }), options);
  return eventArg(sys.market, receipt, "MarketRoundOpened", "roundId") as bigint;
}
