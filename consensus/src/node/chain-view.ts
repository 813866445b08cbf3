import path from "node:path";
import { JsonRpcProvider } from "ethers";
import type { Logger } from "pino";
import type { ReplicaStatus, TxLookup } from "../api/types";
import { Admission } from "../chain/admission";
import { AdmissionUnavailableError } from "../chain/errors";
import { registryApprovalReader } from "../chain/registry";
import { ChainApplier, applierCheckpointFile, type AppliedTx, type OrderedBlock, type ReplicaHead } from "../chain/applier";
import { RefusalLog } from "../chain/refusal-log";
import { JsonRpcClient } from "../chain/rpc";
import type { OrdererConfig, ReplicaEvm } from "../config/schema";
import { admissionSettings } from "../config/validate";
import type { OrdererMetrics } from "../metrics/metrics";
import type { Position } from "./ledger";
import { Replica, type StoredBlocks } from "./replica";

/** Hardhat's default chain id, assumed when the config names no chain or no chain id. */
export const DEFAULT_CHAIN_ID = 31337n;

interface Receipt {
  blockNumber: string | null;
  status?: string;
}

/**
 * This node's view of the private chain, which is its own EVM replica (`chain.rpcUrl`): admission (reads the
 * registry), the replica applier (every block of this node's store, in order) and look-ups, answered from the
 * replica, so every node gives the same answer once its replica has applied the block.
 */
export class ChainView {
  readonly chainId: bigint;
  readonly admission: Admission | null;
  readonly replica: Replica | null;
  /** The EVM the replica runs on, as configured. */
  readonly evm: ReplicaEvm;
  private readonly rpc: JsonRpcClient | null;
  private readonly provider: JsonRpcProvider | null;
  private readonly refusals: RefusalLog | null;

  constructor(cfg: OrdererConfig, store: StoredBlocks, private readonly metrics: OrdererMetrics, private readonly log: Logger) {
    this.evm = cfg.chain?.evm ?? "hardhat";
    this.chainId = cfg.chain?.chainId !== undefined ? BigInt(cfg.chain.chainId) : DEFAULT_CHAIN_ID;
    this.rpc = cfg.chain === undefined ? null : new JsonRpcClient(cfg.chain.rpcUrl);
    // The config's validation makes sure a chain is configured whenever admission is.
    const settings = admissionSettings(cfg);
    this.provider =
      settings === null || cfg.chain === undefined ? null : new JsonRpcProvider(cfg.chain.rpcUrl, Number(this.chainId), { staticNetwork: true });
    this.admission =
      settings === null || this.provider === null
        ? null
        : new Admission({ ...settings, reader: registryApprovalReader(settings.registry, this.provider) });
    this.refusals = this.rpc === null ? null : new RefusalLog(path.join(cfg.dataDir, "replica-refusals.jsonl"));
    this.replica = this.rpc === null ? null : this.newReplica(cfg, store);
  }

  private newReplica(cfg: OrdererConfig, store: StoredBlocks): Replica {
    const applier = new ChainApplier({ rpc: this.rpc!, checkpoint: applierCheckpointFile(path.join(cfg.dataDir, "chain-checkpoint.json")), logger: this.log });
    this.metrics.appliedIndex.set(applier.start().appliedIndex);
    return new Replica({
      applier,
      store,
      logger: this.log,
      onApplied: (b, r) => this.onApplied(b, r),
      onRebuild: () => this.refusals?.clear(),
    });
  }

  /** The replica's head and the last ordered block applied to it; null without a chain. */
  replicaStatus(): ReplicaStatus | null {
    if (this.replica === null) return null;
    const h = this.replica.head;
    const evm = this.evm;
    return { number: h?.number ?? 0, hash: h?.hash ?? null, stateRoot: h?.stateRoot ?? null, appliedBlock: this.replica.appliedBlock, evm };
  }

  /** Chain block `n` of this node's replica, read from the chain; null past its head or without a chain. */
  async replicaBlock(n: number): Promise<ReplicaHead | null> {
    if (this.replica === null) return null;
    return this.replica.applier.chainBlock("0x" + n.toString(16));
  }

  /** The chain node's `web3_clientVersion` (which EVM it is). */
  async clientVersion(): Promise<string> {
    if (this.rpc === null) throw new Error("no chain is configured");
    return this.rpc.call<string>("web3_clientVersion", []);
  }

  /** The replica's current head, read from the chain (not the applier's cache: anything else may have mined). */
  async replicaHead(): Promise<ReplicaHead | null> {
    return this.replica === null ? null : this.replica.applier.chainBlock("latest");
  }

  /**
   * The account's nonce on the chain (its next transaction's), or null without a chain. Fails with a
   * retryable AdmissionUnavailableError (503) when the chain cannot be read.
   */
  async nonceOf(address: string): Promise<number | null> {
    if (this.rpc === null) return null;
    try {
      return Number(BigInt(await this.rpc.call<string>("eth_getTransactionCount", [address, "latest"])));
    } catch (err) {
      throw new AdmissionUnavailableError(`the nonce of ${address} could not be read from the chain: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  /** Where the transaction at `pos` stands on this node's replica. */
  async lookup(hash: string, pos: Position): Promise<TxLookup> {
    const ordered: TxLookup = { status: "ordered", block: pos.block, index: pos.index, chainBlock: null };
    if (this.replica === null || pos.block > this.replica.applier.appliedIndex) return ordered;
    const refused = this.refusals?.get(hash);
    if (refused !== undefined) return { ...ordered, error: refused };
    const receipt = await this.receipt(hash);
    if (receipt === null || receipt.blockNumber === null) return ordered;
    const out: TxLookup = { status: "applied", block: pos.block, index: pos.index, chainBlock: Number(BigInt(receipt.blockNumber)) };
    if (receipt.status !== undefined) out.receiptStatus = BigInt(receipt.status) === 1n ? "success" : "reverted";
    return out;
  }

  async close(): Promise<void> {
    await this.replica?.stop();
    this.rpc?.close();
    this.provider?.destroy();
  }

  private onApplied(block: OrderedBlock, records: AppliedTx[]): void {
    const refused = records.flatMap((r) => (r.error === undefined ? [] : [{ hash: r.hash, error: r.error }]));
    this.refusals?.add(refused);
    this.metrics.appliedBlocks.inc();
    this.metrics.appliedTxs.inc(records.length - refused.length);
    if (refused.length > 0) this.metrics.refusedTxs.inc(refused.length);
    this.metrics.appliedIndex.set(block.index);
    this.metrics.replicaAppliedBlock.set(block.number ?? 0);
    this.metrics.replicaHead.set(this.replica?.head?.number ?? 0);
  }

  private async receipt(hash: string): Promise<Receipt | null> {
    try {
      return await this.rpc!.call<Receipt | null>("eth_getTransactionReceipt", [hash]);
    } catch (err) {
      this.log.debug({ err, hash }, "receipt look-up failed");
      return null;
    }
  }
}
