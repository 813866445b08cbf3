import type { Logger } from "pino";
import type { OrdererConfig } from "../config/schema";
import type { OrdererMetrics } from "../metrics/metrics";
import type { FileStorage, FileStorageOptions } from "../storage/file-storage";
import type { TransportFactory } from "../transport/transport";

export interface OrdererNodeOptions {
  config: OrdererConfig;
  logger: Logger;
  transport: TransportFactory;
  /**
   * API base URL per peer id (overrides the config). Otherwise a peer's `httpPort` from the config,
   * else this node's own raft-to-HTTP port offset applied to the peer's raft port.
   */
  peerApi?: Record<string, string>;
  /** How long POST /v1/transactions waits for the commit before answering "pending". */
  submitWaitMs?: number;
  /** How long a leaderless node waits for an election before answering "no eligible leader". */
  leaderWaitMs?: number;
  /** Entries kept behind a snapshot so a briefly lagging follower catches up without one. */
  catchUpEntries?: number;
  /** The ledger's retention (tests only: every node of a cluster must use the same, see `LEDGER_RETAINED_TXS`). */
  ledgerRetainedTxs?: number;
  /** Blocks proposed but not yet committed before the next batch waits for its size or timeout. */
  maxInflightBlocks?: number;
  /** Enables POST /debug/partition (process tests only). */
  faultInjection?: boolean;
  metrics?: OrdererMetrics;
  /** Opens the Raft storage (tests wrap FileStorage to watch the order of writes and sends). */
  openStorage?: (dir: string, opts: FileStorageOptions) => FileStorage;
  /**
   * Called once when a write to storage failed and the node halted (it neither sends nor steps any
   * more). By default the error is rethrown, ending the process: a failed fsync is never retried.
   */
  onFatal?: (err: Error) => void;
}
