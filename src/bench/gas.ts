import type { MarketData } from "../data";
import { generateSyntheticMarket } from "../data";
import type { OperatorSigners } from "../chain/deploy";
import type { DevnetRpc } from "../chain/devnet";
import { replayMarket } from "../replay/replay";
import type { ProgressSink } from "../replay/progress";

/** The bound on any single transaction. */
export const TX_GAS_LIMIT = 10_000_000n;

/** Gas figures of one replayed synthetic round. */
export interface GasFigures {
  readonly ordersPerSide: number;
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
}

const mean = (xs: readonly bigint[]) => (xs.length === 0 ? 0 : Number(xs.reduce((a, b) => a + b, 0n)) / xs.length);
const maxOf = (xs: readonly bigint[]) => Number(xs.reduce((a, b) => (b > a ? b : a), 0n));

/** The synthetic market of the benchmark: `n` consumers and `n` generators across 4 regions. */
export function benchMarket(n: number, seed = 7): MarketData {
  return generateSyntheticMarket({ buyers: n, sellers: n, regions: 4, seed }).market;
}

/** Replays one synthetic round of `n` orders per side and summarizes its gas. */
export async function measureGas(
  n: number,
  operators: OperatorSigners,
  rpc: DevnetRpc,
  steps: { match: number; settle: number },
  progress?: ProgressSink,
): Promise<GasFigures> {
  const data = benchMarket(n);
  const outcome = await replayMarket({
    data,
    pricing: "surplus-split",
    operators,
    rpc,
    matchSteps: steps.match,
    settleSteps: steps.settle,
    progress,
  });
  const { list, reveal, match, settle } = outcome.gas;
  const trades = outcome.trades.length;
  const sum = (xs: readonly bigint[]) => Number(xs.reduce((a, b) => a + b, 0n));
  return {
    ordersPerSide: n,
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
  };
}

/** Mean gas of the first and last tenth of one kind's listings (orders list in data order). */
function depthProfile(data: MarketData, gas: readonly bigint[], kind: "consumer" | "wind" | "thermal") {
  const own = gas.filter((_, k) => data.orders[k]!.kind === kind);
  const tenth = Math.max(1, Math.floor(own.length / 10));
  return { firstTenth: mean(own.slice(0, tenth)), lastTenth: mean(own.slice(-tenth)) };
}
