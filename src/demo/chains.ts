import fs from "node:fs";
import path from "node:path";
import { LocalCluster } from "../../consensus/src";
import { SIDE_CHAIN_ID } from "../devnet/pair";
import { startDevnet, type ChainEndpoint } from "../devnet/node";
import { freeBasePort } from "../devnet/ports";
import { chainIdOf } from "../devnet/rpc";
import { bridgedMarketAdmission, openOrderedChain, type MarketChain } from "../ordering/session";
import type { Teardown } from "./teardown";

/** The demo's chains: the ordering cluster (a replica per node, the main chain) and the side devnet. */
export interface DemoChains {
  readonly cluster: LocalCluster;
  /** The orderer nodes' client API URLs, n1 first. */
  readonly ordererUrls: readonly string[];
  /** The market behind the ordering service (operators, ordered submitter, ordered clock). */
  readonly mainChain: MarketChain;
  readonly main: ChainEndpoint;
  readonly side: ChainEndpoint & { readonly pid: number };
}

/**
 * Starts the orderer processes with their Hardhat replicas (as the replay's local cluster does, but owned by the
 * demo's teardown rather than by signal handlers of its own, so one Ctrl-C stops everything in order) and the side
 * devnet. Besides the operators the cluster admits the keeper, who sends Case B's settlement reports and
 * confirmation blocks.
 */
export async function startDemoChains(o: { nodes: number; pool: number; dir: string }, teardown: Teardown, log: (line: string) => void): Promise<DemoChains> {
  const { registry, operators } = bridgedMarketAdmission();
  const admission = { registry, operators: [...operators] };
  const clusterDir = path.join(o.dir, "orderers");
  const cluster = new LocalCluster({ nodes: o.nodes, pool: o.pool, dir: clusterDir, basePort: await freeBasePort(o.nodes), chain: true, batchTimeoutMs: 10, logLevel: "warn", admission });
  teardown.add("ordering cluster", () => cluster.stopAll());
  await cluster.generate();
  log(`starting the ordering service: ${o.nodes} orderer nodes (pool ${cluster.ids.slice(0, o.pool).join(", ")}), each with its EVM replica…`);
  await cluster.startAll();
  const leader = await cluster.leader(30_000);
  log(`ordering service ready: leader ${leader}; replicas ${cluster.ids.map((id) => `${id} ${cluster.replicaUrl(id)}`).join(", ")}; logs in ${clusterDir}`);
  const ordererUrls = cluster.ids.map((id) => cluster.apiUrl(id));
  const mainChain = await openOrderedChain({ urls: ordererUrls, chainUrl: cluster.chainUrl });
  teardown.add("main chain connection", () => mainChain.stop());
  log("starting the side chain…");
  const side = await startDevnet({ name: "side", chainId: SIDE_CHAIN_ID, logFile: path.join(o.dir, "side.log") });
  teardown.add("side chain", () => side.stop());
  const main = { url: cluster.chainUrl, chainId: await chainIdOf(cluster.chainUrl) };
  log(`side chain ${side.url} (id ${side.chainId}, pid ${side.pid}); main chain ${main.url} (id ${main.chainId}) behind the ordering service`);
  return { cluster, ordererUrls, mainChain, main, side };
}

/** A fresh directory for everything the demo writes (keys, configs, logs), removed by the teardown. */
export function demoDir(teardown: Teardown, tmp: string): string {
  const dir = fs.mkdtempSync(path.join(tmp, "dplc-demo-"));
  teardown.add("temporary directory", () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}
