/** Base of the batch module's typed errors. */
export class BatchError extends Error {
  override readonly name: string = "BatchError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A Raft entry payload that is not a well-formed encoded block. */
export class BlockDecodeError extends BatchError {
  override readonly name = "BlockDecodeError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(`cannot decode block: ${message}`, options);
  }
}
