/**
 * Case B's certificate arithmetic, without I/O: the certificate cost X per kWh that enters matching and pricing, the
 * thermal obligation, and the plan of certificate purchases on the side chain's market.
 */
import type { MarketData } from "../data";
import { InvalidArgumentError } from "../errors";
import { BPS, KWH_PER_MWH, WAD } from "../units";

/** GreenCertificate balances are in thousandths of a certificate (1 certificate = 1 MWh of wind = 1000 units). */
export const UNITS_PER_CERTIFICATE = 1000n;

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

/**
 * X for a seller kind, in token/kWh × 10^18: certificates owed per MWh × certificate price / 1000 kWh per MWh,
 * rounded up so a thermal seller's certificate money never falls short. For 0.2 certificate/MWh at P = 300 tokens:
 * 0.2 × 300 / 1000 = 0.06 token/kWh.
 */
export function certCostPerKwh(certPriceWad: bigint, obligationBps: bigint): bigint {
  return ceilDiv(certPriceWad * obligationBps, BPS * KWH_PER_MWH);
}

/**
 * The Case A market with Case B's certificate costs: X_thermal from the obligation and the price; X_wind = 0 (wind
 * generators owe no certificates; they receive them).
 */
export function withCertificateCosts(data: MarketData, certPriceWad: bigint, obligationBps: bigint): MarketData {
  return {
    ...data,
    round: { ...data.round, windCertCost: 0n, thermalCertCost: certCostPerKwh(certPriceWad, obligationBps) },
  };
}

/** The obligation a thermal trade adds, in units: ceil(MWh × 1000 × bps / 10000) (as GreenCertificate records it). */
export function obligationUnits(mwh: bigint, obligationBps: bigint): bigint {
  return ceilDiv(mwh * UNITS_PER_CERTIFICATE * obligationBps, BPS);
}

/** Price of `units` at `priceWad` per whole certificate, rounded up (as CertificateMarket charges). */
export function purchaseCost(units: bigint, priceWad: bigint): bigint {
  return ceilDiv(units * priceWad, UNITS_PER_CERTIFICATE);
}

/** An open listing on the certificate market. */
export interface CertListing {
  readonly listingId: bigint;
  readonly seller: string;
  readonly certificateId: bigint;
  readonly units: bigint;
  readonly priceWad: bigint;
}

/** What a buyer still needs, in units. */
export interface CertNeed {
  readonly buyer: string;
  readonly units: bigint;
}

export interface CertPurchase {
  readonly buyer: string;
  readonly seller: string;
  readonly listingId: bigint;
  readonly certificateId: bigint;
  readonly units: bigint;
  readonly cost: bigint;
}

/**
 * How many units each listing sells when buyers need `demand` units in total: cheapest price level first; at the
 * marginal level, where supply exceeds what is still needed, every listing sells the same fraction of its units
 * (pro rata, whole units, the remainder going to the largest fractional parts, then to the lower listing id). All
 * Case B listings carry the same price, so every wind generator sells the same share of its certificates.
 */
export function allotListings(listings: readonly CertListing[], demand: bigint): Map<bigint, bigint> {
  const allot = new Map<bigint, bigint>();
  const levels = [...new Set(listings.map((l) => l.priceWad))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let left = demand;
  for (const price of levels) {
    const level = listings.filter((l) => l.priceWad === price).sort((a, b) => (a.listingId < b.listingId ? -1 : 1));
    const supply = level.reduce((acc, l) => acc + l.units, 0n);
    if (supply <= left) {
      for (const l of level) allot.set(l.listingId, l.units);
      left -= supply;
      continue;
    }
    const shares = level.map((l) => ({ l, units: (l.units * left) / supply, rem: (l.units * left) % supply }));
    let rest = left - shares.reduce((acc, x) => acc + x.units, 0n);
    for (const x of [...shares].sort((a, b) => (a.rem !== b.rem ? (a.rem > b.rem ? -1 : 1) : a.l.listingId < b.l.listingId ? -1 : 1))) {
      if (rest === 0n) break;
      x.units += 1n;
      rest -= 1n;
    }
    for (const x of shares) allot.set(x.l.listingId, x.units);
    left = 0n;
    break;
  }
  return allot;
}

/**
 * The purchases that meet `needs`: listings sell their allotment ({@link allotListings}); buyers, in the order given,
 * take from the allotments in listing order. Returns the purchases and each buyer's shortfall when supply runs out.
 */
export function planPurchases(
  listings: readonly CertListing[],
  needs: readonly CertNeed[],
): { purchases: CertPurchase[]; shortfall: Map<string, bigint> } {
  for (const n of needs) if (n.units < 0n) throw new InvalidArgumentError(`negative need for ${n.buyer}`);
  const allot = allotListings(listings, needs.reduce((acc, n) => acc + n.units, 0n));
  const book = [...listings]
    .sort((a, b) => (a.listingId < b.listingId ? -1 : 1))
    .map((l) => ({ ...l, left: allot.get(l.listingId) ?? 0n }));
  const purchases: CertPurchase[] = [];
  const shortfall = new Map<string, bigint>();
  for (const need of needs) {
    let want = need.units;
    for (const l of book) {
      if (want === 0n) break;
      if (l.left === 0n) continue;
      const units = want < l.left ? want : l.left;
      l.left -= units;
      want -= units;
      purchases.push({
        buyer: need.buyer,
        seller: l.seller,
        listingId: l.listingId,
        certificateId: l.certificateId,
        units,
        cost: purchaseCost(units, l.priceWad),
      });
    }
    if (want > 0n) shortfall.set(need.buyer, want);
  }
  return { purchases, shortfall };
}

/** A certificate price given in tokens per certificate ("300", "412.5") as 18-decimal token units. */
export function certPriceWad(tokens: number | string): bigint {
  const text = String(tokens);
  if (!/^\d+(\.\d{1,18})?$/.test(text)) {
    throw new InvalidArgumentError(`certificate price "${text}" must be a non-negative number of tokens`);
  }
  const [whole, frac = ""] = text.split(".");
  return BigInt(whole!) * WAD + BigInt(frac.padEnd(18, "0"));
}

/** The certificates of one settled wind trade: issued to its `seller` for energy sold to its `buyer`. */
export interface WindCertificates {
  readonly certificateId: bigint;
  readonly seller: string;
  readonly buyer: string;
  readonly units: bigint;
}

/** Certificates a wind generator hands to the consumer it sold the energy to, for that consumer's quota. */
export interface QuotaTransfer {
  readonly certificateId: bigint;
  readonly seller: string;
  readonly buyer: string;
  readonly units: bigint;
}

export interface QuotaPlan {
  readonly transfers: QuotaTransfer[];
  /** What each certificate id has left after the quotas: the excess its generator may sell. */
  readonly excess: Map<bigint, bigint>;
  /** Per consumer, the units of its quota its wind purchases do not cover. */
  readonly short: Map<string, bigint>;
}

/**
 * The paper's rule "when the quota for large users is met, green e-commerce can sell the excess": the certificates of
 * wind energy sold to a consumer go to that consumer's quota first, trade by trade in the order given; a consumer
 * gets certificates only of energy it bought. What is left of each trade's certificates is the excess.
 */
export function planQuotaTransfers(wind: readonly WindCertificates[], quotas: ReadonlyMap<string, bigint>): QuotaPlan {
  const open = new Map(quotas);
  for (const [buyer, units] of open) if (units < 0n) throw new InvalidArgumentError(`negative quota for ${buyer}`);
  const transfers: QuotaTransfer[] = [];
  const excess = new Map<bigint, bigint>();
  for (const w of wind) {
    const want = open.get(w.buyer) ?? 0n;
    const units = want < w.units ? want : w.units;
    if (units > 0n) {
      transfers.push({ certificateId: w.certificateId, seller: w.seller, buyer: w.buyer, units });
      open.set(w.buyer, want - units);
    }
    excess.set(w.certificateId, (excess.get(w.certificateId) ?? 0n) + w.units - units);
  }
  const short = new Map([...open].filter(([, units]) => units > 0n));
  return { transfers, excess, short };
}
