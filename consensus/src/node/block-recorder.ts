import type { Logger } from "pino";
import { BlockStore, headerOf, makeBlock, type Block, type BlockHeader } from "../blocks";
import type { LedgerBlock } from "./ledger";
import { EMPTY_CHAIN, type ChainHead } from "./snapshot-data";

/** Where the block store found a transaction: the block's number and Raft index, and the position in it. */
export interface StoredTxLocation {
  number: number;
  raftIndex: number;
  index: number;
}

function headOf(h: BlockHeader | null): ChainHead {
  return h === null ? EMPTY_CHAIN : { number: h.number, hash: h.hash };
}

/**
 * Keeps every committed block with transactions in this node's own block store (`blocks/`), on every node. A block
 * is made synchronously when its entry applies (number, parent, hash: the same on every node, since the ledger's
 * deduplicated block and the leader's timestamp are), queued, and written in the background; the blocks that commit
 * while one write syncs go in the next write, as one batch. A failed write is fatal, as a failed WAL write is.
 *
 * After a restart the log is replayed from the last snapshot: blocks whose Raft index the store already holds are
 * skipped. A snapshot whose chain head is beyond this store's (installed from the leader after a long outage, or a
 * wiped store) leaves a gap only pulling blocks from peers can fill: until then nothing more is stored here, so
 * this store never holds a chain that differs from its peers'.
 */
export class BlockRecorder {
  private store: BlockStore | null = null;
  /** The chain's head including queued blocks. */
  private top: BlockHeader | null = null;
  private queue: Block[] = [];
  private writing: Promise<void> | null = null;
  /** The Raft index of the newest durable block. */
  private durableIndex = 0;
  /** Set when the store misses blocks a snapshot covers (see the class comment). */
  private gap: string | null = null;
  /** A snapshot restored before the store opened, checked once it has. */
  private restored: ChainHead | null | undefined;

  constructor(
    private readonly dir: string,
    private readonly log: Logger,
    private readonly onStored: () => void,
    private readonly onFatal: (err: Error) => void,
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
    return headOf(this.top);
  }

  /** The Raft index of the newest block made so far (durable or queued); 0 before the first. */
  get madeIndex(): number {
    return this.top?.raftIndex ?? 0;
  }

  /** Every block with a Raft index up to here is durable. */
  get durableRaftIndex(): number {
    return this.durableIndex;
  }

  /** Why the store stopped recording (a gap only a block puller can fill), or null. */
  get gapReason(): string | null {
    return this.gap;
  }

  /**
   * Makes and queues the block of a committed entry; `timestamp` is the leader's (null in entries before format 3). An
   * entry without transactions makes no block, unless `empty` (a clock advance, which moves the replicas' time).
   */
  record(block: LedgerBlock, timestamp: number | null, empty = false): void {
    if ((block.txs.length === 0 && !empty) || this.gap !== null) return;
    if (this.store === null) throw new Error("block store not open");
    const top = this.top;
    if (top !== null && block.index <= top.raftIndex) return; // replayed after a restart: stored already
    // Never behind the parent (the leader may have changed to one whose clock is behind); the same on every node.
    const ts = Math.max(timestamp ?? 0, top?.timestamp ?? 0);
    // Copies: each `raw` is a view into the entry, which must not be kept alive by the queue.
    const txs = block.txs.map((tx) => ({ hash: tx.hash, raw: Uint8Array.from(tx.raw) }));
    const made = makeBlock(top, { raftIndex: block.index, timestamp: ts, txs });
    this.top = headerOf(made);
    this.queue.push(made);
    this.flush();
  }

  /**
   * The ledger was restored from a snapshot whose chain head is `head` (null: a snapshot written before block
   * stores). A store behind it misses blocks; a store at or ahead of it goes on from its own head.
   */
  atSnapshot(head: ChainHead | null): void {
    if (this.store === null) {
      this.restored = head;
      return;
    }
    const mine = this.pendingHead;
    if (head !== null && mine.number >= head.number) return;
    this.gap =
      head === null
        ? "the snapshot predates block stores: its blocks are not in this store"
        : `the snapshot covers blocks up to ${head.number}, this store ends at ${mine.number}`;
    this.log.error({ stored: mine.number, snapshot: head?.number ?? null }, `block store gap: ${this.gap}; blocks are no longer stored on this node until they are pulled from a peer`);
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

  /** Writes what is queued, then closes the store. */
  async close(): Promise<void> {
    while (this.writing !== null) await this.writing;
    await this.store?.close();
    this.store = null;
  }

  private flush(): void {
    if (this.writing !== null || this.queue.length === 0 || this.store === null) return;
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
}
