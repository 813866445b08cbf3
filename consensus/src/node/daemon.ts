import pino, { type Logger } from "pino";
import { loadConfig } from "../config/load";
import { configWarnings } from "../config/validate";
import { OrdererMetrics } from "../metrics/metrics";
import { transportFactoryFromConfig } from "../transport/from-config";
import { apiTlsOptions } from "./api-tls";
import { prepareJoin } from "./join";
import { OrdererNode } from "./node";

export interface DaemonOptions {
  configFile: string;
  peerApi: Record<string, string>;
  faultInjection: boolean;
  /** `--join URL`: overrides the config's `join` (validated by the same schema). */
  join?: string;
}

export interface Daemon {
  node: OrdererNode;
  logger: Logger;
  /** Graceful stop: API, transport, the replica (block in flight finishes), storage. */
  stop(): Promise<void>;
}

/** Loads the config (throws ConfigError), opens storage and starts one orderer node on TCP. */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const config = loadConfig(options.configFile, options.join === undefined ? {} : { join: options.join });
  const logger = pino({ level: config.logLevel, base: { node: config.id } });
  for (const w of configWarnings(config)) logger.warn({ warning: w }, "config warning");
  if (config.join !== undefined) {
    // Over HTTPS the member it joins through is asked as a follower forwards (the consortium CA, this node's certificate).
    const dispatcher = apiTlsOptions(config).forwardDispatcher as { close?: () => Promise<void> } | undefined;
    try {
      await prepareJoin(config, logger, dispatcher);
    } finally {
      await dispatcher?.close?.();
    }
  }
  const node = new OrdererNode({
    config,
    logger,
    transport: transportFactoryFromConfig(config, logger),
    peerApi: options.peerApi,
    faultInjection: options.faultInjection,
    metrics: new OrdererMetrics({ nodeId: config.id, defaultMetrics: true }),
  });
  try {
    await node.start();
  } catch (err) {
    await node.stop().catch(() => undefined);
    throw err;
  }
  return { node, logger, stop: () => node.stop() };
}

/** Parses repeated `id=url` pairs. */
export function parsePeerApi(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new Error(`--peer-api expects id=url, got "${pair}"`);
    const url = pair.slice(eq + 1);
    try {
      new URL(url);
    } catch {
      throw new Error(`--peer-api ${pair.slice(0, eq)}: "${url}" is not a URL`);
    }
    out[pair.slice(0, eq)] = url.replace(/\/$/, "");
  }
  return out;
}
