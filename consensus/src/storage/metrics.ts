import { Gauge, Histogram, type Registry } from "prom-client";
import type { FileStorage } from "./file-storage";
import type { WalHooks } from "./wal";

/**
 * Prometheus metrics for the durable storage. The histogram needs every fsync, so it comes with the
 * hooks to pass to `FileStorage.open`; the gauges read `storage.stats()` at scrape time.
 */
export function walSyncMetrics(registry: Registry): { hooks: WalHooks; histogram: Histogram } {
  const histogram = new Histogram({
    name: "dplc_wal_fsync_seconds",
    help: "Duration of WAL fsyncs (one per acknowledged save)",
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  return { histogram, hooks: { afterSync: (_file, ms) => histogram.observe(ms / 1000) } };
}

export function registerStorageGauges(registry: Registry, storage: () => FileStorage | null): void {
  const gauge = (name: string, help: string, pick: (s: ReturnType<FileStorage["stats"]>) => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const s = storage();
        if (s !== null) this.set(pick(s.stats()));
      },
    });
  };
  gauge("dplc_wal_bytes_written", "Bytes appended to the WAL since the node started", (s) => s.bytesWritten);
  gauge("dplc_wal_segments", "WAL segment files on disk", (s) => s.segments);
  gauge("dplc_log_first_index", "First index held in the log (after compaction)", (s) => s.firstIndex);
  gauge("dplc_log_last_index", "Last index held in the log", (s) => s.lastIndex);
  gauge("dplc_snapshot_index", "Index of the latest snapshot on disk", (s) => s.snapshotIndex);
}
