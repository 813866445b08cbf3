/** A transaction the ordered log carried but the nonce rule kept out of the order. */
export interface NonceRefusal {
  hash: string;
  /** Lower-case 0x hex. */
  sender: string;
  nonce: number;
  /** The sender's next nonce in the order when the transaction came up. */
  expectedNonce: number;
}

/** Refusals remembered for look-ups, oldest dropped first; a constant (every node must drop the same ones). */
export const REFUSALS_RETAINED = 10_000;

interface SenderState {
  next: number;
  /** The ordered block of the sender's newest transaction: forgotten with it. */
  block: number;
}

/**
 * Part of the replicated state machine: each sender's next nonce in the total order. A transaction
 * whose nonce is not its sender's next is kept out of the order (the chain would refuse a repeat and
 * never run a gap), on every node alike, because the rule only reads the log. A sender not yet known
 * takes its first nonce as ordered: the leader checked it against the chain before proposing.
 */
export class SenderNonces {
  private readonly senders = new Map<string, SenderState>();
  /** Per ordered block, the senders whose newest transaction was in it when it applied. */
  private readonly byBlock = new Map<number, string[]>();
  private readonly refusals = new Map<string, NonceRefusal>();

  get size(): number {
    return this.senders.size;
  }

  nextNonce(sender: string): number | undefined {
    return this.senders.get(sender)?.next;
  }

  refusal(hash: string): NonceRefusal | undefined {
    return this.refusals.get(hash);
  }

  /** The nonce rule for one transaction of ordered block `block`: null when it takes its place. */
  admit(hash: string, sender: string, nonce: number, block: number): NonceRefusal | null {
    const known = this.senders.get(sender);
    if (known !== undefined && known.next !== nonce) {
      const refusal: NonceRefusal = { hash, sender, nonce, expectedNonce: known.next };
      this.refusals.delete(hash);
      this.refusals.set(hash, refusal);
      if (this.refusals.size > REFUSALS_RETAINED) this.refusals.delete(this.refusals.keys().next().value!);
      return refusal;
    }
    this.senders.set(sender, { next: nonce + 1, block });
    const list = this.byBlock.get(block);
    if (list === undefined) this.byBlock.set(block, [sender]);
    else if (list[list.length - 1] !== sender) list.push(sender);
    this.refusals.delete(hash);
    return null;
  }

  /** The ledger forgot `block`: senders whose newest transaction was in it are forgotten too. */
  forgetBlock(block: number): void {
    for (const s of this.byBlock.get(block) ?? []) if (this.senders.get(s)?.block === block) this.senders.delete(s);
    this.byBlock.delete(block);
  }

  clear(): void {
    this.senders.clear();
    this.byBlock.clear();
    this.refusals.clear();
  }

  /** [senders u32] × ([20 bytes][next f64][block f64]), then [refusals u32] × ([hashLen u8][hash][sender 20][nonce f64][expected f64]). */
  encode(): Buffer {
    let size = 4 + this.senders.size * 36 + 4;
    for (const r of this.refusals.values()) size += 1 + (r.hash.length - 2) / 2 + 20 + 16;
    const out = Buffer.alloc(size);
    let off = out.writeUInt32BE(this.senders.size, 0);
    for (const [sender, st] of this.senders) {
      off += out.write(sender.slice(2), off, "hex");
      off = out.writeDoubleBE(st.next, off);
      off = out.writeDoubleBE(st.block, off);
    }
    off = out.writeUInt32BE(this.refusals.size, off);
    for (const r of this.refusals.values()) {
      off = out.writeUInt8((r.hash.length - 2) / 2, off);
      off += out.write(r.hash.slice(2), off, "hex");
      off += out.write(r.sender.slice(2), off, "hex");
      off = out.writeDoubleBE(r.nonce, off);
      off = out.writeDoubleBE(r.expectedNonce, off);
    }
    return out;
  }

  /** Replaces the state by `encode()`'s output at `off` in `buf`; answers the offset after it. */
  decode(buf: Buffer, off: number): number {
    this.clear();
    const count = buf.readUInt32BE(off);
    off += 4;
    for (let i = 0; i < count; i++) {
      const sender = "0x" + buf.toString("hex", off, off + 20);
      const st = { next: buf.readDoubleBE(off + 20), block: buf.readDoubleBE(off + 28) };
      off += 36;
      this.senders.set(sender, st);
      const list = this.byBlock.get(st.block);
      if (list === undefined) this.byBlock.set(st.block, [sender]);
      else list.push(sender);
    }
    const refused = buf.readUInt32BE(off);
    off += 4;
    for (let i = 0; i < refused; i++) {
      const len = buf.readUInt8(off);
      const hash = "0x" + buf.toString("hex", off + 1, off + 1 + len);
      off += 1 + len;
      const sender = "0x" + buf.toString("hex", off, off + 20);
      this.refusals.set(hash, { hash, sender, nonce: buf.readDoubleBE(off + 20), expectedNonce: buf.readDoubleBE(off + 28) });
      off += 36;
    }
    return off;
  }
}
