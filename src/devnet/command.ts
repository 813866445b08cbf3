import { InvalidArgumentError } from "../errors";
import { startDevnetSession, untilSignal, MAIN_PORT, SIDE_PORT } from "./session";
import { MAIN_CHAIN_ID, SIDE_CHAIN_ID } from "./pair";
import type { Evm } from "./node";

/** Options of `npm run devnets`. */
export interface DevnetsCommandOptions {
  readonly root: string;
  readonly mainPort?: number;
  readonly sidePort?: number;
  readonly mainChainId?: number;
  readonly sideChainId?: number;
  readonly deploy?: boolean;
  readonly relayerHttpPort?: number;
  readonly logDir?: string;
  readonly blockIntervalMs?: number;
  readonly evm?: Evm;
  readonly bridge?: boolean;
}

function checkPort(name: string, v: number | undefined): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > 65535)) {
    throw new InvalidArgumentError(`--${name} must be a TCP port (1-65535), got ${v}`);
  }
}

/**
 * Starts the main and side devnets, deploys to both (unless `deploy: false`), prints where everything is, and keeps
 * them running until SIGINT or SIGTERM; then stops both process groups.
 */
export async function runDevnetsCommand(opts: DevnetsCommandOptions, out: (line: string) => void = console.log): Promise<void> {
  checkPort("main-port", opts.mainPort);
  checkPort("side-port", opts.sidePort);
  checkPort("relayer-http-port", opts.relayerHttpPort);
  if (opts.blockIntervalMs !== undefined && (!Number.isSafeInteger(opts.blockIntervalMs) || opts.blockIntervalMs < 0)) {
    throw new InvalidArgumentError("--block-interval must be a whole number of milliseconds (0: off)");
  }
  if ((opts.mainPort ?? MAIN_PORT) === (opts.sidePort ?? SIDE_PORT)) {
    throw new InvalidArgumentError("the main and side devnets need different ports");
  }
  for (const [name, id] of [["main-chain-id", opts.mainChainId], ["side-chain-id", opts.sideChainId]] as const) {
    if (id !== undefined && (!Number.isSafeInteger(id) || id <= 0)) throw new InvalidArgumentError(`--${name} must be a positive integer`);
  }
  if ((opts.mainChainId ?? MAIN_CHAIN_ID) === (opts.sideChainId ?? SIDE_CHAIN_ID)) {
    throw new InvalidArgumentError("the main and side devnets need different chain ids");
  }
  out("starting the main and side devnets…");
  const session = await startDevnetSession(opts, out);
  out("running; press Ctrl-C to stop the devnets" + (session.daemons.length > 0 ? ", the validators and the relayer" : ""));
  const signal = await untilSignal();
  out(`${signal}: stopping the devnets…`);
  await session.stop();
  out("stopped");
}
