import { startDevnets, type DevnetPair } from "./pair";
import type { Evm } from "./node";
import path from "node:path";
import { deployToDevnets, writeDevnetFiles, type DevnetFiles, type DevnetsDeployment } from "./deploy";
import { spawnDaemon, waitHealthy, type DaemonProcess } from "./daemons";
import { startValidatorProcesses } from "./validators";

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
  /** Run the bridge: three validator processes and a relayer process (default true; needs `deploy`). */
  readonly bridge?: boolean;
}

export interface DevnetSession {
  readonly pair: DevnetPair;
  readonly deployed?: DevnetsDeployment;
  readonly files?: DevnetFiles;
  /** The validator processes and the relayer process (empty without the bridge). */
  readonly daemons: readonly DaemonProcess[];
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
  if (opts.deploy === false) return { pair, daemons: [], stop: () => pair.stop() };
  const daemons: DaemonProcess[] = [];
  const stop = async () => {
    // The relayer first (it finishes its delivery and checkpoints), then the validators, then the chains.
    for (const d of [...daemons].reverse()) await d.stop();
    await pair.stop();
  };
  try {
    const deployed = await deployToDevnets(pair.main, pair.side);
    const files = await writeDevnetFiles(opts.root, deployed.deployment, opts.relayerHttpPort);
    log(`deployed both chains: ${files.deployment}`);
    if (opts.bridge === false) {
      log(`validator configs: ${files.validatorsDir}  (npm run validator -- --config <file>, one process each)`);
      log(`relayer config: ${files.relayerConfig}  (npm run relayer -- --config ${files.relayerConfig})`);
      return { pair, deployed, files, daemons, stop };
    }
    daemons.push(...(await startValidatorProcesses(files.validators, opts.logDir)));
    for (const [i, d] of daemons.entries()) log(`${d.name}  ${files.validators.endpoints[i]!.url}  ${files.validators.endpoints[i]!.address}  pid ${d.pid}`);
    const relayer = spawnDaemon({
      name: "relayer",
      script: "relayer/cli.ts",
      configFile: files.relayerConfig,
      logFile: opts.logDir === undefined ? undefined : path.join(opts.logDir, "relayer.log"),
    });
    daemons.push(relayer);
    await waitHealthy(`http://127.0.0.1:${opts.relayerHttpPort ?? 9464}/healthz`, relayer);
    log(`relayer  http://127.0.0.1:${opts.relayerHttpPort ?? 9464}  no validator key  pid ${relayer.pid}`);
    return { pair, deployed, files, daemons, stop };
  } catch (err) {
    await stop();
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
