import path from "node:path";
import fs from "node:fs";
import { deployMarketSystem, type MarketSystem } from "../chain/deploy";
import { deploymentPath, describeDeployment, saveDeployment, type Deployment } from "../ops/deployment";
import type { RelayerConfigInput } from "../../relayer/config";
import { ACCOUNT, devnetKey, devnetProvider, devnetWallet } from "./accounts";
import { deployBridge, describeBridge, type BridgeSystem } from "./bridge";
import type { ChainEndpoint } from "./node";

/** The network name under which a two-devnet deployment is recorded (`deployments/devnets.json`). */
export const DEVNETS_NETWORK = "devnets";

/** Validators hosted by the devnet relayer and how many must sign. */
export const DEVNET_THRESHOLD = 2;

export interface DevnetsDeployment {
  readonly deployment: Deployment;
  readonly system: MarketSystem;
  readonly bridge: BridgeSystem;
}

/**
 * Deploys the market on the main chain and the bridge and side-chain contracts on both, with the devnet operator
 * accounts (see `accounts.ts`) and validators 10–12 (threshold 2). Returns handles and the deployment record.
 */
export async function deployToDevnets(main: ChainEndpoint, side: ChainEndpoint): Promise<DevnetsDeployment> {
  const mainProvider = devnetProvider(main.url, main.chainId);
  const sideProvider = devnetProvider(side.url, side.chainId);
  const w = (i: number) => devnetWallet(i, mainProvider);
  const system = await deployMarketSystem({
    admin: w(ACCOUNT.admin),
    tradingCentre: w(ACCOUNT.tradingCentre),
    dispatch: w(ACCOUNT.dispatch),
    gridCompany: w(ACCOUNT.gridCompany),
    cashier: w(ACCOUNT.cashier),
  });
  const bridge = await deployBridge(system, w(ACCOUNT.admin), devnetWallet(ACCOUNT.admin, sideProvider), {
    validators: ACCOUNT.validators.map((i) => devnetWallet(i).address),
    threshold: DEVNET_THRESHOLD,
  });
  const base = await describeDeployment(system, DEVNETS_NETWORK, main.chainId);
  const sections = await describeBridge(bridge, { main: main.url, side: side.url });
  const deployment: Deployment = { ...base, main: { ...base.main, bridge: sections.bridge }, side: sections.side };
  return { deployment, system, bridge };
}

export interface RelayerConfigOptions {
  readonly checkpointFile: string;
  readonly httpPort?: number;
  readonly confirmations?: number;
  readonly pollIntervalMs?: number;
}

/** A relayer config for a two-chain deployment made with the devnet accounts (validator keys 10–12, submitter 13). */
export function devnetRelayerConfig(d: Deployment, opts: RelayerConfigOptions): RelayerConfigInput {
  if (d.main.bridge === undefined || d.side === undefined) {
    throw new Error(`deployment "${d.network}" has no bridge: deploy both chains first`);
  }
  const mainUrl = d.main.bridge.rpcUrl ?? "http://127.0.0.1:8545";
  const sideUrl = d.side.rpcUrl ?? "http://127.0.0.1:8546";
  return {
    main: { rpcUrl: mainUrl, chainId: d.chainId, gateway: d.main.bridge.gateway, startBlock: d.main.bridge.startBlock },
    side: { rpcUrl: sideUrl, chainId: d.side.chainId, gateway: d.side.gateway, startBlock: d.side.startBlock },
    confirmations: opts.confirmations ?? 2,
    pollIntervalMs: opts.pollIntervalMs ?? 500,
    validatorKeys: ACCOUNT.validators.map(devnetKey),
    threshold: DEVNET_THRESHOLD,
    submitterKey: devnetKey(ACCOUNT.relayer),
    checkpointFile: opts.checkpointFile,
    http: { host: "127.0.0.1", port: opts.httpPort ?? 9464 },
  };
}

/**
 * Where the devnet files go: `devnets.json` (the deployment), `relayer.devnets.json` (its relayer config) and the
 * relayer's checkpoint, in `<root>/deployments/`.
 */
export function devnetFiles(root: string): { deployment: string; relayerConfig: string; checkpoint: string } {
  const deployment = deploymentPath(root, DEVNETS_NETWORK);
  const dir = path.dirname(deployment);
  return {
    deployment,
    relayerConfig: path.join(dir, "relayer.devnets.json"),
    checkpoint: path.join(dir, "relayer.devnets.checkpoint.json"),
  };
}

/**
 * Records a devnet deployment and a matching relayer config. A checkpoint left by an earlier devnet session is
 * removed: the chains were restarted from genesis, so it describes chains that no longer exist.
 */
export function writeDevnetFiles(root: string, d: Deployment, httpPort?: number): ReturnType<typeof devnetFiles> {
  const files = devnetFiles(root);
  saveDeployment(files.deployment, d);
  // Relative to the config file's directory, as the relayer resolves it.
  const config = devnetRelayerConfig(d, { checkpointFile: path.basename(files.checkpoint), httpPort });
  fs.writeFileSync(files.relayerConfig, JSON.stringify(config, null, 2) + "\n");
  fs.rmSync(files.checkpoint, { force: true });
  return files;
}
