/**
 * What Case B measures, computed from the outcome without I/O, and the `--out` JSON.
 *
 * - Certificates issued / traded / retired: GreenCertificate.totalIssued, CertificateMarket.totalTraded,
 *   GreenCertificate.totalRetired, in certificates (1 certificate = 1 MWh of settled wind = 1000 units). Retired
 *   counts both consumers' quotas and thermal obligations.
 * - Quota met or short: per consumer, its quota (wind demand × 1 certificate per MWh) against the certificates of the
 *   wind energy it bought; obligation met or short: per thermal generator, against what the excess let it buy.
 * - Certificate income of a generator: wrapped DPLC received for certificates it sold on the certificate market minus
 *   wrapped DPLC paid for certificates it bought (wind generators earn, thermal generators pay; tokens).
 * - Energy revenue of a generator: Σ over its settled trades of seller price × MWh × 1000 (tokens; for thermal
 *   generators the seller price includes X_thermal).
 * - Profit of a generator: Σ over its trades of (seller price − ask price) × MWh × 1000, plus its certificate income:
 *   the surplus over the price it asked (its ask is taken as its cost), plus what certificates brought or cost it.
 * - Total wind profit: the sum of wind generators' profits.
 * - Total generator revenue: Σ over all generators of energy revenue + certificate income. Certificate payments move
 *   between generators, so they cancel in the sum; the certificate price changes the total through X_thermal in
 *   matching and pricing.
 */
import type { PricingRule } from "../data";
import { toReplayJson, type ReplayJson } from "../replay/result";
import { tokenAmount, toNumber18 } from "../units";
import { UNITS_PER_CERTIFICATE } from "./certificates";
import type { CaseBOutcome, Compliance } from "./flow";

/** Exact per-generator figures (wei). */
export interface GeneratorFigures {
  readonly kind: "wind" | "thermal";
  readonly mwh: bigint;
  readonly energyRevenue: bigint;
  readonly certificateIncome: bigint;
  readonly profit: bigint;
}

export interface CaseBSummary {
  readonly generators: Map<string, GeneratorFigures>;
  readonly windProfit: bigint;
  readonly generatorRevenue: bigint;
}

export function summarize(o: CaseBOutcome): CaseBSummary {
  const generators = new Map<string, GeneratorFigures>();
  const income = new Map<string, bigint>();
  for (const p of o.purchases) {
    income.set(p.seller, (income.get(p.seller) ?? 0n) + p.cost);
    income.set(p.buyer, (income.get(p.buyer) ?? 0n) - p.cost);
  }
  for (const g of [...o.data.wind, ...o.data.thermal]) {
    let mwh = 0n;
    let energyRevenue = 0n;
    let surplus = 0n;
    for (const t of o.trades) {
      if (t.seller.name !== g.name || t.mwh === 0n) continue;
      mwh += t.mwh;
      energyRevenue += tokenAmount(t.sellerPrice, t.mwh);
      surplus += tokenAmount(t.sellerPrice - g.askPrice, t.mwh);
    }
    const certificateIncome = income.get(g.name) ?? 0n;
    generators.set(g.name, { kind: g.kind, mwh, energyRevenue, certificateIncome, profit: surplus + certificateIncome });
  }
  let windProfit = 0n;
  let generatorRevenue = 0n;
  for (const f of generators.values()) {
    if (f.kind === "wind") windProfit += f.profit;
    generatorRevenue += f.energyRevenue + f.certificateIncome;
  }
  return { generators, windProfit, generatorRevenue };
}

/** The `--out` JSON of one certificate price: Case A's shape plus Case B's fields. */
export interface CaseBJson extends ReplayJson {
  certPrice: number;
  /** X_thermal in token/kWh. */
  thermalCertCost: number;
  certificates: { issued: number; traded: number; retired: number };
  bridge: { locked: number; wrappedSupply: number };
  summary: {
    windProfit: number;
    generatorRevenue: number;
    /** Per generator, tokens (negative: paid for certificates). */
    certificateIncome: Record<string, number>;
    /** Per thermal generator: whether it retired its whole obligation. */
    obligationsMet: Record<string, boolean>;
    /** Per thermal generator: certificates of its obligation left unretired (0 when met). */
    obligationShort: Record<string, number>;
    /** Per consumer with a green quota: whether certificates of the wind energy it bought covered it. */
    quotasMet: Record<string, boolean>;
    /** Per consumer with a green quota: certificates of its quota left uncovered (0 when met). */
    quotaShort: Record<string, number>;
  };
}

function certificates(units: bigint): number {
  return Number(units) / Number(UNITS_PER_CERTIFICATE);
}

/** Met or not, and how many certificates short, per account. */
function standing(accounts: ReadonlyMap<string, Compliance>): { met: Record<string, boolean>; short: Record<string, number> } {
  const met: Record<string, boolean> = {};
  const short: Record<string, number> = {};
  for (const [name, c] of accounts) {
    met[name] = c.met;
    short[name] = certificates(c.met ? 0n : c.owed - c.retired);
  }
  return { met, short };
}

export function toCaseBJson(o: CaseBOutcome, pricing: PricingRule): CaseBJson {
  const base = toReplayJson("B", pricing, o.trades, o.data.orders);
  const s = summarize(o);
  const certificateIncome: Record<string, number> = {};
  for (const [name, f] of s.generators) certificateIncome[name] = toNumber18(f.certificateIncome);
  const obligations = standing(o.compliance);
  const quotas = standing(o.quotas);
  return {
    case: base.case,
    pricing: base.pricing,
    certPrice: Number(o.certPrice),
    thermalCertCost: toNumber18(o.thermalCertCost),
    matches: base.matches,
    certificates: {
      issued: certificates(o.certificates.issued),
      traded: certificates(o.certificates.traded),
      retired: certificates(o.certificates.retired),
    },
    bridge: { locked: toNumber18(o.bridge.locked), wrappedSupply: toNumber18(o.bridge.wrappedSupply) },
    totals: base.totals,
    summary: {
      windProfit: toNumber18(s.windProfit),
      generatorRevenue: toNumber18(s.generatorRevenue),
      certificateIncome,
      obligationsMet: obligations.met,
      obligationShort: obligations.short,
      quotasMet: quotas.met,
      quotaShort: quotas.short,
    },
  };
}
