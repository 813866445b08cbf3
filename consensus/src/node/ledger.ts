import type { BatchTx } from "../batch/types";
import { SenderNonces, type NonceRefusal } from "./sender-nonces";

export interface Position {
  /** The ordered block: the Raft log index of its entry. */
  block: number;
  /** Position inside the delivered (deduplicated) block. */
  index: number;
}

/** A committed block after deduplication: its log index and the transactions new to the ledger. */
export interface LedgerBlock {
  index: number;
  /** In committed order; `raw` may be a view into the entry (see `decodeBlock`). */
  txs: BatchTx[];
  /** Transactions of the entry the nonce rule kept out of the order. */
  refused: NonceRefusal[];
}

const SNAPSHOT_VERSION = 3;

/**
 * Transactions whose positions the ledger keeps (the newest). Every node must use the same value,
 * or their state machines (and so their deduplication) would differ: it is a constant, not a
 * per-node setting. 500,000 is about a minute at the orderer's peak throughput and ~100 MB of heap;
 * clients retry within seconds.
 */
export const LEDGER_RETAINED_TXS = 500_000;

/**
 * The orderer's replicated state machine: where every ordered transaction sits in the total order.
 * It is the same on every node because it only changes by applying committed entries in log order.
 *
 * Exactly-once: a transaction can reach the log twice (a client retried while a leader changed). The
 * first committed occurrence wins; later ones are dropped from the block handed to the chain, on
 * every node alike.
 *
 * Nonces: a transaction that carries its sender (recorded by the leader) takes its place only with
 * its sender's next nonce in the order (`SenderNonces`); a repeat or a gap is refused here, on every
 * node alike, and is not deduplicated, so the same bytes may be ordered later once the gap is filled.
 *
 * Bounded: only the newest `retainedTxs` transactions keep their positions (whole blocks are
 * forgotten, oldest first, at the same log position on every node), so memory and snapshots stop
 * growing with the chain's history. A retry of a forgotten transaction would be ordered again; the
 * chain refuses its reused nonce, so it still runs once.
 */
export class OrderLedger {
  private readonly positions = new Map<string, Position>();
  /** Hashes per ordered block, oldest first (insertion order): the snapshot form of `positions`. */
  private readonly blocks = new Map<number, string[]>();
  private readonly nonces = new SenderNonces();
  private applied = 0;
  /** Seconds the devnet clock was advanced by ordered clock entries: added to every later block's timestamp. */
  private offset = 0;

  constructor(private readonly retainedTxs = LEDGER_RETAINED_TXS) {
    if (!Number.isSafeInteger(retainedTxs) || retainedTxs < 1) {
      throw new RangeError(`retainedTxs must be a positive integer, got ${retainedTxs}`);
    }
  }

  get appliedIndex(): number {
    return this.applied;
  }

  get size(): number {
    return this.positions.size;
  }

  position(hash: string): Position | undefined {
    return this.positions.get(hash);
  }

  /** The sender's next nonce in the order (lower-case 0x address), or undefined when no retained transaction is its. */
  nextNonce(sender: string): number | undefined {
    return this.nonces.nextNonce(sender);
  }

  /** Why the order refused this transaction, if it did (and it has not been ordered since). */
  refusal(hash: string): NonceRefusal | undefined {
    return this.nonces.refusal(hash);
  }

  /** The replicated clock offset (seconds): block timestamps are the leader's clock plus this. */
  get clockOffset(): number {
    return this.offset;
  }

  /** Applies a committed clock advance (`batch/clock-entry.ts`). */
  advanceClock(entryIndex: number, seconds: number): void {
    this.advanceTo(entryIndex);
    this.offset += seconds;
  }

  /** Marks a committed entry that carries no transactions (config change, leader no-op). */
  skip(entryIndex: number): void {
    this.advanceTo(entryIndex);
  }

  /** Applies a committed block of transactions; answers the deduplicated block for the chain. */
  applyBlock(entryIndex: number, txs: readonly BatchTx[]): LedgerBlock {
    this.advanceTo(entryIndex);
    const fresh: LedgerBlock = { index: entryIndex, txs: [], refused: [] };
    const hashes: string[] = [];
    for (const tx of txs) {
      const hash = tx.hash.toLowerCase();
      if (this.positions.has(hash)) continue;
      if (tx.sender !== undefined) {
        const refusal = this.nonces.admit(hash, tx.sender, tx.nonce!, entryIndex);
        if (refusal !== null) {
          fresh.refused.push(refusal);
          continue;
        }
      }
      this.positions.set(hash, { block: entryIndex, index: fresh.txs.length });
      hashes.push(hash);
      fresh.txs.push(tx.hash === hash ? tx : { hash, raw: tx.raw });
    }
    if (hashes.length > 0) this.blocks.set(entryIndex, hashes);
    this.forgetOldest();
    return fresh;
  }

  /** The oldest ordered block whose transactions are still known, or null when none are. */
  get oldestRetainedBlock(): number | null {
    for (const block of this.blocks.keys()) return block;
    return null;
  }

  /** Drops whole blocks, oldest first, past the retention; the newest block always stays. */
  private forgetOldest(): void {
    for (const [block, hashes] of this.blocks) {
      if (this.positions.size <= this.retainedTxs || this.blocks.size === 1) return;
      for (const h of hashes) this.positions.delete(h);
      this.blocks.delete(block);
      this.nonces.forgetBlock(block);
    }
  }

  /**
   * Serialized state for a Raft snapshot: [version u8][applied f64][blocks u32] then per block
   * [index f64][n u32] and n × ([len u8][hash]), then the senders' nonces (`SenderNonces.encode`), then (version 3)
   * the clock offset [seconds f64].
   */
  snapshot(): Uint8Array {
    let size = 1 + 8 + 4;
    for (const hashes of this.blocks.values()) size += 8 + 4 + hashes.reduce((s, h) => s + 1 + (h.length - 2) / 2, 0);
    const nonces = this.nonces.encode();
    const out = Buffer.alloc(size + nonces.length + 8);
    let off = out.writeUInt8(SNAPSHOT_VERSION, 0);
    off = out.writeDoubleBE(this.applied, off);
    off = out.writeUInt32BE(this.blocks.size, off);
    for (const [index, hashes] of this.blocks) {
      off = out.writeDoubleBE(index, off);
      off = out.writeUInt32BE(hashes.length, off);
      for (const h of hashes) {
        off = out.writeUInt8((h.length - 2) / 2, off);
        off += out.write(h.slice(2), off, "hex");
      }
    }
    off += nonces.copy(out, off);
    out.writeDoubleBE(this.offset, off);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }

  /**
   * Replaces the state by a snapshot's; empty data (a bootstrap snapshot) means an empty ledger at
   * `index`. Version 1 snapshots (before nonces were tracked) restore with no sender known, versions 1 and 2 (before
   * clock advances) with a zero clock offset.
   */
  restore(data: Uint8Array, index: number): void {
    this.positions.clear();
    this.blocks.clear();
    this.nonces.clear();
    this.applied = index;
    this.offset = 0;
    if (data.byteLength === 0) return;
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const version = buf.readUInt8(0);
    if (version < 1 || version > SNAPSHOT_VERSION) throw new Error(`unknown ledger snapshot version ${version}`);
    this.applied = buf.readDoubleBE(1);
    const count = buf.readUInt32BE(9);
    let off = 13;
    for (let b = 0; b < count; b++) {
      const block = buf.readDoubleBE(off);
      const n = buf.readUInt32BE(off + 8);
      off += 12;
      const hashes: string[] = [];
      for (let i = 0; i < n; i++) {
        const len = buf.readUInt8(off);
        const hash = "0x" + buf.toString("hex", off + 1, off + 1 + len);
        off += 1 + len;
        hashes.push(hash);
        this.positions.set(hash, { block, index: i });
      }
      this.blocks.set(block, hashes);
    }
    if (version >= 2) off = this.nonces.decode(buf, off);
    if (version >= 3) {
      this.offset = buf.readDoubleBE(off);
      off += 8;
    }
    if (off !== buf.length) throw new Error(`ledger snapshot has ${buf.length - off} trailing bytes`);
    this.forgetOldest();
  }

  private advanceTo(entryIndex: number): void {
    if (entryIndex <= this.applied) {
      throw new Error(`entry ${entryIndex} applied out of order: ledger is at ${this.applied}`);
    }
    this.applied = entryIndex;
  }
}
