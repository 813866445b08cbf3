import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import type { ContractRunner, Signer } from "ethers";
import {
  DPLCToken__factory,
  DPLCRegistry__factory,
  GridParameters__factory,
  DPLCMarket__factory,
  SurplusSplitPricing__factory,
  PaperTablePricing__factory,
  BridgeGateway__factory,
  TokenVault__factory,
  SettlementReporter__factory,
  WrappedDPLC__factory,
  GreenCertificate__factory,
  CertificateMarket__factory,
} from "../../typechain-types";
import { DplcError } from "../errors";
import type { MarketSystem } from "../chain/deploy";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte address");

/** The main chain's end of the bridge (present once the side chain is deployed). */
export const MainBridgeSchema = z.object({
  /** JSON-RPC URL the deployment was made through (devnets). */
  rpcUrl: z.string().url().optional(),
  /** Block of the gateway's deployment: where the relayer starts scanning. */
  startBlock: z.number().int().nonnegative(),
  gateway: address,
  vault: address,
  reporter: address,
});

/** The green-certificate side chain. */
export const SideChainSchema = z.object({
  chainId: z.number().int().positive(),
  rpcUrl: z.string().url().optional(),
  startBlock: z.number().int().nonnegative(),
  gateway: address,
  wrappedToken: address,
  certificate: address,
  certificateMarket: address,
});

/**
 * The deployment file (`deployments/<network>.json`) that tasks, scripts and the relayer read. `chainId` is the main
 * chain's; a two-chain deployment adds `main.bridge` and `side`.
 */
export const DeploymentSchema = z
  .object({
    network: z.string(),
    chainId: z.number().int().nonnegative(),
    main: z.object({
      token: address,
      registry: address,
      grid: address,
      market: address,
      pricing: z.object({ "surplus-split": address, "paper-table": address }),
      bridge: MainBridgeSchema.optional(),
    }),
    side: SideChainSchema.optional(),
  })
  .superRefine((d, ctx) => {
    if ((d.side === undefined) !== (d.main.bridge === undefined)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["side"], message: "main.bridge and side come together" });
    }
    if (d.side !== undefined && d.side.chainId === d.chainId) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["side", "chainId"], message: "must differ from the main chainId" });
    }
  });
export type Deployment = z.infer<typeof DeploymentSchema>;
export type MainBridgeDeployment = z.infer<typeof MainBridgeSchema>;
export type SideChainDeployment = z.infer<typeof SideChainSchema>;

/** A deployment file is missing or invalid. */
export class DeploymentError extends DplcError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super("DEPLOYMENT", message, options);
  }
}

/** Where a network's deployment is recorded. */
export function deploymentPath(root: string, network: string): string {
  return path.join(root, "deployments", `${network}.json`);
}

/** The addresses of a deployed market system. */
export async function describeDeployment(sys: MarketSystem, network: string, chainId: number): Promise<Deployment> {
  return {
    network,
    chainId,
    main: {
      token: await sys.token.getAddress(),
      registry: await sys.registry.getAddress(),
      grid: await sys.grid.getAddress(),
      market: await sys.market.getAddress(),
      pricing: {
        "surplus-split": await sys.pricing["surplus-split"].getAddress(),
        "paper-table": await sys.pricing["paper-table"].getAddress(),
      },
    },
  };
}

export function saveDeployment(file: string, d: Deployment): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(DeploymentSchema.parse(d), null, 2) + "\n");
}

export function loadDeployment(file: string): Deployment {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new DeploymentError(`cannot read deployment ${file}: run "npx hardhat market deploy" first`, { cause: err });
  }
  const parsed = DeploymentSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DeploymentError(`${file}: field ${issue.path.join(".")}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * Refuses a deployment file whose market has no code on the chain it names: the node was restarted, or the file was
 * made on another chain. Without this check every call would fail with an undecodable empty result.
 */
export async function checkDeployed(file: string, d: Deployment, provider: { getCode(address: string): Promise<string> }) {
  if ((await provider.getCode(d.main.market)) !== "0x") return;
  throw new DeploymentError(
    `${file} is stale: no contract at ${d.main.market} on network ${d.network} (was the node restarted?); ` +
      `run "npx hardhat market deploy" again`,
  );
}

/** Contract handles for the bridge and side chain of a two-chain deployment (main-chain and side-chain signers). */
export function attachBridge(d: Deployment, mainSigner: ContractRunner, sideSigner: ContractRunner) {
  if (d.main.bridge === undefined || d.side === undefined) {
    throw new DeploymentError(`deployment "${d.network}" has no side chain: run "npm run devnets" (or deploy both chains) first`);
  }
  return {
    main: {
      gateway: BridgeGateway__factory.connect(d.main.bridge.gateway, mainSigner),
      vault: TokenVault__factory.connect(d.main.bridge.vault, mainSigner),
      reporter: SettlementReporter__factory.connect(d.main.bridge.reporter, mainSigner),
    },
    side: {
      gateway: BridgeGateway__factory.connect(d.side.gateway, sideSigner),
      wrapped: WrappedDPLC__factory.connect(d.side.wrappedToken, sideSigner),
      certificate: GreenCertificate__factory.connect(d.side.certificate, sideSigner),
      certificateMarket: CertificateMarket__factory.connect(d.side.certificateMarket, sideSigner),
    },
  };
}

/** Contract handles for a recorded deployment, connected to `signer` (or a provider, for reading only). */
export function attach(d: Deployment, signer: ContractRunner): MarketSystem {
  return {
    token: DPLCToken__factory.connect(d.main.token, signer),
    registry: DPLCRegistry__factory.connect(d.main.registry, signer),
    grid: GridParameters__factory.connect(d.main.grid, signer),
    market: DPLCMarket__factory.connect(d.main.market, signer),
    pricing: {
      "surplus-split": SurplusSplitPricing__factory.connect(d.main.pricing["surplus-split"], signer),
      "paper-table": PaperTablePricing__factory.connect(d.main.pricing["paper-table"], signer),
    },
  };
}
