const TWO_32 = 0x1_0000_0000;

/**
 * Appends fixed-width big-endian fields to one growing buffer: one allocation per encoded message or
 * record in the common case (the buffer starts at a size hint and doubles when something does not
 * fit). The wire codec and the WAL codec both build on it.
 */
export class ByteWriter {
  protected buf: Buffer;
  protected at = 0;

  constructor(sizeHint = 256) {
    this.buf = Buffer.allocUnsafe(sizeHint);
  }

  protected room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }

  u8(v: number): this {
    this.room(1);
    this.buf[this.at++] = v;
    return this;
  }

  u16(v: number): this {
    this.room(2);
    this.at = this.buf.writeUInt16BE(v, this.at);
    return this;
  }

  u32(v: number): this {
    this.room(4);
    this.at = this.buf.writeUInt32BE(v, this.at);
    return this;
  }

  /** A non-negative safe integer as 8 bytes (two u32 halves: no BigInt per field). */
  u64(v: number): this {
    this.room(8);
    this.buf.writeUInt32BE(Math.floor(v / TWO_32), this.at);
    this.buf.writeUInt32BE(v >>> 0, this.at + 4);
    this.at += 8;
    return this;
  }

  /** Bytes as they are, without a length prefix. */
  raw(b: Uint8Array): this {
    this.room(b.byteLength);
    this.buf.set(b, this.at);
    this.at += b.byteLength;
    return this;
  }

  /** Skips `n` bytes to fill in later (a length known only after what follows; room for a header); returns their offset. */
  reserve(n: number): number {
    this.room(n);
    this.at += n;
    return this.at - n;
  }

  patchU32(offset: number, v: number): void {
    this.buf.writeUInt32BE(v, offset);
  }

  get length(): number {
    return this.at;
  }

  /** The bytes written (a view, valid until the writer is used again). */
  finish(): Buffer {
    return this.buf.subarray(0, this.at);
  }
}
