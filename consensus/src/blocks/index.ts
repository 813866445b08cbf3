export {
  GENESIS_PARENT,
  checkBlock,
  decodeBlock,
  encodeBlock,
  hashMatches,
  headerOf,
  makeBlock,
  txRoot,
  type Block,
  type BlockHeader,
  type BlockInput,
  type BlockTx,
} from "./block";
export { BlockStore, type BlockStoreOptions, type TxLocation } from "./store";
export { BlockChainError, BlockCorruptionError, BlockStoreError } from "./errors";
