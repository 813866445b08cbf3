import { startDevnets, type DevnetPair } from "./pair";
import type { Evm } from "./node";
import { deployToDevnets, writeDevnetFiles, type DevnetsDeployment } from "./deploy";

export interface DevnetSessionOptions {
  /** Repository root: files go to `<root>/deployments/`. */
  readonly root: string;
  readonly mainPort?: number;
  readonly sidePort?: number;
  readonly mainChainId?: number;
  readonly sideChainId?: number;
  /** Deploy the market, bridge and side-chain contracts (default true). */
  readonly deploy?: boolean;
  /** The relayer's `/metrics` and `/healthz` port written into its config (default 9464). */
  readonly relayerHttpPort?: number;
  readonly logDir?: string;
  /** Interval mining, ms (default 1000, so the relayer's confirmations come on idle chains; 0: off). */
  readonly blockIntervalMs?: number;
  /** The EVM both chains run (default hardhat). */
  readonly evm?: Evm;
}

export interface DevnetSession {
  readonly pair: DevnetPair;
  readonly deployed?: DevnetsDeployment;
  readonly files?: { deployment: string; relayerConfig: string; checkpoint: string };
  stop(): Promise<void>;
}

/** Default ports: the main chain where `--network localhost` looks, the side chain next to it. */
export const MAIN_PORT = 8545;
export const SIDE_PORT = 8546;

/**
 * Starts both devnets and (by default) deploys to both, recording `deployments/devnets.json` and a relayer config
 * for them. On any failure the devnets are stopped before the error is rethrown.
 */
export async function startDevnetSession(opts: DevnetSessionOptions, log: (line: string) => void = () => undefined): Promise<DevnetSession> {
  const pair = await startDevnets({
    mainPort: opts.mainPort ?? MAIN_PORT,
    sidePort: opts.sidePort ?? SIDE_PORT,
    mainChainId: opts.mainChainId,
    sideChainId: opts.sideChainId,
    logDir: opts.logDir,
    blockIntervalMs: opts.blockIntervalMs ?? 1000,
    evm: opts.evm,
  });
  log(`main chain  ${pair.main.url}  chain id ${pair.main.chainId}  pid ${pair.main.pid}  ${opts.evm ?? "hardhat"}`);
  log(`side chain  ${pair.side.url}  chain id ${pair.side.chainId}  pid ${pair.side.pid}  ${opts.evm ?? "hardhat"}`);
  if (opts.deploy === false) return { pair, stop: () => pair.stop() };
  try {
    const deployed = await deployToDevnets(pair.main, pair.side);
    const files = writeDevnetFiles(opts.root, deployed.deployment, opts.relayerHttpPort);
    log(`deployed both chains: ${files.deployment}`);
    log(`relayer config: ${files.relayerConfig}  (npm run relayer -- --config ${files.relayerConfig})`);
    return { pair, deployed, files, stop: () => pair.stop() };
  } catch (err) {
    await pair.stop();
    throw err;
  }
}

/** Resolves on the first SIGINT or SIGTERM (so a long-running command can stop its devnets cleanly). */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals) => {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
      resolve(signal);
    };
    process.on("SIGINT", handler);
    process.on("SIGTERM", handler);
  });
}
