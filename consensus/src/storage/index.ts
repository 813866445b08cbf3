export { FileStorage, type FileStorageOptions } from "./file-storage";
export { Wal, SEGMENT_MAGIC, type WalOptions, type WalHooks, type WalLogger, type WalRecovery, type WalStats } from "./wal";
export { SnapshotStore } from "./snapshot-store";
export { DirLock, StorageLockedError } from "./dir-lock";
export { DurableKv, type JsonValue } from "./kv-file";
export { writeFileAtomic, fsyncDir } from "./fs-util";
export {
  StorageError,
  WalCorruptionError,
  SnapshotCorruptionError,
  KvFileCorruptionError,
  StorageClosedError,
} from "./errors";
export { walSyncMetrics, registerStorageGauges } from "./metrics";
