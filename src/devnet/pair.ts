import { startDevnet, type Devnet, type Evm } from "./node";

/** Default chain ids: distinct from each other and from Hardhat's in-process 31337. */
export const MAIN_CHAIN_ID = 1337_1;
export const SIDE_CHAIN_ID = 1337_2;

export interface DevnetPairOptions {
  readonly mainChainId?: number;
  readonly sideChainId?: number;
  readonly mainPort?: number;
  readonly sidePort?: number;
  /** Directory for `main.log` and `side.log` (default: no log files). */
  readonly logDir?: string;
  /** Interval mining on both chains, ms (default 0: off). */
  readonly blockIntervalMs?: number;
  /** The EVM both chains run (default hardhat). */
  readonly evm?: Evm;
}

/** The main chain (energy) and the side chain (green certificates), each a `hardhat node` or an Anvil. */
export interface DevnetPair {
  readonly main: Devnet;
  readonly side: Devnet;
  /** Stops both nodes (whole process groups). */
  stop(): Promise<void>;
}

/** Starts both devnets in parallel; if either fails, the other is stopped before the error is rethrown. */
export async function startDevnets(opts: DevnetPairOptions = {}): Promise<DevnetPair> {
  const log = (name: string) => (opts.logDir === undefined ? undefined : `${opts.logDir}/${name}.log`);
  const common = { blockIntervalMs: opts.blockIntervalMs, evm: opts.evm };
  const results = await Promise.allSettled([
    startDevnet({ name: "main", chainId: opts.mainChainId ?? MAIN_CHAIN_ID, port: opts.mainPort, logFile: log("main"), ...common }),
    startDevnet({ name: "side", chainId: opts.sideChainId ?? SIDE_CHAIN_ID, port: opts.sidePort, logFile: log("side"), ...common }),
  ]);
  const started = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed !== undefined) {
    await Promise.all(started.map((d) => d.stop()));
    throw failed.reason;
  }
  const [main, side] = started as [Devnet, Devnet];
  return { main, side, stop: async () => void (await Promise.all([main.stop(), side.stop()])) };
}
