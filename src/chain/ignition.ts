import path from "node:path";
import { Artifacts } from "hardhat/internal/artifacts";
import {
  deploy,
  type ArtifactResolver,
  type DeploymentParameters,
  type EIP1193Provider,
  type IgnitionModule,
  type IgnitionModuleResult,
  type RequestArguments,
} from "@nomicfoundation/ignition-core";
import type { Signer } from "ethers";
import { DplcError } from "../errors";
import { directSubmitter, type Submitter } from "../submitters";
import type { DevnetRpc } from "./devnet";

/** An Ignition deployment did not complete (a reverted constructor or call, a refused transaction, …). */
export class IgnitionDeployError extends DplcError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super("IGNITION_DEPLOY", message, options);
  }
}

const ROOT = path.resolve(__dirname, "..", "..");

/** The contracts compiled by `hardhat compile` (artifacts/), by name. */
export const hardhatArtifacts: ArtifactResolver = (() => {
  const artifacts = new Artifacts(path.join(ROOT, "artifacts"));
  return {
    loadArtifact: (name: string) => artifacts.readArtifact(name),
    getBuildInfo: async () => undefined,
  };
})();

/**
 * The chain as Ignition sees it (EIP-1193): reads go to the chain's JSON-RPC; `eth_sendTransaction` is signed by the
 * sender's own signer and sent through `submitter` — straight to the node, or to the ordering service, which orders
 * it and applies it to the chain. It answers once the transaction is applied, so Ignition finds the receipt at its
 * first look (Ignition's nonce, kept; its fees and gas limit left to the submitter, which prices for the chain it
 * sends to).
 */
export class SubmitterProvider implements EIP1193Provider {
  private readonly signers = new Map<string, Signer>();

  private constructor(
    private readonly rpc: DevnetRpc,
    private readonly submitter: Submitter,
  ) {}

  static async create(rpc: DevnetRpc, submitter: Submitter, signers: readonly Signer[]): Promise<SubmitterProvider> {
    const p = new SubmitterProvider(rpc, submitter);
    for (const s of signers) p.signers.set((await s.getAddress()).toLowerCase(), s);
    return p;
  }

  async request(args: RequestArguments): Promise<unknown> {
    const params = (args.params ?? []) as unknown[];
    if (args.method === "eth_accounts") return [...this.signers.keys()];
    if (args.method !== "eth_sendTransaction") return this.rpc.send(args.method, params);
    const tx = params[0] as { from: string; to?: string; data?: string; value?: string; nonce?: string };
    const signer = this.signers.get(tx.from.toLowerCase());
    if (signer === undefined) throw new IgnitionDeployError(`no signer for ${tx.from}`);
    const call = { to: tx.to ?? null, data: tx.data ?? "0x", value: BigInt(tx.value ?? 0) };
    const options = tx.nonce === undefined ? {} : { nonce: Number(tx.nonce) };
    const pending = await this.submitter.submit(signer, call.to === null ? { data: call.data, value: call.value } : { ...call, to: call.to }, options);
    return (await pending.wait()).hash;
  }
}

export interface IgnitionDeployOptions {
  /** Every account the module sends from; the first is the default sender. */
  readonly signers: readonly Signer[];
  readonly parameters: DeploymentParameters[string];
  /** How the transactions reach the chain (default: straight to the signers' node). */
  readonly submitter?: Submitter;
  /** The chain's JSON-RPC (default: the first signer's provider). */
  readonly rpc?: DevnetRpc;
}

/**
 * Deploys an Ignition module (ignition/modules) in memory (no journal: each call is a fresh deployment) and returns
 * the address of each contract future, by the name the module returns it under.
 */
export async function deployModule<R extends IgnitionModuleResult<string>>(
  module: IgnitionModule<string, string, R>,
  o: IgnitionDeployOptions,
): Promise<Record<keyof R, string>> {
  const rpc = o.rpc ?? rpcOf(o.signers[0]!);
  const provider = await SubmitterProvider.create(rpc, o.submitter ?? directSubmitter, o.signers);
  const accounts = await Promise.all(o.signers.map(async (s) => (await s.getAddress()).toLowerCase()));
  const result = await deploy({
    config: { requiredConfirmations: 1, blockPollingInterval: 5 },
    artifactResolver: hardhatArtifacts,
    provider,
    ignitionModule: module,
    deploymentParameters: { [module.id]: o.parameters },
    accounts,
    defaultSender: accounts[0],
  });
  if (result.type !== "SUCCESSFUL_DEPLOYMENT") throw new IgnitionDeployError(`${module.id}: ${describeFailure(result)}`);
  const out: Record<string, string> = {};
  for (const [name, future] of Object.entries(module.results)) out[name] = result.contracts[future.id]!.address;
  return out as Record<keyof R, string>;
}

function rpcOf(signer: Signer): DevnetRpc {
  const provider = signer.provider as unknown as Partial<DevnetRpc> | null;
  if (typeof provider?.send !== "function") throw new IgnitionDeployError("the deploying signer has no JSON-RPC provider");
  return provider as DevnetRpc;
}

function describeFailure(result: Awaited<ReturnType<typeof deploy>>): string {
  if (result.type === "EXECUTION_ERROR") {
    const failed = [...result.failed, ...result.timedOut.map((t) => ({ futureId: t.futureId, error: "timed out" }))];
    return failed.map((f) => `${f.futureId}: ${f.error}`).join("; ");
  }
  if (result.type === "VALIDATION_ERROR") return Object.entries(result.errors).map(([id, e]) => `${id}: ${e.join(", ")}`).join("; ");
  if (result.type === "RECONCILIATION_ERROR") return Object.entries(result.errors).map(([id, e]) => `${id}: ${e.join(", ")}`).join("; ");
  return result.type;
}
