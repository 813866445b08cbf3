import { MarketRuleError } from "../errors";
import type { MarketClient } from "./client";

/** IDPLCMarket.RoundState */
export const RoundState = { None: 0n, Open: 1n, Matched: 2n, Settling: 3n, Closed: 4n, Cancelled: 5n } as const;

const STATES = ["none", "open", "matched", "settling", "closed", "cancelled"] as const;

/** A round's state in plain words and numbers (default: the current round). A round never opened is an error. */
export async function roundStatus(client: MarketClient, roundId?: bigint) {
  const market = client.sys.market;
  const latest = await market.currentRound();
  const id = roundId ?? latest;
  if (latest === 0n) throw new MarketRuleError("no round has been opened yet");
  if (id < 1n || id > latest) throw new MarketRuleError(`round ${id} does not exist (rounds are 1 to ${latest})`);
  const v = await market.round(id);
  const state = STATES[Number(v.state)]!;
  return {
    roundId: Number(id),
    state: state === "open" ? (v.listing ? "listing" : v.revealing ? "revealing" : "matching") : state,
    deadline: Number(v.deadline),
    revealDeadline: Number(v.revealDeadline),
    orders: Number(v.endOrderId - v.firstOrderId),
    trades: Number(v.tradeCount),
    settledTrades: Number(v.settledTrades),
    windMwh: Number(v.windTotalMwh),
    thermalMwh: Number(v.thermalTotalMwh),
    bundlingRatioBps: Number(v.bundlingRatioBps),
    minOrderMwh: Number(v.minOrderMwh),
  };
}
