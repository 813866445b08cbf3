/** The participants of a round: balances, escrow, what they traded and paid, and their green quota. */
import { getAddress } from "ethers";
import type { MarketSystem } from "../../src/chain/deploy";
import { toNumber18 } from "../../src/units";
import type { Viewer } from "./access";
import type { OrderKind, RoundSnapshot } from "./market";
import { certs } from "./sidechain";

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
  /**
   * Consumers, with a side chain: the round's quota in certificates as the side chain recorded it, what was retired
   * for it, and whether that met it (`short` is what is missing). Null for generators or without a side chain.
   */
  quota: { owed: number; retired: number; met: boolean; short: number } | null;
}

/** The side chain's certificate contract, as far as quotas go. */
export interface QuotaReader {
  complianceDetail(account: string, roundId: bigint): Promise<{ quota: bigint; quotaRetired: bigint }>;
}

/** Every owner of an order in the round (the trading centre), or only the viewer's own entry (a participant). */
export async function readParticipants(sys: MarketSystem, round: RoundSnapshot, viewer: Viewer, certificate?: QuotaReader): Promise<ParticipantView[]> {
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
    const met = p.kind === "consumer" && certificate !== undefined ? await quotaOf(certificate, address, round.status.roundId) : null;
    out.push({ ...p, address, balance: toNumber18(await sys.token.balanceOf(address)), mwh: traded.mwh, tokens: traded.tokens, greenQuotaPct: quota, quota: met });
  }
  return out;
}

async function quotaOf(certificate: QuotaReader, address: string, roundId: number): Promise<ParticipantView["quota"]> {
  const d = await certificate.complianceDetail(address, BigInt(roundId));
  const short = d.quota > d.quotaRetired ? d.quota - d.quotaRetired : 0n;
  return { owed: certs(d.quota), retired: certs(d.quotaRetired), met: short === 0n, short: certs(short) };
}
