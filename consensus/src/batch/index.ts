export { BlockCutter, type OrderedResult } from "./block-cutter";
export { encodeBlock, decodeBlock, BLOCK_FORMAT_VERSION } from "./block-codec";
export { BatchError, BlockDecodeError } from "./errors";
export type { BatchTx, BatchLimits } from "./types";
