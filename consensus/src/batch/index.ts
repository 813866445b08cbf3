export { BlockCutter, type OrderedResult } from "./block-cutter";
export { encodeBlock, decodeBlock, decodeEntry, BLOCK_FORMAT_VERSION, type DecodedEntry } from "./block-codec";
export { BatchError, BlockDecodeError } from "./errors";
export type { BatchTx, BatchLimits } from "./types";
