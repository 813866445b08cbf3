import { generateSyntheticMarket } from "../data/synthetic";
import { ACCOUNT, devnetWallet } from "../devnet/accounts";
import { startDevnet } from "../devnet/node";
import { startOrderingCluster } from "../ordering/cluster";
import { chainProvider, directChain, openOrderedChain, type MarketChain } from "../ordering/session";
import type { OrderingJson } from "../ordering/summary";
import type { ProgressEvent, ProgressSink } from "../replay/progress";
import { replayMarket } from "../replay/replay";
import { StageClock } from "./stages";

/** One end-to-end replay of a synthetic market: how long it took and how many transactions it sent. */
export interface MarketRun {
  readonly mode: "direct" | "raft";
  readonly seconds: number;
  readonly transactions: number;
  readonly blocks: number;
  readonly txPerSecond: number;
  readonly trades: number;
  /** Seconds per stage of the round ({@link StageClock}). */
  readonly stages: Partial<Record<ProgressEvent["stage"], number>>;
}

export interface MarketBenchOptions {
  readonly ordersPerSide: number;
  readonly seed?: number;
  readonly nodes?: number;
  readonly pool?: number;
  readonly progress?: ProgressSink;
  readonly log?: (line: string) => void;
}

/** Replays the market on `chain` and times it (deployment included: it goes through the same path). */
async function timedReplay(chain: MarketChain, o: MarketBenchOptions): Promise<MarketRun> {
  const data = generateSyntheticMarket({ buyers: o.ordersPerSide, sellers: o.ordersPerSide, regions: 4, seed: o.seed ?? 1 }).market;
  const started = process.hrtime.bigint();
  const clock = new StageClock(Date.now(), Date.now, o.progress);
  const outcome = await replayMarket({
    data,
    pricing: "surplus-split",
    operators: chain.operators,
    rpc: chain.rpc,
    submitter: chain.submitter,
    advanceTime: chain.advanceTime,
    fund: chain.fund,
    progress: clock.sink,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const s: OrderingJson = await chain.summary();
  return { mode: s.mode, seconds, transactions: s.transactions, blocks: s.blocks, txPerSecond: s.transactions / seconds, trades: outcome.trades.length, stages: clock.seconds() };
}

/** Direct mode against a `hardhat node` process (automine), the participants and operators signing with their keys. */
export async function benchDirect(o: MarketBenchOptions): Promise<MarketRun> {
  const node = await startDevnet({ name: "bench-direct", chainId: 31337 });
  // The same provider settings as the ordered submitter's, so the client costs the same in both modes.
  const provider = chainProvider(node.url, node.chainId);
  const signers = [ACCOUNT.admin, ACCOUNT.tradingCentre, ACCOUNT.dispatch, ACCOUNT.gridCompany, ACCOUNT.cashier].map((i) => devnetWallet(i, provider));
  const chain = directChain(signers, provider, "hardhat node", async () => undefined);
  try {
    return await timedReplay(chain, o);
  } finally {
    provider.destroy();
    await node.stop();
  }
}

/** Ordered mode: a local cluster of orderer processes in front of a `hardhat node` process it delivers to. */
export async function benchOrdered(o: MarketBenchOptions): Promise<MarketRun> {
  const cluster = await startOrderingCluster({ nodes: o.nodes, pool: o.pool, log: o.log });
  try {
    const chain = await openOrderedChain({ urls: cluster.urls, chainUrl: cluster.chainUrl });
    try {
      return await timedReplay(chain, o);
    } finally {
      await chain.stop();
    }
  } finally {
    await cluster.stop();
  }
}

/** The run with the median throughput. */
export function medianRun(runs: readonly MarketRun[]): MarketRun {
  const sorted = [...runs].sort((a, b) => a.txPerSecond - b.txPerSecond);
  return sorted[Math.floor(sorted.length / 2)]!;
}
