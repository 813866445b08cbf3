import type { Logger } from "pino";
import { BlockStore, headerOf, makeBlock, type Block, type BlockHeader } from "../blocks";
import { PullAbortedError, pullBlocks, type BlockSource } from "../blocks/puller";
import { readPage, type BlockPage } from "../blocks/wire";
import type { LedgerBlock } from "./ledger";
import type { PullMetrics } from "./pull-metrics";
import { EMPTY_CHAIN, type ChainHead, type SnapshotChain } from "./snapshot-data";

/** Where the block store found a transaction: the block's number and Raft index, and the position in it. */
export interface StoredTxLocation {
  number: number;
  raftIndex: number;
  index: number;
}

function headOf(h: BlockHeader | null): ChainHead {
  return h === null ? EMPTY_CHAIN : { number: h.number, hash: h.hash };
}

/** What `/v1/status` says while the store is catching up from peers. */
export interface CatchingUp {
  /** The snapshot's chain head the pull ends at. */
  target: ChainHead;
  /** The store's durable head. */
  stored: number;
  /** Blocks stored by this pull so far, and their rate. */
  pulled: number;
  blocksPerSecond: number;
}

interface Pull {
  readonly target: BlockHeader;
  readonly controller: AbortController;
  readonly started: number;
  pulled: number;
  lastLog: number;
  running: Promise<void>;
}

/**
 * Keeps every committed block with transactions in this node's own block store (`blocks/`), on every node. A block
 * is made on the turn after its entry applies (number, parent, hash: the same on every node, since the ledger's
 * deduplicated block and the leader's timestamp are), queued, and written in the background, writes at least
 * `writeIntervalMs` apart; the blocks that commit meanwhile go in the next write, as one batch. A failed write is
 * fatal, as a failed WAL write is.
 *
 * After a restart the log is replayed from the last snapshot: blocks whose Raft index the store already holds are
 * skipped. A snapshot whose chain head is beyond this store's (installed from the leader after a long outage, a
 * wiped store, a new member) leaves a gap: the missing blocks are pulled from peers (`blocks/puller.ts`), proven to
 * end at exactly the snapshot's head. Meanwhile the blocks of entries applied after the snapshot are made on top of
 * that head and wait in the queue, written once the pull has reached it; a crash meanwhile replays them from the
 * Raft log, and a snapshot taken meanwhile names the true head, so a restart pulls up to it.
 */
export class BlockRecorder {
  private store: BlockStore | null = null;
  /** The chain's head including queued blocks. */
  private top: BlockHeader | null = null;
  private queue: Block[] = [];
  private writing: Promise<void> | null = null;
  /** The Raft index of the newest durable block. */
  private durableIndex = 0;
  /** Set while blocks below a snapshot's head are being pulled from peers. */
  private pull: Pull | null = null;
  /** Set when the chain below a snapshot cannot be known (a snapshot from before block stores): nothing more is stored. */
  private stuck: string | null = null;
  /** A snapshot restored before the store opened, checked once it has. */
  private restored: ChainHead | null | undefined;
  /** When the last write started (`performance.now()`), and the timer of a write held back until `writeIntervalMs` passed. */
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  private writeTimer: NodeJS.Timeout | null = null;
  /** Committed entries whose blocks are not made yet (`record`), and whether a turn to make them is scheduled. */
  private unmade: { block: LedgerBlock; timestamp: number | null }[] = [];
  private makeScheduled = false;

  constructor(
    private readonly dir: string,
    private readonly log: Logger,
    private readonly onStored: () => void,
    private readonly onFatal: (err: Error) => void,
    /** The peers a gap is pulled from (none: a gap stays until a restart with peers). */
    private readonly sources: () => readonly BlockSource[] = () => [],
    private readonly metrics?: PullMetrics,
    /**
     * Writes start at least this far apart (0: as soon as the previous one is done); the blocks that commit meanwhile
     * go in the next write, as one batch with one sync. See `flush`.
     */
    private readonly writeIntervalMs = 0,
  ) {}

  async open(): Promise<void> {
    this.store = await BlockStore.open(this.dir);
    this.top = this.store.head;
    this.durableIndex = this.top?.raftIndex ?? 0;
    if (this.restored !== undefined) this.atSnapshot(this.restored);
  }

  /** The newest durable block: what `/v1/status` reports. */
  get head(): ChainHead {
    return headOf(this.store?.head ?? null);
  }

  /** The chain's head including blocks still being written: what a snapshot taken now covers. */
  get pendingHead(): ChainHead {
    this.makeQueued();
    return headOf(this.top);
  }

  /** The Raft index of the newest block made so far (durable or queued); 0 before the first. */
  get madeIndex(): number {
    this.makeQueued();
    return this.top?.raftIndex ?? 0;
  }

  /** Every block with a Raft index up to here is durable. */
  get durableRaftIndex(): number {
    return this.durableIndex;
  }

  /** Why the store is not writing what applies now (a gap being pulled, or a history it cannot know), or null. */
  get gapReason(): string | null {
    if (this.stuck !== null) return this.stuck;
    return this.pull === null ? null : `pulling blocks up to ${this.pull.target.number} from peers`;
  }

  /** The chain head a snapshot taken now covers: what `encodeSnapshotData` writes. */
  get snapshotHead(): BlockHeader | null | "unknown" {
    this.makeQueued();
    return this.stuck !== null ? "unknown" : this.top;
  }

  /** Progress while the store catches up from peers, or null. */
  get catchingUp(): CatchingUp | null {
    const p = this.pull;
    if (p === null) return null;
    const seconds = (Date.now() - p.started) / 1000;
    const target = { number: p.target.number, hash: p.target.hash };
    return { target, stored: this.head.number, pulled: p.pulled, blocksPerSecond: seconds > 0 ? Math.round(p.pulled / seconds) : 0 };
  }

  /**
   * Queues the block of a committed entry, made on the next turn; `timestamp` is the leader's (null in entries before
   * format 3). An entry without transactions makes no block, unless `empty` (a clock advance, which moves the replicas'
   * time). The block is made (its hash computed, its transactions copied) after this turn, so the clients its entry
   * answers are answered first: an entry applies inside the Ready loop, and the answers go out only after the loop's
   * turn ends. Whatever reads the made chain (`pendingHead`, `madeIndex`, `snapshotHead`) makes what is queued first.
   */
  record(block: LedgerBlock, timestamp: number | null, empty = false): void {
    if ((block.txs.length === 0 && !empty) || this.stuck !== null) return;
    if (this.store === null) throw new Error("block store not open");
    this.unmade.push({ block, timestamp });
    if (this.makeScheduled) return;
    this.makeScheduled = true;
    setImmediate(() => {
      this.makeScheduled = false;
      this.makeQueued();
    });
  }

  /** Makes the blocks `record` queued, in order, and hands them to the writer. */
  private makeQueued(): void {
    if (this.unmade.length === 0) return;
    const queued = this.unmade;
    this.unmade = [];
    for (const { block, timestamp } of queued) this.make(block, timestamp);
    this.flush();
  }

  private make(block: LedgerBlock, timestamp: number | null): void {
    if (this.stuck !== null || this.store === null) return;
    const top = this.top;
    if (top !== null && block.index <= top.raftIndex) return; // replayed after a restart: stored already
    // Never behind the parent (the leader may have changed to one whose clock is behind); the same on every node.
    const ts = Math.max(timestamp ?? 0, top?.timestamp ?? 0);
    // Copies: each `raw` is a view into the entry, which must not be kept alive by the queue.
    const txs = block.txs.map((tx) => ({ hash: tx.hash, raw: Uint8Array.from(tx.raw) }));
    const made = makeBlock(top, { raftIndex: block.index, timestamp: ts, txs });
    this.top = headerOf(made);
    this.queue.push(made);
  }

  /**
   * The ledger was restored from a snapshot whose chain head is `head` (null: a snapshot written before block
   * stores). A store behind it misses blocks, pulled from peers; a store at or ahead of it goes on from its own head.
   */
  atSnapshot(head: SnapshotChain | null): void {
    if (this.store === null) {
      this.restored = head;
      return;
    }
    const mine = this.pendingHead;
    if (head !== null && mine.number >= head.number) return;
    if (head === null || head.header === undefined) {
      this.stopPull();
      this.stuck =
        head === null
          ? "the snapshot predates block stores: its blocks are not in this store"
          : `the snapshot (format 0xb1) names block ${head.number} but not its header, so later blocks cannot be made`;
      this.log.error({ stored: mine.number, snapshot: head?.number ?? null }, `block store gap: ${this.stuck}; blocks are no longer stored on this node`);
      return;
    }
    this.startPull(head.header!);
  }

  /** Writes what is queued, then closes the store. */
  async close(): Promise<void> {
    const pulling = this.stopPull();
    await pulling;
    this.makeQueued();
    this.flush(true);
    while (this.writing !== null) await this.writing;
    await this.store?.close();
    this.store = null;
  }

  /** Durable blocks from `from` for a peer (`GET /v1/blocks`); an empty page while the store is closed. */
  async page(from: number, limit: number, headers: boolean): Promise<BlockPage> {
    if (this.store === null) return { body: Buffer.alloc(0), count: 0, head: 0 };
    return readPage(this.store, from, limit, headers);
  }

  /** Durable blocks `from`..`to` in order, each checked against its hash (the replica applier reads them). */
  async *blocks(from: number, to: number): AsyncGenerator<Block> {
    if (this.store === null) return;
    yield* this.store.blocks(from, Math.min(to, this.head.number));
  }

  /** Where transaction `hash` sits in the stored chain, or undefined. */
  async locate(hash: string): Promise<StoredTxLocation | undefined> {
    const loc = await this.store?.locate(hash);
    if (loc === undefined) return undefined;
    const block = await this.store!.block(loc.number);
    return block === undefined ? undefined : { number: loc.number, raftIndex: block.raftIndex, index: loc.index };
  }

  /**
   * Writes the queue as one synced batch, at most once per `writeIntervalMs` (unless `now`, at close). Every write
   * syncs, and at one client a block commits every 1-2 ms: one write per block gave each node two fsyncs per
   * transaction on the disk its Raft WAL syncs on, and dispatched the store's batch inside the turn that answers the
   * block's clients. Spaced writes batch the blocks (one sync per interval) and change nothing of what is durable
   * when: a block counts as stored, as before, only once synced, the Raft log keeps every entry until a snapshot covers
   * a stored block (`snapshots.ts`), and no acknowledgement waits for this store. The replica, which reads the store,
   * waits by at most the interval.
   */
  private flush(now = false): void {
    if (this.writing !== null || this.queue.length === 0 || this.store === null || this.pull !== null || this.stuck !== null) return;
    const wait = now ? 0 : this.lastWriteAt + this.writeIntervalMs - performance.now();
    if (wait > 0) {
      this.writeTimer ??= setTimeout(() => {
        this.writeTimer = null;
        this.flush();
      }, wait);
      return;
    }
    if (this.writeTimer !== null) clearTimeout(this.writeTimer);
    this.writeTimer = null;
    this.lastWriteAt = performance.now();
    const batch = this.queue;
    this.queue = [];
    this.writing = this.store.appendBlocks(batch).then(
      () => {
        this.writing = null;
        this.durableIndex = batch[batch.length - 1]!.raftIndex;
        this.flush();
        this.onStored();
      },
      (err: Error) => {
        this.writing = null;
        this.onFatal(err);
      },
    );
  }

  /**
   * The store lacks blocks up to `target` (a snapshot's head): later entries' blocks are made on top of the target
   * and queued, and the missing ones are pulled. A newer snapshot replaces the pull (its head covers the queue).
   */
  private startPull(target: BlockHeader): void {
    void this.stopPull();
    // A snapshot with a full head ends an unknowable history too: the pull proves the store's blocks link to it.
    this.stuck = null;
    const stored = this.head.number;
    this.queue = [];
    this.top = target;
    const pull: Pull = { target, controller: new AbortController(), started: Date.now(), pulled: 0, lastLog: Date.now(), running: Promise.resolve() };
    this.pull = pull;
    this.metrics?.remaining.set(target.number - stored);
    this.log.warn({ stored, snapshot: target.number }, `block store gap: the snapshot covers blocks up to ${target.number}, this store ends at ${stored}; pulling them from peers`);
    pull.running = this.runPull(pull).catch((err: Error) => {
      if (err instanceof PullAbortedError) return;
      this.onFatal(err);
    });
  }

  private async runPull(pull: Pull): Promise<void> {
    while (this.writing !== null) await this.writing;
    const store = this.store;
    if (store === null || this.pull !== pull) return;
    await pullBlocks(pull.target, { store, sources: this.sources, log: this.log, onStored: (blocks, peer) => this.pulled(pull, blocks, peer) }, pull.controller.signal);
    if (this.pull !== pull) return;
    this.pull = null;
    this.durableIndex = pull.target.raftIndex;
    const seconds = (Date.now() - pull.started) / 1000;
    this.metrics?.remaining.set(0);
    this.log.info({ pulled: pull.pulled, head: pull.target.number, seconds, blocksPerSecond: Math.round(pull.pulled / Math.max(seconds, 1e-3)), queued: this.queue.length }, "block store caught up from peers");
    this.flush();
  }

  private pulled(pull: Pull, blocks: readonly Block[], peer: string): void {
    pull.pulled += blocks.length;
    this.durableIndex = blocks[blocks.length - 1]!.raftIndex;
    const remaining = pull.target.number - blocks[blocks.length - 1]!.number;
    this.metrics?.pulledBlocks.inc(blocks.length);
    this.metrics?.pulledTxs.inc(blocks.reduce((n, b) => n + b.txs.length, 0));
    this.metrics?.remaining.set(remaining);
    const now = Date.now();
    if (now - pull.lastLog >= 2_000) {
      pull.lastLog = now;
      const rate = Math.round(pull.pulled / ((now - pull.started) / 1000));
      this.log.info({ peer, pulled: pull.pulled, remaining, blocksPerSecond: rate }, "block pull progress");
    }
    this.onStored();
  }

  /** Stops a pull in progress; resolves once it has let go of the store. */
  private stopPull(): Promise<void> {
    const pull = this.pull;
    if (pull === null) return Promise.resolve();
    this.pull = null;
    pull.controller.abort();
    return pull.running;
  }
}
