import { JsonRpcProvider, Network, Wallet } from "ethers";
import pino, { type Logger } from "pino";
import { readCheckpoint, writeCheckpoint } from "./checkpoint";
import type { RelayerConfig } from "./config";
import { EthersGatewayPort } from "./gateway";
import { HealthServer } from "./http";
import { RelayerMetrics } from "./metrics";
import { Relayer } from "./relayer";

/** A running relayer: the service loop, its HTTP endpoints and how to stop both. */
export interface RelayerDaemon {
  readonly relayer: Relayer;
  readonly logger: Logger;
  /** The bound `/metrics` and `/healthz` port. */
  readonly httpPort: number;
  stop(): Promise<void>;
}

export interface DaemonOptions {
  readonly logger?: Logger;
  /** Collect Node process metrics too (the CLI does; in-process users may not want them). */
  readonly defaultMetrics?: boolean;
}

/** Builds the relayer from its config, checks both chains, loads the checkpoint, serves HTTP and starts polling. */
export async function startRelayerDaemon(config: RelayerConfig, opts: DaemonOptions = {}): Promise<RelayerDaemon> {
  const logger = opts.logger ?? pino({ level: config.logLevel, base: { service: "relayer" } });
  const metrics = new RelayerMetrics(opts.defaultMetrics ?? false);
  const validators = config.validatorKeys.map((k) => new Wallet(k));
  const submitter = new Wallet(config.submitterKey ?? config.validatorKeys[0]!);
  const provider = (url: string, chainId: number) =>
    // A static network: no background detection loop, and the chain id is checked explicitly at start-up.
    new JsonRpcProvider(url, undefined, { staticNetwork: Network.from(chainId), cacheTimeout: -1, batchMaxCount: 1 });
  const mainProvider = provider(config.main.rpcUrl, config.main.chainId);
  const sideProvider = provider(config.side.rpcUrl, config.side.chainId);
  const relayer = new Relayer(config, {
    ports: {
      main: new EthersGatewayPort("main", config.main.gateway, mainProvider, submitter),
      side: new EthersGatewayPort("side", config.side.gateway, sideProvider, submitter),
    },
    validators,
    store: { read: () => readCheckpoint(config.checkpointFile), write: (s) => writeCheckpoint(config.checkpointFile, s) },
    logger,
    metrics,
  });
  const destroy = () => {
    mainProvider.destroy();
    sideProvider.destroy();
  };
  try {
    await relayer.init();
  } catch (err) {
    destroy();
    throw err;
  }
  const server = new HealthServer(metrics.registry, () => relayer.health());
  const httpPort = await server.listen(config.http.host, config.http.port).catch((err: unknown) => {
    destroy();
    throw err;
  });
  relayer.start();
  logger.info({ httpPort, validators: validators.length, threshold: config.threshold }, "relayer started");
  return {
    relayer,
    logger,
    httpPort,
    stop: async () => {
      await relayer.stop();
      await server.close();
      destroy();
      logger.info("relayer stopped");
    },
  };
}
