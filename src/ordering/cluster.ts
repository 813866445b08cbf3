import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { LocalCluster } from "../../consensus/src";
import type { Evm } from "../devnet/node";
import { freeBasePort } from "../devnet/ports";
import { InvalidArgumentError } from "../errors";

/**
 * Every node's `admission` section: the registry the nodes check senders against and the operator accounts they
 * admit without registration. Without it the cluster admits every well-formed transaction.
 */
export interface AdmissionConfig {
  readonly registry: string;
  readonly operators: readonly string[];
}

export interface OrderingClusterOptions {
  /** Orderer processes (default 3). */
  readonly nodes?: number;
  /** Trading-centre nodes, the only ones that may lead: the first `pool` ids (default 2). */
  readonly pool?: number;
  readonly admission?: AdmissionConfig;
  /** Batch timeout of the block cutter, ms (default 10: a lone transaction is ordered without a long wait). */
  readonly batchTimeoutMs?: number;
  /** Where the nodes keep their data and logs (default: a fresh temporary directory, removed on stop). */
  readonly dir?: string;
  /** A line of progress (starting, leader elected). */
  readonly log?: (line: string) => void;
  /** The EVM every node's replica runs on (default hardhat), from the replicas' one genesis. */
  readonly evm?: Evm;
}

/** A local cluster of real orderer processes, each applying every ordered block to its own EVM replica. */
export interface OrderingCluster {
  readonly local: LocalCluster;
  /** The nodes' client API URLs, n1 first. */
  readonly urls: readonly string[];
  /** n1's replica (every replica answers the same). */
  readonly chainUrl: string;
  /** Each node's replica, in the order of `ids`. */
  readonly chainUrls: readonly string[];
  readonly ids: readonly string[];
  readonly pool: readonly string[];
  readonly dir: string;
  /** Stops every process it started and removes its temporary directory; safe to call twice. */
  stop(): Promise<void>;
}

/** Checks the shape of a cluster before anything starts. */
export function checkClusterShape(nodes: number, pool: number): void {
  if (!Number.isSafeInteger(nodes) || nodes < 1 || nodes > 9) throw new InvalidArgumentError(`--orderer-nodes must be 1 to 9, got ${nodes}`);
  if (!Number.isSafeInteger(pool) || pool < 1 || pool > nodes) {
    throw new InvalidArgumentError(`--pool must be 1 to the number of nodes (${nodes}), got ${pool}`);
  }
}

/**
 * Starts the chain node and the orderer processes, waits for a leader, and makes sure everything it started stops
 * with this process: on `stop`, on Ctrl-C/SIGTERM, and on an error while starting.
 */
export async function startOrderingCluster(o: OrderingClusterOptions = {}): Promise<OrderingCluster> {
  const nodes = o.nodes ?? 3;
  const pool = o.pool ?? Math.min(2, nodes);
  checkClusterShape(nodes, pool);
  const ownDir = o.dir === undefined;
  const dir = o.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "dplc-orderers-"));
  const admission = o.admission === undefined ? undefined : { registry: o.admission.registry, operators: [...o.admission.operators] };
  const local = new LocalCluster({ nodes, pool, dir, basePort: await freeBasePort(nodes), chain: true, evm: o.evm ?? "hardhat", batchTimeoutMs: o.batchTimeoutMs ?? 10, logLevel: "warn", admission });
  let stopped: Promise<void> | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    void stop().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      await local.stopAll();
      if (ownDir) fs.rmSync(dir, { recursive: true, force: true });
    })();
    return stopped;
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    await local.generate();
    o.log?.(`starting the ordering service: ${nodes} orderer nodes (pool ${local.ids.slice(0, pool).join(", ")}), each with its EVM replica (${o.evm ?? "hardhat"})…`);
    await local.startAll();
    const leader = await local.leader(30_000);
    o.log?.(`ordering service ready: leader ${leader}, replicas ${local.ids.map((id) => local.replicaUrl(id)).join(", ")}`);
  } catch (err) {
    await stop();
    throw err;
  }
  const urls = local.ids.map((id) => local.apiUrl(id));
  const chainUrls = local.ids.map((id) => local.replicaUrl(id));
  return { local, urls, chainUrl: local.chainUrl, chainUrls, ids: local.ids, pool: local.ids.slice(0, pool), dir, stop };
}
