/** Base of the block store's typed errors. */
export class BlockStoreError extends Error {
  override readonly name: string = "BlockStoreError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * A block does not continue the chain it is offered to: wrong number, parent hash or its own hash. A block pulled
 * from a peer that fails here is never stored; a stored block that fails on reading means the store was damaged.
 */
export class BlockChainError extends BlockStoreError {
  override readonly name = "BlockChainError";
  readonly number: number;
  constructor(number: number, reason: string) {
    super(`block ${number}: ${reason}`);
    this.number = number;
  }
}

/** A stored record cannot be decoded (truncated, unknown version). */
export class BlockCorruptionError extends BlockStoreError {
  override readonly name = "BlockCorruptionError";
  constructor(what: string, reason: string, options?: { cause?: unknown }) {
    super(`block store record ${what} is corrupt: ${reason}`, options);
  }
}
