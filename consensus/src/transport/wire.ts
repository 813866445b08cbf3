import { ByteWriter } from "../encoding/byte-writer";
import { MessageDecodeError } from "./errors";

/** Largest integer the wire carries: JavaScript's safe integers (2^53 - 1). */
const MAX_HI = 0x1fffff;
const TWO_32 = 0x1_0000_0000;

/** The wire's writer: `ByteWriter` plus length-prefixed bytes and strings. */
export class WireWriter extends ByteWriter {
  /** A non-negative safe integer as 8 bytes. */
  uint(v: number): this {
    return this.u64(v);
  }

  /** Length-prefixed (u32) bytes. */
  bytes(b: Uint8Array): this {
    return this.u32(b.byteLength).raw(b);
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
