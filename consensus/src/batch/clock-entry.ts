import { BlockDecodeError } from "./errors";

/**
 * A clock advance (devnet only, `POST /v1/clock`): a Raft entry `[0xc1][seconds u64][leader's timestamp u64]` that
 * moves the replicated clock offset forward on every node alike when it applies, and makes an empty block at the
 * advanced time (so every replica's head shows the new time, as `eth_call` and gas estimates read it). Its first byte
 * cannot start a block of transactions, whose first byte is the block format version (1 to 3).
 */
export const CLOCK_ENTRY_TAG = 0xc1;
const BYTES = 17;

export interface ClockEntry {
  seconds: number;
  /** The leader's clock (seconds) when it proposed the advance. */
  timestamp: number;
}

/** The largest single advance: 100 years, far below where seconds stop being exact in a double. */
export const MAX_CLOCK_ADVANCE_SECONDS = 100 * 366 * 24 * 3600;

export function encodeClockEntry(seconds: number, timestamp = Math.floor(Date.now() / 1000)): Uint8Array {
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > MAX_CLOCK_ADVANCE_SECONDS) {
    throw new RangeError(`a clock advance must be 1 to ${MAX_CLOCK_ADVANCE_SECONDS} whole seconds, got ${seconds}`);
  }
  const out = Buffer.alloc(BYTES);
  out.writeUInt8(CLOCK_ENTRY_TAG, 0);
  out.writeBigUInt64BE(BigInt(seconds), 1);
  out.writeBigUInt64BE(BigInt(timestamp), 9);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** A clock-advance entry's fields, or null when `data` is not one. */
export function decodeClockEntry(data: Uint8Array): ClockEntry | null {
  if (data.byteLength === 0 || data[0] !== CLOCK_ENTRY_TAG) return null;
  if (data.byteLength !== BYTES) throw new BlockDecodeError(`a clock entry has ${BYTES} bytes, got ${data.byteLength}`);
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const seconds = buf.readBigUInt64BE(1);
  const timestamp = buf.readBigUInt64BE(9);
  if (seconds > BigInt(MAX_CLOCK_ADVANCE_SECONDS)) throw new BlockDecodeError(`clock advance of ${seconds} s is too large`);
  if (timestamp > BigInt(Number.MAX_SAFE_INTEGER)) throw new BlockDecodeError(`clock entry timestamp ${timestamp} is too large`);
  return { seconds: Number(seconds), timestamp: Number(timestamp) };
}
