/**
 * Deterministic synthetic markets in the data-directory format, for benchmarks and scale tests (e.g. 1,000 buyers
 * and 1,000 sellers across 4 regions). Same seed, same files. Prices are drawn so that most pairs are profitable
 * across every corridor, which makes the book trade deeply.
 */
import { InvalidArgumentError } from "../errors";
import { formatDecimal } from "../units";
import { parseMarket } from "./parse";
import type { MarketData, MarketFiles } from "./types";

export interface SyntheticMarketOptions {
  readonly buyers: number;
  readonly sellers: number;
  readonly regions: number;
  readonly seed: number;
  /** Share of sellers that are wind (the rest thermal), in percent; default 50. */
  readonly windSharePct?: number;
  /** Corridor capacity in MWh for every region pair; default unlimited. */
  readonly capacityMwh?: number;
  /** Bundling ratio written to round.json; default "3". */
  readonly bundlingRatio?: string;
}

export interface SyntheticMarket {
  readonly files: MarketFiles;
  readonly market: MarketData;
}

/** mulberry32: a tiny, well-known 32-bit PRNG; good enough for test data, fully reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function checkCount(name: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
}

export function regionName(k: number): string {
  return `R${k + 1}`;
}

/** Builds the files of a random valid market and parses them back (so the result is validated like user data). */
export function generateSyntheticMarket(options: SyntheticMarketOptions): SyntheticMarket {
  const { buyers, sellers, regions, seed } = options;
  checkCount("buyers", buyers, 0, 1_000_000);
  checkCount("sellers", sellers, 0, 1_000_000);
  checkCount("regions", regions, 1, 1_000);
  checkCount("seed", seed, 0, 2 ** 32 - 1);
  const windSharePct = options.windSharePct ?? 50;
  checkCount("windSharePct", windSharePct, 0, 100);
  if (options.capacityMwh !== undefined) checkCount("capacityMwh", options.capacityMwh, 0, 1e12);

  const rand = prng(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
  /** A decimal with `places` decimals drawn uniformly from [lo, hi] (given in units of 10^-places). */
  const dec = (lo: number, hi: number, places: number): string => formatDecimal(BigInt(int(lo, hi)), places);
  const region = (): string => regionName(int(0, regions - 1));
  const pad = (k: number): string => String(k + 1).padStart(String(Math.max(buyers, sellers)).length, "0");

  const grid = ["seller_region,buyer_region,loss_rate_pct,transmission_price,capacity_mwh"];
  const capacity = options.capacityMwh === undefined ? "" : String(options.capacityMwh);
  for (let s = 0; s < regions; s++) {
    for (let b = 0; b < regions; b++) {
      const same = s === b;
      const loss = same ? dec(10, 30, 1) : dec(30, 80, 1);
      const price = same ? dec(10, 30, 2) : dec(50, 100, 2);
      grid.push(`${regionName(s)},${regionName(b)},${loss},${price},${capacity}`);
    }
  }

  const consumers = ["name,region,bid_price,quantity_mwh,wind_ratio_pct,wind_demand_mwh"];
  for (let k = 0; k < buyers; k++) {
    const quantity = int(1_000, 60_000);
    const ratio = int(10, 30);
    const demand = Math.floor((quantity * ratio) / 100);
    consumers.push(`B${pad(k)},${region()},${dec(4800, 6000, 3)},${quantity},${ratio},${demand}`);
  }

  const windCount = Math.round((sellers * windSharePct) / 100);
  const wind = ["name,region,ask_price,quantity_mwh"];
  const thermal = ["name,region,ask_price,quantity_mwh,env_price,subsidy_price"];
  for (let k = 0; k < sellers; k++) {
    if (k < windCount) {
      wind.push(`W${pad(k)},${region()},${dec(3300, 3700, 3)},${int(1_000, 10_000)}`);
    } else {
      thermal.push(`H${pad(k)},${region()},${dec(3000, 3300, 3)},${int(5_000, 40_000)},${dec(5, 20, 2)},${dec(5, 15, 2)}`);
    }
  }

  const round = { bundlingRatio: options.bundlingRatio ?? "3", windCertCost: "0", thermalCertCost: "0", pricing: "surplus-split" };
  const files: MarketFiles = {
    "grid.csv": grid.join("\n") + "\n",
    "consumers.csv": consumers.join("\n") + "\n",
    "wind.csv": wind.join("\n") + "\n",
    "thermal.csv": thermal.join("\n") + "\n",
    "round.json": JSON.stringify(round, null, 2) + "\n",
  };
  return { files, market: parseMarket(files) };
}
