
import { InvalidArgumentError } from "../errors";
import { startDevnets, SIDE_CHAIN_ID, type DevnetPairOptions } from "../devnet/pair";
import { startDevnet } from "../devnet/node";
import { chainIdOf } from "../devnet/rpc";
import { ACCOUNT, devnetProvider, devnetWallet } from "../devnet/accounts";
import { OPERATORS } from "../chain/roles";
import type { OrderingArgs } from "../ordering/args";
import { directChain, bridgedMarketAdmission, openOrderedChain, type MarketChain } from "../ordering/session";
import { directSummary, type OrderingJson } from "../ordering/summary";
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

export interface CaseBSweepOptions extends Omit<CaseBOptions, "certPrice" | "main" | "side" | "mainChain"> {
  readonly prices: readonly string[];
  /** Running devnets to use (direct); default: start what the sweep needs and stop it after. */
  readonly chains?: { main: ChainEndpoint; side: ChainEndpoint };
  readonly devnets?: DevnetPairOptions;
  /** How the main chain's transactions reach it (default direct): `local` starts an ordering service in front of its
   * own chain, which then is the main chain; the side chain is a devnet either way. */
  readonly ordering?: OrderingArgs;
}

export interface CaseBSweep {
  readonly outcomes: CaseBOutcome[];
  /** What reached the main chain over the whole sweep, and how (ordered blocks, or the chain's blocks). */
  readonly ordering: OrderingJson;
}

/**
 * Case B at each price in turn. Every price gets a fresh market, bridge and side chain deployment (and its own
 * relayer) on the same two chains, so the figures of one price never include another's.
 */
export async function runCaseBSweep(opts: CaseBSweepOptions): Promise<CaseBSweep> {
  const progress = opts.progress ?? (() => undefined);
  const chains = opts.ordering?.mode === "local" ? await startOrdered(opts, opts.ordering, progress) : await startDirect(opts, progress);
  try {
    const outcomes: CaseBOutcome[] = [];
    for (const certPrice of opts.prices) {
      outcomes.push(await runCaseB({ ...opts, certPrice, main: chains.main, side: chains.side, mainChain: chains.mainChain }));
    }
    return { outcomes, ordering: await chains.summary() };
  } finally {
    await chains.stop();
  }
}

interface SweepChains {
  readonly main: ChainEndpoint;
  readonly side: ChainEndpoint;
  readonly mainChain?: MarketChain;
  summary(): Promise<OrderingJson>;
  stop(): Promise<void>;
}

/** Two devnets sent to directly (or the running ones given). */
async function startDirect(opts: CaseBSweepOptions, progress: (line: string) => void): Promise<SweepChains> {
  if (opts.chains !== undefined) return { ...opts.chains, summary: async () => directSummary([]), stop: async () => undefined };
  progress("starting the main and side devnets");
  const pair = await startDevnets(opts.devnets);
  progress(`main chain ${pair.main.url} (id ${pair.main.chainId}), side chain ${pair.side.url} (id ${pair.side.chainId})`);
  const mainProvider = devnetProvider(pair.main.url, pair.main.chainId);
  const mainChain = directChain(OPERATORS.map((o) => devnetWallet(ACCOUNT[o], mainProvider)), mainProvider, "main devnet", async () => mainProvider.destroy());
  return {
    main: pair.main,
    side: pair.side,
    mainChain,
    summary: () => mainChain.summary(),
    stop: async () => {
      await mainChain.stop();
      await pair.stop();
    },
  };
}

/**
 * The main chain behind a local ordering service (its chain node is the main chain) and a side devnet. Besides the
 * operators, the cluster admits the keeper, who sends the settlement reports and the confirmation blocks.
 */
async function startOrdered(opts: CaseBSweepOptions, o: { nodes: number; pool: number }, progress: (line: string) => void): Promise<SweepChains> {
  const admission = bridgedMarketAdmission();
  const mainChain = await openOrderedChain({ nodes: o.nodes, pool: o.pool, admission, log: progress, evm: opts.devnets?.evm });
  try {
    progress("starting the side devnet");
    const side = await startDevnet({ name: "side", chainId: opts.devnets?.sideChainId ?? SIDE_CHAIN_ID, port: opts.devnets?.sidePort, evm: opts.devnets?.evm });
    const main = { url: mainChain.chainUrl!, chainId: await chainIdOf(mainChain.chainUrl!) };
    progress(`main chain ${main.url} (id ${main.chainId}) behind the ordering service, side chain ${side.url} (id ${side.chainId})`);
    return {
      main,
      side,
      mainChain,
      summary: () => mainChain.summary(),
      stop: async () => {
        await side.stop();
        await mainChain.stop();
      },
    };
  } catch (err) {
    await mainChain.stop();
    throw err;
  }
}
