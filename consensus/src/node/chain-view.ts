import path from "node:path";
import { JsonRpcProvider } from "ethers";
import type { Logger } from "pino";
import type { TxLookup } from "../api/types";
import { Admission } from "../chain/admission";
import { AdmissionUnavailableError } from "../chain/errors";
import { registryApprovalReader } from "../chain/registry";
import { ChainApplier, applierCheckpointFile, type AppliedTx, type OrderedBlock } from "../chain/applier";
import { DeliveryQueue } from "../chain/delivery";
import { JsonRpcClient } from "../chain/rpc";
import type { OrdererConfig } from "../config/schema";
import { admissionSettings } from "../config/validate";
import type { OrdererMetrics } from "../metrics/metrics";
import type { LedgerBlock, Position } from "./ledger";

/** Hardhat's default chain id, assumed when the config names no chain or no chain id. */
export const DEFAULT_CHAIN_ID = 31337n;

interface ChainInfo {
  chainBlock: number | null;
  error?: string;
}

/**
 * This node's view of the private chain: admission (reads the registry), delivery (only on the one
 * node started with `deliver`) and "applied" look-ups (every node with a chain configured reads
 * receipts, so any node can answer where a transaction landed).
 */
export class ChainView {
  readonly chainId: bigint;
  readonly admission: Admission | null;
  readonly applier: ChainApplier | null;
  readonly delivery: DeliveryQueue | null;
  private readonly rpc: JsonRpcClient | null;
  private readonly provider: JsonRpcProvider | null;
  private readonly info = new Map<string, ChainInfo>();
  /** Highest block with transactions handed to delivery. */
  private lastHandedOver = 0;

  constructor(cfg: OrdererConfig, deliver: boolean, private readonly metrics: OrdererMetrics, private readonly log: Logger) {
    this.chainId = cfg.chain?.chainId !== undefined ? BigInt(cfg.chain.chainId) : DEFAULT_CHAIN_ID;
    this.rpc = cfg.chain === undefined ? null : new JsonRpcClient(cfg.chain.rpcUrl);
    if (deliver && this.rpc === null) throw new Error("delivery to the chain needs chain.rpcUrl in the config");
    // The config's validation makes sure a chain is configured whenever admission is.
    const settings = admissionSettings(cfg);
    this.provider =
      settings === null || cfg.chain === undefined ? null : new JsonRpcProvider(cfg.chain.rpcUrl, Number(this.chainId), { staticNetwork: true });
    this.admission =
      settings === null || this.provider === null
        ? null
        : new Admission({ ...settings, reader: registryApprovalReader(settings.registry, this.provider) });
    this.applier = deliver
      ? new ChainApplier({ rpc: this.rpc!, checkpoint: applierCheckpointFile(path.join(cfg.dataDir, "chain-checkpoint.json")), logger: log })
      : null;
    this.delivery =
      this.applier === null
        ? null
        : new DeliveryQueue({ applier: this.applier, logger: log, onApplied: (b, r) => this.onApplied(b, r) });
    if (this.applier !== null) this.metrics.appliedIndex.set(this.applier.start().appliedIndex);
  }

  /** Hands a committed block to the chain (delivering node only; the others skip the hex encoding). */
  deliver(block: LedgerBlock): void {
    if (this.delivery === null) return;
    if (block.txs.length === 0) return;
    this.lastHandedOver = block.index;
    const ordered: OrderedBlock = {
      index: block.index,
      txs: block.txs.map((tx) => ({ hash: tx.hash, raw: "0x" + Buffer.from(tx.raw.buffer, tx.raw.byteOffset, tx.raw.byteLength).toString("hex") })),
    };
    this.delivery.enqueue(ordered);
  }

  /** True when every block handed over so far has reached the chain (always true off the delivering node). */
  caughtUp(): boolean {
    if (this.applier === null || this.delivery === null) return true;
    return this.delivery.backlog === 0 && this.applier.appliedIndex >= this.lastHandedOver;
  }

  /** Delivery is durable up to here: a snapshot must not get ahead of it on the delivering node. */
  get deliveredIndex(): number | null {
    return this.applier?.appliedIndex ?? null;
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

  async lookup(hash: string, pos: Position): Promise<TxLookup> {
    const known = this.info.get(hash) ?? (await this.fromReceipt(hash, pos));
    if (known !== undefined && known.chainBlock !== null) {
      return { status: "applied", block: pos.block, index: pos.index, chainBlock: known.chainBlock };
    }
    const out: TxLookup = { status: "ordered", block: pos.block, index: pos.index, chainBlock: null };
    if (known?.error !== undefined) out.error = known.error;
    return out;
  }

  async close(): Promise<void> {
    await this.delivery?.stop();
    this.provider?.destroy();
  }

  private onApplied(block: OrderedBlock, records: AppliedTx[]): void {
    for (const r of records) {
      const entry: ChainInfo = { chainBlock: r.chainBlock };
      if (r.error !== undefined) entry.error = r.error;
      this.info.set(r.hash, entry);
    }
    const refused = records.filter((r) => r.error !== undefined).length;
    this.metrics.appliedBlocks.inc();
    this.metrics.appliedTxs.inc(records.length - refused);
    if (refused > 0) this.metrics.refusedTxs.inc(refused);
    this.metrics.appliedIndex.set(block.index);
  }

  /** Reads the receipt once the transaction may be on chain; caches only final answers. */
  private async fromReceipt(hash: string, pos: Position): Promise<ChainInfo | undefined> {
    if (this.rpc === null) return undefined;
    if (this.applier !== null && pos.block > this.applier.appliedIndex) return undefined;
    try {
      const receipt = await this.rpc.call<{ blockNumber: string | null } | null>("eth_getTransactionReceipt", [hash]);
      if (receipt === null || receipt.blockNumber === null) return undefined;
      const found: ChainInfo = { chainBlock: Number(BigInt(receipt.blockNumber)) };
      this.info.set(hash, found);
      return found;
    } catch (err) {
      this.log.debug({ err, hash }, "receipt look-up failed");
      return undefined;
    }
  }
}
