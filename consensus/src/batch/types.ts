/** One client transaction as the orderer sequences it: the signed raw bytes and their hash. */
export interface BatchTx {
  /** The signed raw EVM transaction. */
  raw: Uint8Array;
  /** `0x`-prefixed hex hash of `raw` (keccak-256 for EVM transactions). */
  hash: string;
  /**
   * The signer recovered by the leader before ordering (lower-case 0x hex) and the transaction's
   * nonce; both or neither (blocks of format version 1 carry neither).
   */
  sender?: string;
  nonce?: number;
}

/** Fabric's `BatchSize` and `BatchTimeout`. */
export interface BatchLimits {
  /** Cut as soon as a batch holds this many transactions. */
  maxMessageCount: number;
  /** Cut before a transaction would push the batch past this many raw bytes. */
  preferredMaxBytes: number;
  /** Cut a non-empty batch this long after its first transaction arrived. */
  batchTimeoutMs: number;
}
