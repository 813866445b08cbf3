import { MessageDecodeError } from "./errors";

/** Largest integer the wire carries: JavaScript's safe integers (2^53 - 1). */
const MAX_HI = 0x1fffff;
const TWO_32 = 0x1_0000_0000;

/**
 * Appends fixed-width big-endian fields to a growing buffer. One allocation per frame in the
 * common case: the buffer starts at a size hint and doubles when a payload does not fit.
 */
export class WireWriter {
  private buf: Buffer;
  private at = 0;

  constructor(sizeHint = 256) {
    this.buf = Buffer.allocUnsafe(sizeHint);
  }

  private room(n: number): void {
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

  u32(v: number): this {
    this.room(4);
    this.buf.writeUInt32BE(v, this.at);
    this.at += 4;
    return this;
  }

  /** A non-negative safe integer as 8 bytes. */
  uint(v: number): this {
    this.room(8);
    this.buf.writeUInt32BE(Math.floor(v / TWO_32), this.at);
    this.buf.writeUInt32BE(v >>> 0, this.at + 4);
    this.at += 8;
    return this;
  }

  /** Length-prefixed (u32) bytes. */
  bytes(b: Uint8Array): this {
    this.u32(b.byteLength);
    this.room(b.byteLength);
    this.buf.set(b, this.at);
    this.at += b.byteLength;
    return this;
  }

  /** Length-prefixed (u32) UTF-8. */
  str(s: string): this {
    const n = Buffer.byteLength(s, "utf8");
    this.u32(n);
    this.room(n);
    this.buf.write(s, this.at, "utf8");
    this.at += n;
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

/** Reads what `WireWriter` wrote, with a bounds check on every field. */
export class WireReader {
  private at: number;

  constructor(
    private readonly buf: Buffer,
    start = 0,
    private readonly end = buf.length,
  ) {
    this.at = start;
  }

  private need(n: number, what: string): void {
    if (this.at + n > this.end) throw new MessageDecodeError(`${what}: truncated`);
  }

  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.at++]!;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.buf.readUInt32BE(this.at);
    this.at += 4;
    return v;
  }

  uint(what: string): number {
    this.need(8, what);
    const hi = this.buf.readUInt32BE(this.at);
    if (hi > MAX_HI) throw new MessageDecodeError(`${what}: beyond the safe integer range`);
    const v = hi * TWO_32 + this.buf.readUInt32BE(this.at + 4);
    this.at += 8;
    return v;
  }

  /** A view into the frame: the caller copies it if it must outlive the frame. */
  bytes(what: string): Buffer {
    const n = this.u32(what);
    this.need(n, what);
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }

  skip(n: number, what: string): void {
    this.need(n, what);
    this.at += n;
  }

  str(what: string): string {
    return this.bytes(what).toString("utf8");
  }

  get offset(): number {
    return this.at;
  }

  get done(): boolean {
    return this.at === this.end;
  }
}
