import type { Logger } from "pino";
import type { Block } from "../blocks";
import type { AppliedTx, ChainApplier, OrderedBlock, ReplicaHead } from "../chain/applier";

/** A backlog goes to the applier in calls of at most this many blocks or (about) transactions. */
const MAX_CALL_BLOCKS = 64;
const MAX_CALL_TXS = 2_000;

function orderedBlock(block: Block): OrderedBlock {
  return {
    index: block.raftIndex,
    number: block.number,
    timestamp: block.timestamp,
    txs: block.txs.map((tx) => ({ hash: tx.hash, raw: "0x" + Buffer.from(tx.raw.buffer, tx.raw.byteOffset, tx.raw.byteLength).toString("hex") })),
  };
}

/** What the replica reads of this node's block store. */
export interface StoredBlocks {
  /** The number of the newest durable block (0 while the store is empty). */
  headNumber(): number;
  /** Durable blocks `from`..`to`, in order. */
  blocks(from: number, to: number): AsyncIterable<Block>;
}

export interface ReplicaOptions {
  applier: ChainApplier;
  store: StoredBlocks;
  logger: Logger;
  onApplied?: (block: OrderedBlock, records: AppliedTx[]) => void;
  /** The replica was found behind its checkpoint and is rebuilt from block 1 (refusals recorded so far are void). */
  onRebuild?: () => void;
  /** Retry backoff bounds after a chain failure. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** How often an idle replica checks that its chain still holds what it applied (default 2 s). */
  watchMs?: number;
  /** Rounds start at least this far apart (default PUMP_INTERVAL_MS); the blocks stored meanwhile go in the next. */
  pumpIntervalMs?: number;
}

/**
 * Rounds of the replica start at least this far apart. At one client every ordered block holds one transaction and the
 * block store writes every 10 ms or more: a round per stored write paid a call, a head read and a checkpoint write per
 * transaction on the node's event loop (3-4 ms of CPU per transaction, BENCHMARKS.md "`--replicas` measures", seventh
 * session). A round per 25 ms applies whatever was stored since in one call; the replica lags the store by at most
 * that, and nothing waits for the replica but look-ups of "applied".
 */
export const PUMP_INTERVAL_MS = 25;

/**
 * This node's EVM replica: applies the blocks of the node's own block store, in order, to its own chain node. It reads
 * the store, not the Raft log, so after any restart (of the node or of the chain node) it goes on from its durable
 * checkpoint, and the applier's recovery mode records transactions already on chain instead of sending them again.
 *
 * A chain node that lost its data (an in-memory Hardhat node restarted) is behind the checkpoint: its head is below
 * the checkpoint's chain block, or its genesis is not the one the checkpoint names (another chain). Then the replica is
 * rebuilt from block 1 of the store; since every replica starts from the same genesis and mines each ordered block
 * with its fixed timestamp, the rebuilt chain is the one it had.
 *
 * Speed (`npm run bench:replica`, BENCHMARKS.md "Replica apply rate"). Through a plain `hardhat node` a replica paid
 * one `eth_sendRawTransaction` HTTP round trip per transaction (a Hardhat node runs a JSON-RPC batch's calls
 * concurrently: a batch kept a 30-transfer block's order in 5-15 % of blocks), plus `evm_mine` and an fsynced
 * checkpoint per block: 14-18 % of the raw chain rate (median of 3). A Hardhat replica's chain node is now our replica host
 * (consensus/chain/replica-host.js), which takes whole ordered blocks in one `dplc_applyBlocks` call and applies them
 * in-process; a backlog goes in calls of up to MAX_CALL_BLOCKS blocks, so the round trip is paid per call, and the
 * checkpoint is fsynced at most once a second (the host itself says which blocks it applied: applier.ts). Inside the
 * host each ordered block is one EDR batch (its sends in order, its `evm_mine` with its timestamp, a head read), and
 * the next call's blocks are read from the store while the host applies the current one: 90-110 % of raw (slowest
 * replica, 3 runs at load 13-18) where it was 59-72 % in the same runs without both. Anvil takes a block's sends as
 * one batch, checked against its pending block (10-32 % of Anvil's own raw rate); any other chain node gets today's sends.
 * While blocks come one transaction each (one client), rounds start PUMP_INTERVAL_MS apart and the host's call checks
 * the chain itself, so a round costs one call for every block stored since (BENCHMARKS.md, "The replica's cost per
 * block": about 55 % less CPU per transaction on each orderer node at one client).
 */
export class Replica {
  private running: Promise<void> | null = null;
  private again = false;
  private lastPumpAt = Number.NEGATIVE_INFINITY;
  private pumpTimer: NodeJS.Timeout | null = null;
  /** The idle watch asks for a head check even where the applier's calls check the chain themselves. */
  private verifyDue = false;
  private stopped = false;
  private wake: (() => void) | null = null;
  private readonly watch: NodeJS.Timeout;
  private seen: ReplicaHead | null = null;
  /** The genesis was compared since the last chain failure (a replaced chain node fails calls first). */
  private genesisKnown = false;

  constructor(private readonly o: ReplicaOptions) {
    // A chain node restarted while no block arrives must still be noticed and rebuilt.
    this.watch = setInterval(() => {
      this.verifyDue = true;
      this.kick();
    }, o.watchMs ?? 2_000);
    this.watch.unref();
  }

  get applier(): ChainApplier {
    return this.o.applier;
  }

  /** The last applied ordered block's number in the store. */
  get appliedBlock(): number {
    return this.o.applier.checkpointed.block;
  }

  /** The replica's chain head as last mined or read here (null until the chain first answered). */
  get head(): ReplicaHead | null {
    return this.o.applier.head ?? this.seen;
  }

  /** New blocks are durable in the store (or the node started): apply whatever the replica lacks. */
  kick(): void {
    if (this.stopped) return;
    if (this.running !== null) {
      this.again = true;
      return;
    }
    const wait = this.lastPumpAt + (this.o.pumpIntervalMs ?? PUMP_INTERVAL_MS) - performance.now();
    if (wait > 0) {
      this.pumpTimer ??= setTimeout(() => {
        this.pumpTimer = null;
        this.kick();
      }, wait);
      return;
    }
    this.lastPumpAt = performance.now();
    this.running = this.pump().finally(() => {
      this.running = null;
      if (this.again && !this.stopped) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** Resolves once the replica has applied every block the store held when called (or it was stopped). */
  async caughtUp(): Promise<void> {
    const target = this.o.store.headNumber();
    while (!this.stopped && this.appliedBlock < target) {
      this.kick();
      await (this.running ?? new Promise((r) => setTimeout(r, 10)));
    }
  }

  /** Stops after the block in flight; the checkpoint says where it stopped. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.watch);
    if (this.pumpTimer !== null) clearTimeout(this.pumpTimer);
    this.wake?.();
    while (this.running !== null) await this.running;
  }

  private async pump(): Promise<void> {
    const min = this.o.minBackoffMs ?? 100;
    const max = this.o.maxBackoffMs ?? 5_000;
    let backoff = min;
    // Every round first checks the chain against the checkpoint: a wiped chain node would otherwise take the next
    // block's transactions as future nonces and never mine them. Against the replica host the apply call itself names
    // the checkpoint as its parent and is refused by a chain that lacks it (applier.ts `checksChainInCall`): no head
    // read of its own then, except when the idle watch asks (nothing else would notice a wipe while no block comes).
    let verify = this.verifyDue || !this.o.applier.checksChainInCall;
    while (!this.stopped && (verify || this.appliedBlock < this.o.store.headNumber())) {
      try {
        if (verify) {
          this.verifyDue = false;
          await this.checkChain();
        }
        verify = false;
        await this.applyStored();
        backoff = min;
      } catch (err) {
        verify = true;
        this.genesisKnown = false;
        this.o.logger.warn({ err, block: this.appliedBlock + 1, retryMs: backoff }, "replica: applying to the chain failed; retrying");
        await this.sleep(backoff);
        backoff = Math.min(max, backoff * 2);
      }
    }
  }

  /**
   * Applies the stored blocks the replica lacks, up to MAX_CALL_BLOCKS / MAX_CALL_TXS per applier call. The next call's
   * blocks are read from the store while the chain node works on the current call (one call in flight, the next sent
   * only after it answered): reading a call's blocks took 5-35 ms under load against 85-240 ms of applying them
   * (BENCHMARKS.md, "Replica apply rate", 2026-12-07 evening), time the chain node otherwise sat idle.
   */
  private async applyStored(): Promise<void> {
    const head = this.o.store.headNumber();
    let chunk: OrderedBlock[] = [];
    let txs = 0;
    // Settles with the call's error (not rejected) so that a failure while the next blocks are read is not unhandled.
    let inFlight: Promise<unknown> = Promise.resolve(null);
    const next = async (): Promise<void> => {
      const failed = await inFlight;
      if (failed !== null) throw failed;
      inFlight = this.applyChunk(chunk).then(() => null, (err: unknown) => err ?? new Error("replica call failed"));
      chunk = [];
      txs = 0;
    };
    for await (const block of this.o.store.blocks(this.appliedBlock + 1, head)) {
      if (this.stopped) break;
      chunk.push(orderedBlock(block));
      txs += block.txs.length;
      if (chunk.length >= MAX_CALL_BLOCKS || txs >= MAX_CALL_TXS) await next();
    }
    if (!this.stopped) await next();
    const failed = await inFlight;
    if (failed !== null) throw failed;
  }

  private async applyChunk(chunk: OrderedBlock[]): Promise<void> {
    if (chunk.length === 0) return;
    const results = await this.o.applier.applyMany(chunk);
    results.forEach((records, i) => {
      if (records !== null) this.o.onApplied?.(chunk[i]!, records);
    });
  }

  /** Rebuilds from block 1 when the chain is behind the checkpoint or has another genesis (see the class comment). */
  private async checkChain(): Promise<void> {
    const cp = this.o.applier.checkpointed;
    const latest = await this.o.applier.chainBlock("latest");
    this.seen = latest;
    const genesis = this.genesisKnown ? cp.genesis : (await this.o.applier.chainBlock("0x0"))?.hash;
    const otherChain = genesis !== undefined && cp.genesis !== undefined && genesis !== cp.genesis;
    this.genesisKnown = true;
    if (!otherChain && latest !== null && latest.number >= cp.chainBlock) {
      if (genesis !== undefined) this.o.applier.noteGenesis(genesis);
      return;
    }
    this.o.logger.warn(
      { checkpoint: cp, chainHead: latest?.number ?? null, genesis },
      "replica: the chain is behind this node's checkpoint (its data was wiped?) or has another genesis; re-applying every block from the store",
    );
    this.o.applier.reset();
    if (genesis !== undefined) this.o.applier.noteGenesis(genesis);
    this.o.onRebuild?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    }).finally(() => (this.wake = null));
  }
}
