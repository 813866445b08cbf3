export {
  GENESIS_PARENT,
  checkBlock,
  checkHeader,
  decodeBlock,
  decodeLinkedHeader,
  encodeLinkedHeader,
  linkedHeaderOf,
  encodeBlock,
  hashMatches,
  headerOf,
  makeBlock,
  txRoot,
  type Block,
  type BlockHeader,
  type BlockInput,
  type BlockTx,
  type LinkedHeader,
} from "./block";
export { BlockStore, type BlockStoreOptions, type TxLocation } from "./store";
export { BlockChainError, BlockCorruptionError, BlockStoreError } from "./errors";
export { PeerFaultError, PullAbortedError, pullBlocks, type BlockSource, type PullOptions, type PullTarget } from "./puller";
export { BLOCKS_CONTENT_TYPE, decodeBlockPage, decodeHeaderPage, readPage, type BlockPage } from "./wire";
