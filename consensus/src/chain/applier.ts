import type { Logger } from "pino";
import { callApplyBlocks, chainFeed, type BlockCall, type BlockCallAnswer, type ChainFeed, type RpcBlock } from "./block-call";
import { CheckpointFile } from "./checkpoint";
import type { JsonRpcClient, RpcOutcome } from "./rpc";

/** A transaction as ordered: its hash and the raw bytes sent to the chain. */
export interface OrderedTx {
  hash: string;
  raw: string;
}

/**
 * A committed ordered block: `index` is its position in the total order (the Raft log index), `number` its number in
 * the node's block store, `timestamp` the seconds the leader fixed for it (its chain blocks are mined with it, so
 * every replica mines the same blocks; without it the chain's clock decides).
 */
export interface OrderedBlock {
  index: number;
  number?: number;
  timestamp?: number;
  txs: OrderedTx[];
}

/** A chain block as the replica reports it. */
export interface ReplicaHead {
  number: number;
  hash: string;
  stateRoot: string;
  timestamp: number;
  /** The roots two EVMs agree on when they agree on the block (see consensus/README.md, "Replicas on two EVMs"). */
  transactionsRoot: string;
  receiptsRoot: string;
}

/** Where one transaction ended up. `error` is set when the chain refused it (e.g. nonce too low). */
export interface AppliedTx {
  hash: string;
  block: number;
  index: number;
  chainBlock: number | null;
  error?: string;
}

export interface ApplierCheckpoint {
  /** Last ordered block fully applied to the chain (its Raft index). */
  appliedIndex: number;
  /** Chain block the last applied ordered block ended in. */
  chainBlock: number;
  /** The block store's number of the last applied ordered block (0 in checkpoints written before block stores). */
  block: number;
  /** The hash of the chain's genesis block when the checkpoint was written (absent in older checkpoints). */
  genesis?: string;
}

const EMPTY_CHECKPOINT: ApplierCheckpoint = { appliedIndex: 0, chainBlock: 0, block: 0 };

export function applierCheckpointFile(file: string): CheckpointFile<ApplierCheckpoint> {
  return new CheckpointFile<ApplierCheckpoint>(file, (v) => {
    const c = v as Partial<ApplierCheckpoint>;
    if (!Number.isSafeInteger(c.appliedIndex) || !Number.isSafeInteger(c.chainBlock) || !Number.isSafeInteger(c.block ?? 0)) {
      throw new Error(`corrupt applier checkpoint ${file}`);
    }
    const out: ApplierCheckpoint = { appliedIndex: c.appliedIndex!, chainBlock: c.chainBlock!, block: c.block ?? 0 };
    if (typeof c.genesis === "string") out.genesis = c.genesis;
    return out;
  });
}

export interface ApplierOptions {
  rpc: JsonRpcClient;
  checkpoint: CheckpointFile<ApplierCheckpoint>;
  logger: Logger;
  /** Receipt look-ups per JSON-RPC batch during recovery (order does not matter there). */
  sendBatch?: number;
  /** Mines per ordered block while a block-gas-limit overflow keeps making progress. */
  maxMineRounds?: number;
  /** How to feed the chain node (block-call.ts). Default: what its `web3_clientVersion` says it is. */
  feed?: ChainFeed;
  /** With the one-call path, the longest the checkpoint goes without an fsync (default 1 s). */
  syncEveryMs?: number;
}

/** A re-send the mempool already holds: Hardhat's and Anvil's words for it. */
const KNOWN_TX = /^(Known transaction|transaction already imported)/i;

/**
 * Applies committed ordered blocks to a Hardhat node in exact order: automining off, every raw
 * transaction sent in its ordered sequence (the node's FIFO mempool keeps that order), then one
 * `evm_mine`. Only this applier may send to that node. Sends go one by one: a Hardhat node executes
 * the calls of a JSON-RPC batch concurrently, so a batch would not keep the order.
 *
 * Idempotence: the last applied ordered block is checkpointed durably after its chain block is
 * mined. After a restart or an RPC failure, the next block is applied in recovery mode: transactions
 * that already have a receipt are recorded, not re-sent, and a re-send that the mempool already holds
 * ("Known transaction") counts as sent. So a crash between send, mine and checkpoint neither applies a
 * transaction twice nor skips one.
 *
 * A chain node that is our replica host takes whole blocks in one `dplc_applyBlocks` call instead (block-call.ts):
 * no round trip per transaction, and one per call, not per block, for a backlog (`applyMany`). The host applies a block at most once and answers a block sent again with what it did
 * (its memory of the last applied block lives as long as its in-memory chain), so the chain itself says where the
 * replica is, and the checkpoint is written on every block but fsynced at most once per `syncEveryMs`: a process crash
 * loses nothing (the page cache keeps the file), and after a machine crash a checkpoint that lags the chain only makes
 * the host repeat its answers.
 */
export class ChainApplier {
  private readonly rpc: JsonRpcClient;
  private readonly checkpoint: CheckpointFile<ApplierCheckpoint>;
  private readonly log: Logger;
  private readonly sendBatch: number;
  private readonly maxMineRounds: number;
  private readonly feedOption: ChainFeed | undefined;
  private readonly syncEveryMs: number;
  /** How the chain node is fed (decided at every recovery: a replaced chain node fails calls first). */
  private feed: ChainFeed = "sends";
  private lastSync = 0;
  private state: ApplierCheckpoint = { ...EMPTY_CHECKPOINT };
  private recovering = true;
  /** The newest chain block this applier mined or read; its timestamp is the floor for the next mine. */
  private last: ReplicaHead | null = null;

  constructor(options: ApplierOptions) {
    this.rpc = options.rpc;
    this.checkpoint = options.checkpoint;
    this.log = options.logger;
    this.sendBatch = options.sendBatch ?? 200;
    this.maxMineRounds = options.maxMineRounds ?? 16;
    this.feedOption = options.feed;
    this.syncEveryMs = options.syncEveryMs ?? 1_000;
  }

  /** Loads the checkpoint. The chain is contacted lazily, so a node can start before its chain. */
  start(): ApplierCheckpoint {
    this.state = this.checkpoint.read() ?? { ...EMPTY_CHECKPOINT };
    this.recovering = true;
    return { ...this.state };
  }

  /** Forgets every applied block (the chain lost them: its data was wiped); the next block applied is the first. */
  reset(): void {
    this.state = { ...EMPTY_CHECKPOINT };
    this.checkpoint.write(this.state);
    this.recovering = true;
    this.last = null;
  }

  /** Records the chain's genesis hash in the checkpoint (a later different genesis means another chain). */
  noteGenesis(hash: string): void {
    if (this.state.genesis === hash) return;
    this.state = { ...this.state, genesis: hash };
    this.checkpoint.write(this.state);
  }

  /**
   * Whether the next call checks the chain itself: on the replica host's path, every call names its parent (the
   * checkpoint's chain block and genesis) and the host refuses it (ChainNotAtParentError) when its chain does not hold
   * it, so the caller needs no head read of its own before it. False until the first block after a start or a failure
   * went through (that one reads the chain and decides the path).
   */
  get checksChainInCall(): boolean {
    return this.feed === "host" && !this.recovering;
  }

  get checkpointed(): ApplierCheckpoint {
    return { ...this.state };
  }

  /** The newest chain block this applier mined (or found at recovery), or null before the first. */
  get head(): ReplicaHead | null {
    return this.last;
  }

  get appliedIndex(): number {
    return this.state.appliedIndex;
  }

  get lastChainBlock(): number {
    return this.state.chainBlock;
  }

  /**
   * Applies one block; blocks must come in increasing index order. A block at or below the checkpoint
   * is skipped (returns null). Throws on an RPC failure: retry the same block.
   */
  async apply(block: OrderedBlock): Promise<AppliedTx[] | null> {
    return (await this.applyMany([block]))[0]!;
  }

  /**
   * Applies blocks in increasing index order; answers each one's records (null for a block at or below the checkpoint,
   * skipped). On the one-call path they all go in one call, except the first after a start or a failure, which goes
   * alone: it reads the chain and decides the path. Throws on an RPC failure: retry from `checkpointed`.
   */
  async applyMany(blocks: OrderedBlock[]): Promise<(AppliedTx[] | null)[]> {
    const out: (AppliedTx[] | null)[] = [];
    try {
      let i = 0;
      for (; i < blocks.length && (this.recovering || this.feed !== "host"); i++) {
        const block = blocks[i]!;
        if (block.index <= this.state.appliedIndex) {
          out.push(null);
          continue;
        }
        out.push(await this.applyBlock(block));
        this.recovering = false;
      }
      if (i < blocks.length) out.push(...(await this.applyInOneCall(blocks.slice(i))));
      return out;
    } catch (err) {
      this.recovering = true;
      throw err;
    }
  }

  private async applyBlock(block: OrderedBlock): Promise<AppliedTx[]> {
    if (this.recovering) {
      this.feed = this.feedOption ?? (await chainFeed(this.rpc));
      await this.rpc.call("evm_setAutomine", [false]);
      this.last = await this.chainBlock("latest");
    }
    if (this.feed === "host") return (await this.applyInOneCall([block]))[0]!;
    const records = newRecords(block);
    this.applied(block, records, await this.sendAndMine(block, records));
    this.writeCheckpoint();
    return records;
  }

  /** The applied block's checkpoint state, in memory (the caller writes it). */
  private applied(block: OrderedBlock, records: AppliedTx[], chainBlock: number | null): void {
    const lastChainBlock = chainBlock ?? this.latestOf(records) ?? this.state.chainBlock;
    this.state = { ...this.state, appliedIndex: block.index, chainBlock: lastChainBlock, block: block.number ?? this.state.block };
    const refused = records.filter((r) => r.error !== undefined).length;
    this.log.debug({ block: block.index, txs: records.length, refused, chainBlock: lastChainBlock }, "applied block");
  }

  /** Today's path for any chain node: each transaction in its own round trip, then `evm_mine`. */
  private async sendAndMine(block: OrderedBlock, records: AppliedTx[]): Promise<number | null> {
    let unsent = records.map((_, i) => i);
    if (this.recovering) unsent = await this.skipOnChain(records, unsent);
    const waiting = await this.send(block, records, unsent);
    // An ordered block without transactions (a clock advance) still makes one chain block at its time.
    return block.txs.length === 0 ? this.mineEmpty(block.timestamp) : this.mineUntilIncluded(records, waiting, block.timestamp);
  }

  /**
   * The replica host's path: the blocks above the checkpoint in one call, then one checkpoint write. The call names
   * the checkpoint as its parent: a chain that lost it refuses the call whole (`checksChainInCall`).
   */
  private async applyInOneCall(blocks: OrderedBlock[]): Promise<(AppliedTx[] | null)[]> {
    const fresh = blocks.filter((b) => b.index > this.state.appliedIndex);
    if (fresh.length === 0) return blocks.map(() => null);
    const calls = fresh.map(blockCall);
    const { chainBlock, genesis } = this.state;
    calls[0]!.parent = genesis === undefined ? { chainBlock } : { chainBlock, genesis };
    const answers = await callApplyBlocks(this.rpc, calls);
    const byIndex = new Map<number, AppliedTx[]>();
    for (const [k, block] of fresh.entries()) {
      const records = newRecords(block);
      this.applied(block, records, await this.takeAnswer(records, answers[k]!));
      byIndex.set(block.index, records);
    }
    this.writeCheckpoint();
    return blocks.map((b) => byIndex.get(b.index) ?? null);
  }

  /**
   * Fills the records from the host's answer. A block the host applied before (the applier crashed before its
   * checkpoint) comes back with the host's first answer; if the host no longer keeps it (null), the receipts say where
   * each transaction went, and the rest were refused then.
   */
  private async takeAnswer(records: AppliedTx[], answer: BlockCallAnswer): Promise<number | null> {
    if (answer === null) {
      const lost = await this.skipOnChain(records, records.map((_, i) => i));
      for (const i of lost) records[i]!.error = "refused by the chain before this node restarted (the refusal's text was not kept)";
      return null;
    }
    answer.results.forEach((r, i) => {
      records[i]!.chainBlock = r.chainBlock;
      if (r.error !== undefined) records[i]!.error = r.error;
    });
    if (answer.head === null) return null;
    const head = replicaHead(answer.head);
    if (this.last === null || head.number >= this.last.number) this.last = head;
    return head.number;
  }

  /** Fsynced on every block on the old path; on the one-call path at most once per `syncEveryMs` (class comment). */
  private writeCheckpoint(): void {
    const now = Date.now();
    const durable = this.feed !== "host" || now - this.lastSync >= this.syncEveryMs;
    this.checkpoint.write(this.state, durable);
    if (durable) this.lastSync = now;
  }

  /** Recovery: transactions with a receipt were applied before a crash; record and keep them out. */
  private async skipOnChain(records: AppliedTx[], unsent: number[]): Promise<number[]> {
    const outcomes = await this.batched(unsent.map((i) => ({ method: "eth_getTransactionReceipt", params: [records[i]!.hash] })));
    const rest: number[] = [];
    unsent.forEach((i, k) => {
      const o = outcomes[k]!;
      if (!o.ok) throw new Error(`eth_getTransactionReceipt failed: ${o.message}`);
      const receipt = o.result as { blockNumber?: string } | null;
      if (receipt?.blockNumber !== undefined && receipt.blockNumber !== null) {
        records[i]!.chainBlock = Number(BigInt(receipt.blockNumber));
      } else {
        rest.push(i);
      }
    });
    if (rest.length < unsent.length) {
      this.log.info({ skipped: unsent.length - rest.length }, "recovery: transactions already on chain");
    }
    return rest;
  }

  /** Sends in ordered sequence; answers which records now wait in the mempool. */
  private async send(block: OrderedBlock, records: AppliedTx[], unsent: number[]): Promise<Map<string, AppliedTx>> {
    if (this.feed === "anvil" && unsent.length > 1) {
      const batched = await this.sendAsBatch(block, records, unsent);
      if (batched !== null) return batched;
    }
    const waiting = new Map<string, AppliedTx>();
    // One at a time: a Hardhat node runs a JSON-RPC batch's calls concurrently, which loses the order.
    for (const i of unsent) {
      const [o] = await this.rpc.batch([{ method: "eth_sendRawTransaction", params: [block.txs[i]!.raw] }]);
      const rec = records[i]!;
      if (o!.ok || KNOWN_TX.test(o!.message)) waiting.set(rec.hash, rec);
      else rec.error = o!.message;
    }
    return waiting;
  }

  /**
   * Anvil: the block's sends as one JSON-RPC batch. Anvil runs a batch's calls concurrently too (`join_all`), so the
   * order is checked, never assumed: kept (measured: every 30-transfer block of `bench:replica`) only when the pending
   * block holds nothing else and lists the waiting transactions it holds in the ordered sequence (one with a nonce gap
   * waits outside it, as it would after sends one by one); otherwise they are dropped from the mempool and the caller
   * sends them again one by one (null).
   */
  private async sendAsBatch(block: OrderedBlock, records: AppliedTx[], unsent: number[]): Promise<Map<string, AppliedTx> | null> {
    const outcomes = await this.rpc.batch(unsent.map((i) => ({ method: "eth_sendRawTransaction", params: [block.txs[i]!.raw] })));
    const waiting = new Map<string, AppliedTx>();
    unsent.forEach((i, k) => {
      const o = outcomes[k]!;
      const rec = records[i]!;
      if (o.ok || KNOWN_TX.test(o.message)) waiting.set(rec.hash, rec);
      else rec.error = o.message;
    });
    const pending = await this.rpc.call<{ transactions: string[] }>("eth_getBlockByNumber", ["pending", false]);
    const listed = pending.transactions.map((h) => h.toLowerCase());
    const inPending = new Set(listed);
    const expected = records.filter((r) => waiting.has(r.hash) && inPending.has(r.hash)).map((r) => r.hash);
    if (listed.join() === expected.join()) return waiting;
    this.log.warn({ block: block.index, txs: expected.length }, "a batch of sends lost the block's order; sending them one by one");
    for (const h of waiting.keys()) await this.rpc.call("hardhat_dropTransaction", [h]);
    for (const i of unsent) delete records[i]!.error;
    return null;
  }

  /**
   * Mines until every waiting transaction is in a block. Normally one mine; more only when the
   * block gas limit pushed some into the next block. Ones that never get mined (a nonce gap) are
   * dropped from the mempool so they cannot slip into a later ordered block's chain block.
   */
  private async mineUntilIncluded(records: AppliedTx[], waiting: Map<string, AppliedTx>, timestamp?: number): Promise<number | null> {
    let last: number | null = null;
    for (let round = 0; waiting.size > 0 && round < this.maxMineRounds; round++) {
      // The ordered block's time, never behind the chain's head (the same on identical replicas).
      await this.rpc.call("evm_mine", timestamp === undefined ? [] : [Math.max(timestamp, this.last?.timestamp ?? 0)]);
      const mined = await this.rpc.call<RpcBlock & { transactions: string[] }>("eth_getBlockByNumber", ["latest", false]);
      this.last = replicaHead(mined);
      last = this.last.number;
      const before = waiting.size;
      for (const h of mined.transactions) {
        const rec = waiting.get(h.toLowerCase());
        if (rec === undefined) continue;
        rec.chainBlock = last;
        waiting.delete(h.toLowerCase());
      }
      if (waiting.size === before) break;
    }
    for (const rec of waiting.values()) {
      await this.rpc.call("hardhat_dropTransaction", [rec.hash]);
      rec.error = "not executable on chain (nonce gap?): dropped from the mempool";
    }
    if (waiting.size > 0) this.log.warn({ dropped: waiting.size, records: records.length }, "dropped unmineable transactions");
    return last;
  }

  private async mineEmpty(timestamp?: number): Promise<number> {
    // After a crash between this mine and its checkpoint the chain is already one block further (nothing else mines).
    if (this.recovering && this.last !== null && this.last.number > this.state.chainBlock) return this.state.chainBlock + 1;
    await this.rpc.call("evm_mine", timestamp === undefined ? [] : [Math.max(timestamp, this.last?.timestamp ?? 0)]);
    this.last = await this.chainBlock("latest");
    return this.last!.number;
  }

  /** A chain block's header as the replica reports it (`tag`: "latest" or a hex number); null past the head. */
  async chainBlock(tag: string): Promise<ReplicaHead | null> {
    const b = await this.rpc.call<RpcBlock | null>("eth_getBlockByNumber", [tag, false]);
    return b === null ? null : replicaHead(b);
  }

  private latestOf(records: AppliedTx[]): number | null {
    let max: number | null = null;
    for (const r of records) if (r.chainBlock !== null && (max === null || r.chainBlock > max)) max = r.chainBlock;
    return max;
  }

  private async batched(requests: { method: string; params: unknown[] }[]): Promise<RpcOutcome[]> {
    const out: RpcOutcome[] = [];
    for (let i = 0; i < requests.length; i += this.sendBatch) {
      out.push(...(await this.rpc.batch(requests.slice(i, i + this.sendBatch))));
    }
    return out;
  }
}

function newRecords(block: OrderedBlock): AppliedTx[] {
  return block.txs.map((t, i) => ({ hash: t.hash, block: block.index, index: i, chainBlock: null }));
}

function blockCall(b: OrderedBlock): BlockCall {
  const out: BlockCall = { index: b.index, transactions: b.txs.map((t) => t.raw) };
  if (b.number !== undefined) out.number = b.number;
  if (b.timestamp !== undefined) out.timestamp = b.timestamp;
  return out;
}

function replicaHead(b: RpcBlock): ReplicaHead {
  const { hash, stateRoot, transactionsRoot, receiptsRoot } = b;
  return { number: Number(BigInt(b.number)), hash, stateRoot, timestamp: Number(BigInt(b.timestamp)), transactionsRoot, receiptsRoot };
}
