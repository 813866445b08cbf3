import type { MarketData } from "../data";
import { generateSyntheticMarket } from "../data";
import http from "node:http";
import type { Signer } from "ethers";
import type { DevnetRpc } from "../chain/devnet";
import { ACCOUNT, devnetProvider, devnetWallet } from "../devnet/accounts";
import { startDevnet } from "../devnet/node";
import { directChain, type MarketChain } from "../ordering/session";
import { DIRECT_MAX_IN_FLIGHT } from "../replay/in-flight";
import { replayMarket } from "../replay/replay";
import type { ProgressSink } from "../replay/progress";
import { peakRssBytes, resetPeakRss, type Pid } from "./rss";

/** The bound on any single transaction. */
export const TX_GAS_LIMIT = 10_000_000n;

/** Gas figures of one replayed synthetic round. */
export interface GasFigures {
  readonly ordersPerSide: number;
  readonly regions: number;
  readonly trades: number;
  /** `PAYMENT` (a sealed commitment, with a consumer's escrow transfer). */
  readonly listing: { readonly mean: number; readonly max: number };
  /** `revealOrder`. */
  readonly reveal: { readonly mean: number; readonly max: number };
  /** Mean listing gas of each kind's first and last tenth of listings: flat means no growth with book depth. */
  readonly listingByDepth: Record<"consumer" | "wind" | "thermal", { readonly firstTenth: number; readonly lastTenth: number }>;
  readonly matchPerTrade: number;
  readonly matchTxMax: number;
  readonly matchTxs: number;
  readonly settlePerTrade: number;
  readonly settleTxMax: number;
  readonly settleTxs: number;
  readonly maxTx: number;
  /** Wall time of the replay (deployment to the last settlement). */
  readonly seconds: number;
  /** Peak RSS in bytes of each process the run used (this one, and a chain node it talks to), by label. */
  readonly peakRss: Record<string, number | undefined>;
}

/** Where a benchmark replays: a chain and the processes whose peak memory it reports. */
export interface GasBenchChain {
  readonly chain: Pick<MarketChain, "operators" | "rpc" | "submitter" | "advanceTime" | "fund">;
  readonly processes: Readonly<Record<string, Pid>>;
}

const mean = (xs: readonly bigint[]) => (xs.length === 0 ? 0 : Number(xs.reduce((a, b) => a + b, 0n)) / xs.length);
const maxOf = (xs: readonly bigint[]) => Number(xs.reduce((a, b) => (b > a ? b : a), 0n));

/** The synthetic market of the benchmark: `n` consumers and `n` generators across `regions` regions (default 4). */
export function benchMarket(n: number, seed = 7, regions = 4): MarketData {
  return generateSyntheticMarket({ buyers: n, sellers: n, regions, seed }).market;
}

/** Replays one synthetic round of `n` orders per side over `regions` regions and summarizes its gas and memory. */
export async function measureGas(
  n: number,
  regions: number,
  bench: GasBenchChain,
  steps: { match: number; settle: number },
  progress?: ProgressSink,
): Promise<GasFigures> {
  const data = benchMarket(n, 7, regions);
  for (const pid of Object.values(bench.processes)) resetPeakRss(pid);
  const started = process.hrtime.bigint();
  const { operators, rpc, submitter, advanceTime, fund } = bench.chain;
  const outcome = await replayMarket({
    data,
    pricing: "surplus-split",
    operators,
    rpc,
    submitter,
    advanceTime,
    fund,
    matchSteps: steps.match,
    settleSteps: steps.settle,
    maxInFlight: DIRECT_MAX_IN_FLIGHT,
    progress,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const peakRss = Object.fromEntries(Object.entries(bench.processes).map(([label, pid]) => [label, peakRssBytes(pid)]));
  const { list, reveal, match, settle } = outcome.gas;
  const trades = outcome.trades.length;
  const sum = (xs: readonly bigint[]) => Number(xs.reduce((a, b) => a + b, 0n));
  return {
    ordersPerSide: n,
    regions,
    trades,
    listing: { mean: mean(list), max: maxOf(list) },
    reveal: { mean: mean(reveal), max: maxOf(reveal) },
    listingByDepth: {
      consumer: depthProfile(data, list, "consumer"),
      wind: depthProfile(data, list, "wind"),
      thermal: depthProfile(data, list, "thermal"),
    },
    matchPerTrade: trades === 0 ? 0 : sum(match) / trades,
    matchTxMax: maxOf(match),
    matchTxs: match.length,
    settlePerTrade: trades === 0 ? 0 : sum(settle) / trades,
    settleTxMax: maxOf(settle),
    settleTxs: settle.length,
    maxTx: Math.max(maxOf(list), maxOf(reveal), maxOf(match), maxOf(settle)),
    seconds,
    peakRss,
  };
}

/** Mean gas of the first and last tenth of one kind's listings (orders list in data order). */
function depthProfile(data: MarketData, gas: readonly bigint[], kind: "consumer" | "wind" | "thermal") {
  const own = gas.filter((_, k) => data.orders[k]!.kind === kind);
  const tenth = Math.max(1, Math.floor(own.length / 10));
  return { firstTenth: mean(own.slice(0, tenth)), lastTenth: mean(own.slice(-tenth)) };
}

/** Chains `bench:gas` can replay on: the in-process Hardhat network, or an Anvil node started for each run. */
export const GAS_BENCH_CHAINS = ["hardhat", "anvil"] as const;
export type GasBenchChainKind = (typeof GAS_BENCH_CHAINS)[number];

/**
 * Opens the chain of one run. The in-process network is shared by all runs (its peak memory is this process's); an
 * Anvil node is started fresh for the run and stopped by `stop`, its peak memory reported beside this process's.
 */
export async function openGasBenchChain(
  kind: GasBenchChainKind,
  inProcess: { readonly signers: readonly Signer[]; readonly provider: DevnetRpc },
): Promise<GasBenchChain & { stop(): Promise<void> }> {
  if (kind === "hardhat") {
    const chain = directChain(inProcess.signers, inProcess.provider, "network hardhat", async () => undefined);
    return { chain, processes: { "this process": "self" }, stop: chain.stop };
  }
  return openAnvilBenchChain();
}

/** A fresh Anvil node for one run (stopped by `stop`), with the operators' accounts; its peak memory is reported. */
export async function openAnvilBenchChain(): Promise<GasBenchChain & { stop(): Promise<void> }> {
  // A bounded connection pool (ethers uses Node's global agent): registering a large market opens one request per
  // participant at once, which on a loaded machine otherwise times out requests to the node.
  http.globalAgent.maxSockets = 64;
  const node = await startDevnet({ name: "bench-gas", chainId: 31337, evm: "anvil" });
  const provider = devnetProvider(node.url, node.chainId);
  const signers = [ACCOUNT.admin, ACCOUNT.tradingCentre, ACCOUNT.dispatch, ACCOUNT.gridCompany, ACCOUNT.cashier].map((i) => devnetWallet(i, provider));
  const chain = directChain(signers, provider, "anvil", async () => (provider.destroy(), node.stop()));
  return { chain, processes: { "this process": "self", anvil: node.pid }, stop: chain.stop };
}
