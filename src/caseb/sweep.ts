
import { InvalidArgumentError } from "../errors";
import { startDevnets, type DevnetPairOptions } from "../devnet/pair";
import { certPriceWad } from "./certificates";
import { runCaseB, type CaseBOptions, type CaseBOutcome, type ChainEndpoint } from "./flow";

/** "300,400,500" → ["300", "400", "500"]; refuses empty or invalid entries and duplicates, with one line. */
export function parseCertPrices(text: string): string[] {
  const prices = text.split(",").map((s) => s.trim());
  for (const p of prices) {
    if (p === "") throw new InvalidArgumentError(`--cert-price "${text}": empty price in the list`);
    certPriceWad(p);
    if (Number(p) <= 0) throw new InvalidArgumentError(`--cert-price "${text}": prices must be positive`);
  }
  if (new Set(prices.map(Number)).size !== prices.length) {
    throw new InvalidArgumentError(`--cert-price "${text}": a price is repeated`);
  }
  return prices;
}

export interface CaseBSweepOptions extends Omit<CaseBOptions, "certPrice" | "main" | "side"> {
  readonly prices: readonly string[];
  /** Running devnets to use; default: start two for the sweep and stop them after. */
  readonly chains?: { main: ChainEndpoint; side: ChainEndpoint };
  readonly devnets?: DevnetPairOptions;
}

/**
 * Case B at each price in turn. Every price gets a fresh market, bridge and side chain deployment (and its own
 * relayer) on the same two devnets, so the figures of one price never include another's.
 */
export async function runCaseBSweep(opts: CaseBSweepOptions): Promise<CaseBOutcome[]> {
  const progress = opts.progress ?? (() => undefined);
  const pair = opts.chains === undefined ? await startDevnetsWithProgress(opts, progress) : undefined;
  const chains = opts.chains ?? { main: pair!.main, side: pair!.side };
  try {
    const outcomes: CaseBOutcome[] = [];
    for (const certPrice of opts.prices) {
      outcomes.push(await runCaseB({ ...opts, certPrice, main: chains.main, side: chains.side }));
    }
    return outcomes;
  } finally {
    await pair?.stop();
  }
}

async function startDevnetsWithProgress(opts: CaseBSweepOptions, progress: (line: string) => void) {
  progress("starting the main and side devnets");
  const pair = await startDevnets(opts.devnets);
  progress(`main chain ${pair.main.url} (id ${pair.main.chainId}), side chain ${pair.side.url} (id ${pair.side.chainId})`);
  return pair;
}

