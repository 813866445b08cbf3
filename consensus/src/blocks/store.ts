import { ClassicLevel } from "classic-level";
import { checkBlock, decodeBlock, encodeBlock, hashMatches, headerOf, makeBlock, type Block, type BlockHeader, type BlockInput } from "./block";
import { BlockCorruptionError, BlockStoreError } from "./errors";

/** Where a transaction sits: its block and its position in it. */
export interface TxLocation {
  readonly number: number;
  readonly index: number;
}

export interface BlockStoreOptions {
  /** fsync every append (default true): an acknowledged block survives a power cut. */
  readonly sync?: boolean;
}

const BLOCK = 0x62; // "b" + u64 number
const TX = 0x74; // "t" + 32-byte transaction hash

function blockKey(n: number): Buffer {
  const k = Buffer.alloc(9);
  k[0] = BLOCK;
  k.writeBigUInt64BE(BigInt(n), 1);
  return k;
}

function txKey(hash: string): Buffer {
  return Buffer.concat([Buffer.from([TX]), Buffer.from(hash.slice(2).toLowerCase(), "hex")]);
}

/**
 * Every ordered block, durably, on every node: LevelDB (classic-level) keyed by block number, with an index from
 * transaction hash to position. It is never compacted — Raft snapshots compact the Raft log, not this — and nothing of
 * it stays in memory but the head, so memory stays flat as the chain grows. A block and its index entries are written
 * in one atomic batch. Appends are serialized: blocks arrive in commit order.
 */
export class BlockStore {
  private lane: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly db: ClassicLevel<Buffer, Buffer>,
    private readonly sync: boolean,
    private top: BlockHeader | null,
  ) {}

  static async open(dir: string, options: BlockStoreOptions = {}): Promise<BlockStore> {
    const db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: "buffer", valueEncoding: "buffer" });
    try {
      await db.open();
    } catch (err) {
      throw new BlockStoreError(`cannot open the block store in ${dir}: ${(err as Error).message}`, { cause: err });
    }
    let top: BlockHeader | null = null;
    for await (const value of db.values({ gte: blockKey(0), lte: blockKey(Number.MAX_SAFE_INTEGER), reverse: true, limit: 1 })) {
      top = headerOf(verified(value, "head"));
    }
    return new BlockStore(db, options.sync ?? true, top);
  }

  /** The last stored block's header, or null when the store is empty. */
  get head(): BlockHeader | null {
    return this.top;
  }

  /** Makes the next block from `input` (number and parent from the head) and stores it. */
  append(input: BlockInput): Promise<Block> {
    return this.serial(async () => {
      const block = makeBlock(this.top, input);
      await this.write(block);
      return block;
    });
  }

  /** Stores a block made elsewhere (pulled from a peer) after checking that it continues this store's chain. */
  appendPulled(block: Block): Promise<void> {
    return this.serial(async () => {
      checkBlock(this.top, block);
      await this.write(block);
    });
  }

  /**
   * Stores blocks made elsewhere, in one atomic batch (a node groups the blocks committed while the previous write
   * was syncing), after checking that each continues the chain.
   */
  appendBlocks(blocks: readonly Block[]): Promise<void> {
    return this.serial(async () => {
      let top = this.top;
      for (const b of blocks) {
        checkBlock(top, b);
        top = headerOf(b);
      }
      await this.write(...blocks);
    });
  }

  /** Block `n`, checked against its own hash; undefined past the head. */
  async block(n: number): Promise<Block | undefined> {
    const value = await this.db.get(blockKey(n));
    return value === undefined ? undefined : verified(value, `block ${n}`);
  }

  /** Blocks `from` to `to` (default: the head) in order, each checked against its hash. */
  async *blocks(from: number, to: number = this.top?.number ?? 0): AsyncGenerator<Block> {
    if (from > to) return;
    // Read in chunks: one native call per record (`for await` on the iterator) costs several times more.
    const it = this.db.values({ gte: blockKey(from), lte: blockKey(to) });
    try {
      for (let chunk = await it.nextv(256); chunk.length > 0; chunk = await it.nextv(256)) {
        for (const value of chunk) yield verified(value, "range");
      }
    } finally {
      await it.close();
    }
  }

  /** Where transaction `hash` was ordered, or undefined when this store has never seen it. */
  async locate(hash: string): Promise<TxLocation | undefined> {
    const value = await this.db.get(txKey(hash));
    if (value === undefined) return undefined;
    if (value.length !== 12) throw new BlockCorruptionError(`tx ${hash}`, `index entry of ${value.length} bytes`);
    return { number: Number(value.readBigUInt64BE(0)), index: value.readUInt32BE(8) };
  }

  async close(): Promise<void> {
    await this.lane.catch(() => undefined);
    await this.db.close();
  }

  private async write(...blocks: Block[]): Promise<void> {
    if (blocks.length === 0) return;
    const batch = this.db.batch();
    for (const block of blocks) {
      batch.put(blockKey(block.number), encodeBlock(block));
      block.txs.forEach((t, i) => {
        const loc = Buffer.alloc(12);
        loc.writeBigUInt64BE(BigInt(block.number));
        loc.writeUInt32BE(i, 8);
        batch.put(txKey(t.hash), loc);
      });
    }
    await batch.write({ sync: this.sync });
    this.top = headerOf(blocks[blocks.length - 1]!);
  }

  private serial<T>(run: () => Promise<T>): Promise<T> {
    const next = this.lane.catch(() => undefined).then(run);
    this.lane = next;
    return next;
  }
}

/** Decodes a stored block and checks its hash, so a damaged record is never served as a block. */
function verified(value: Buffer, what: string): Block {
  const block = decodeBlock(value, what);
  if (!hashMatches(block)) throw new BlockCorruptionError(`block ${block.number}`, "its hash does not match its contents");
  return block;
}
