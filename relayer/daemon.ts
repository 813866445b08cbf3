import { JsonRpcProvider, Network, Wallet, type BaseWallet } from "ethers";
import pino, { type Logger } from "pino";
import { readCheckpoint, writeCheckpoint } from "./checkpoint";
import type { RelayerConfig } from "./config";
import { HttpSignatureCollector } from "./collector";
import { directSubmitter, OrderedSubmitter } from "../src/submitters";
import { EthersGatewayPort, type GatewaySender } from "./gateway";
import { loadKeystore } from "./keystore";
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
  /** Where a keystore password variable is looked up (default: process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

/** A provider with a static network: no background detection loop; the chain id is checked explicitly at start-up. */
export function chainProvider(url: string, chainId: number): JsonRpcProvider {
  return new JsonRpcProvider(url, undefined, { staticNetwork: Network.from(chainId), cacheTimeout: -1, batchMaxCount: 1 });
}

/** Deliveries on a chain behind an ordering service go to the cluster; on any other chain straight to its node. */
function sender(config: RelayerConfig, chain: "main" | "side", wallet: BaseWallet, provider: JsonRpcProvider): GatewaySender {
  const urls = config.ordering[chain];
  if (urls === undefined) return { wallet, submitter: directSubmitter };
  return { wallet, submitter: new OrderedSubmitter({ urls, provider, chainId: BigInt(config[chain].chainId) }) };
}

/** Builds the relayer from its config, checks both chains, loads the checkpoint, serves HTTP and starts polling. */
export async function startRelayerDaemon(config: RelayerConfig, opts: DaemonOptions = {}): Promise<RelayerDaemon> {
  const logger = opts.logger ?? pino({ level: config.logLevel, base: { service: "relayer" } });
  const metrics = new RelayerMetrics(opts.defaultMetrics ?? false);
  const submitter =
    config.submitterKeystore === undefined ? new Wallet(config.submitterKey!) : await loadKeystore(config.submitterKeystore, opts.env);
  const signatures = new HttpSignatureCollector(config.validators, config.threshold, config.signatureTimeoutMs);
  const mainProvider = chainProvider(config.main.rpcUrl, config.main.chainId);
  const sideProvider = chainProvider(config.side.rpcUrl, config.side.chainId);
  const relayer = new Relayer(config, {
    ports: {
      main: new EthersGatewayPort("main", config.main.gateway, mainProvider, sender(config, "main", submitter, mainProvider)),
      side: new EthersGatewayPort("side", config.side.gateway, sideProvider, sender(config, "side", submitter, sideProvider)),
    },
    signatures,
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
  logger.info({ httpPort, validators: config.validators.length, threshold: config.threshold, submitter: submitter.address }, "relayer started");
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
