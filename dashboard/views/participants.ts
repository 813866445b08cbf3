/** The participants of a round: balances, escrow, what they traded and paid, and their green quota. */
import { getAddress } from "ethers";
import type { MarketSystem } from "../../src/chain/deploy";
import { toNumber18 } from "../../src/units";
import type { Viewer } from "./access";
import type { OrderKind, RoundSnapshot } from "./market";

export interface ParticipantView {
  name: string;
  address: string;
  kind: OrderKind;
  /** DPLC tokens held. */
  balance: number;
  escrow: number;
  mwh: number;
  /** Paid (consumers) or received (generators). */
  tokens: number;
  /** Consumers: the green quota, percent of the MWh bought (the registry's ratio). */
  greenQuotaPct: number | null;
}

/** Every owner of an order in the round (the trading centre), or only the viewer's own entry (a participant). */
export async function readParticipants(sys: MarketSystem, round: RoundSnapshot, viewer: Viewer): Promise<ParticipantView[]> {
  const byOwner = new Map<string, { name: string; kind: OrderKind; escrow: number }>();
  for (const o of round.orders) {
    if (o.owner === "") continue;
    const p = byOwner.get(o.owner) ?? { name: o.name, kind: o.kind, escrow: 0 };
    byOwner.set(o.owner, { ...p, escrow: p.escrow + o.escrow });
  }
  const out: ParticipantView[] = [];
  for (const [address, p] of byOwner) {
    if (viewer.role !== "trading-centre" && getAddress(address) !== getAddress(viewer.address)) continue;
    const traded = round.totals[p.name] ?? { mwh: 0, tokens: 0 };
    const quota = p.kind === "consumer" ? Number(await sys.registry.greenQuotaPpm(address)) / 10_000 : null;
    out.push({ ...p, address, balance: toNumber18(await sys.token.balanceOf(address)), mwh: traded.mwh, tokens: traded.tokens, greenQuotaPct: quota });
  }
  return out;
}
