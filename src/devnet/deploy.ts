import path from "node:path";
import fs from "node:fs";
import { deployMarketSystem, type MarketSystem } from "../chain/deploy";
import { deploymentPath, describeDeployment, saveDeployment, type Deployment } from "../ops/deployment";
import type { RelayerConfigInput } from "../../relayer/config";
import type { ValidatorEndpoint } from "../../relayer/collector";
import { ACCOUNT, devnetProvider, devnetWallet } from "./accounts";
import { deployBridge, describeBridge, type BridgeSystem } from "./bridge";
import type { ChainEndpoint } from "./node";
import { DEVNET_THRESHOLD, relayerConfigFor, writeValidatorSet, type BridgeChain, type ValidatorSetFiles } from "./validators";

/** The network name under which a two-devnet deployment is recorded (`deployments/devnets.json`). */
export const DEVNETS_NETWORK = "devnets";

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
  /** The validators' endpoints (their addresses must be the gateways' validators). */
  readonly validators: readonly ValidatorEndpoint[];
  readonly httpPort?: number;
  readonly confirmations?: number;
  readonly pollIntervalMs?: number;
  /** The ordering service's API URLs when the main chain runs behind one. */
  readonly mainOrderer?: readonly string[];
}

/** Both chains' bridge endpoints of a two-chain deployment. */
export function bridgeChains(d: Deployment): { main: BridgeChain; side: BridgeChain } {
  if (d.main.bridge === undefined || d.side === undefined) {
    throw new Error(`deployment "${d.network}" has no bridge: deploy both chains first`);
  }
  return {
    main: { rpcUrl: d.main.bridge.rpcUrl ?? "http://127.0.0.1:8545", chainId: d.chainId, gateway: d.main.bridge.gateway, startBlock: d.main.bridge.startBlock },
    side: { rpcUrl: d.side.rpcUrl ?? "http://127.0.0.1:8546", chainId: d.side.chainId, gateway: d.side.gateway, startBlock: d.side.startBlock },
  };
}

/** A relayer config for a two-chain deployment made with the devnet accounts (validators' endpoints, submitter 13). */
export function devnetRelayerConfig(d: Deployment, opts: RelayerConfigOptions): RelayerConfigInput {
  return relayerConfigFor({ ...bridgeChains(d), ...opts });
}

export interface DevnetFiles {
  readonly deployment: string;
  readonly relayerConfig: string;
  readonly checkpoint: string;
  /** Keystores, password file and one config per validator. */
  readonly validatorsDir: string;
}

/**
 * Where the devnet files go, in `<root>/deployments/`: `devnets.json` (the deployment), `relayer.devnets.json` (its
 * relayer config), the relayer's checkpoint, and `validators/` (one keystore and config per validator).
 */
export function devnetFiles(root: string): DevnetFiles {
  const deployment = deploymentPath(root, DEVNETS_NETWORK);
  const dir = path.dirname(deployment);
  return {
    deployment,
    relayerConfig: path.join(dir, "relayer.devnets.json"),
    checkpoint: path.join(dir, "relayer.devnets.checkpoint.json"),
    validatorsDir: path.join(dir, "validators"),
  };
}

/**
 * Records a devnet deployment, its validator set (keystores of accounts 10–12 and one config each) and a relayer
 * config that names the validators' endpoints. A checkpoint left by an earlier devnet session is removed: the
 * chains were restarted from genesis, so it describes chains that no longer exist.
 */
export async function writeDevnetFiles(
  root: string,
  d: Deployment,
  httpPort?: number,
): Promise<DevnetFiles & { validators: ValidatorSetFiles }> {
  const files = devnetFiles(root);
  saveDeployment(files.deployment, d);
  fs.rmSync(files.validatorsDir, { recursive: true, force: true });
  const validators = await writeValidatorSet({ dir: files.validatorsDir, ...bridgeChains(d) });
  // Relative to the config file's directory, as the relayer resolves it.
  const config = devnetRelayerConfig(d, { checkpointFile: path.basename(files.checkpoint), httpPort, validators: validators.endpoints });
  fs.writeFileSync(files.relayerConfig, JSON.stringify(config, null, 2) + "\n");
  fs.rmSync(files.checkpoint, { force: true });
  return { ...files, validators };
}
