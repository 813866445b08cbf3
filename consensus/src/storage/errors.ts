/** Base of the durable storage's typed errors. */
export class StorageError extends Error {
  override readonly name: string = "StorageError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The WAL is damaged somewhere other than its torn tail: a record in the middle of a segment fails
 * its checksum, a segment is missing or records contradict each other. Never repaired silently —
 * truncating here could drop acknowledged, committed entries.
 */
export class WalCorruptionError extends StorageError {
  override readonly name = "WalCorruptionError";
  readonly file: string;
  readonly offset: number;
  constructor(file: string, offset: number, reason: string, options?: { cause?: unknown }) {
    super(`WAL corrupt in ${file} at byte ${offset}: ${reason}`, options);
    this.file = file;
    this.offset = offset;
  }
}

/** A snapshot file that fails its checksum or cannot be parsed. */
export class SnapshotCorruptionError extends StorageError {
  override readonly name = "SnapshotCorruptionError";
  readonly file: string;
  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    super(`snapshot file ${file} is corrupt: ${reason}`, options);
    this.file = file;
  }
}

/** A durable key-value file that fails its checksum or cannot be parsed. */
export class KvFileCorruptionError extends StorageError {
  override readonly name = "KvFileCorruptionError";
  readonly file: string;
  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    super(`key-value file ${file} is corrupt: ${reason}`, options);
    this.file = file;
  }
}

/** The storage was used after `close()`. */
export class StorageClosedError extends StorageError {
  override readonly name = "StorageClosedError";
  constructor() {
    super("storage is closed");
  }
}
