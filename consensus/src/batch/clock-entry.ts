import { BlockDecodeError } from "./errors";

/**
 * A clock advance (devnet only, `POST /v1/clock`): a Raft entry `[0xc1][seconds u64]` that moves the replicated clock
 * offset forward on every node alike when it applies. Its first byte cannot start a block of transactions, whose first
 * byte is the block format version (1 to 3).
 */
export const CLOCK_ENTRY_TAG = 0xc1;
const BYTES = 9;

/** The largest single advance: 100 years, far below where seconds stop being exact in a double. */
export const MAX_CLOCK_ADVANCE_SECONDS = 100 * 366 * 24 * 3600;

export function encodeClockEntry(seconds: number): Uint8Array {
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > MAX_CLOCK_ADVANCE_SECONDS) {
    throw new RangeError(`a clock advance must be 1 to ${MAX_CLOCK_ADVANCE_SECONDS} whole seconds, got ${seconds}`);
  }
  const out = Buffer.alloc(BYTES);
  out.writeUInt8(CLOCK_ENTRY_TAG, 0);
  out.writeBigUInt64BE(BigInt(seconds), 1);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** The seconds of a clock-advance entry, or null when `data` is not one. */
export function decodeClockEntry(data: Uint8Array): number | null {
  if (data.byteLength === 0 || data[0] !== CLOCK_ENTRY_TAG) return null;
  if (data.byteLength !== BYTES) throw new BlockDecodeError(`a clock entry has ${BYTES} bytes, got ${data.byteLength}`);
  const seconds = Buffer.from(data.buffer, data.byteOffset, data.byteLength).readBigUInt64BE(1);
  if (seconds > BigInt(MAX_CLOCK_ADVANCE_SECONDS)) throw new BlockDecodeError(`clock advance of ${seconds} s is too large`);
  return Number(seconds);
}
