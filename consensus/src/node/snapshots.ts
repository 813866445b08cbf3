import type { Logger } from "pino";
import type { ConfState } from "../core";
import type { OrdererMetrics } from "../metrics/metrics";
import type { FileStorage } from "../storage/file-storage";
import type { BlockRecorder } from "./block-recorder";
import type { OrderLedger } from "./ledger";
import { encodeSnapshotData } from "./snapshot-data";

export interface SnapshotDeps {
  storage: FileStorage;
  ledger: OrderLedger;
  recorder: BlockRecorder;
  conf(): ConfState;
  metrics: OrdererMetrics;
  log: Logger;
  /** Applied entries between snapshots (`storage.snapshotEntries`). */
  every: number;
  /** Entries kept behind a snapshot (`storage.catchUpEntries`). */
  keep: number;
}

/**
 * Every `storage.snapshotEntries` applied entries, snapshot the ledger and compact the log, keeping
 * `catchUpEntries` behind. Every node writes a snapshot only once the blocks it covers are durable
 * in its block store: a crash between applying an entry and storing its block replays the entry,
 * never skips it. The replica applies from the block store, so snapshots never wait for it.
 */
export class SnapshotScheduler {
  /** A snapshot taken but not yet written: it waits until the blocks it covers are durable in the block store. */
  private due: { index: number; conf: ConfState; data: Uint8Array; blocksThrough: number } | null = null;

  constructor(
    private readonly d: SnapshotDeps,
    /** The index of the snapshot on disk. */
    public lastIndex: number,
  ) {}

  /** A leader's snapshot was installed: it replaces whatever was due. */
  installed(index: number): void {
    this.lastIndex = index;
    this.due = null;
  }

  maybeSnapshot(): void {
    this.writeDue();
    const applied = this.d.ledger.appliedIndex;
    if (this.due !== null || applied - this.lastIndex < this.d.every) return;
    const data = encodeSnapshotData(this.d.recorder.snapshotHead, this.d.ledger.snapshot());
    this.due = { index: applied, conf: this.d.conf(), data, blocksThrough: this.d.recorder.madeIndex };
    this.writeDue();
  }

  private writeDue(): void {
    const due = this.due;
    const recorder = this.d.recorder;
    if (due === null || (recorder.gapReason === null && recorder.durableRaftIndex < due.blocksThrough)) return;
    this.due = null;
    const storage = this.d.storage;
    storage.createSnapshot(due.index, due.conf, due.data);
    this.lastIndex = due.index;
    this.d.metrics.snapshotsTaken.inc();
    const compactTo = due.index - this.d.keep;
    if (compactTo >= storage.firstIndex()) storage.compact(compactTo);
    this.d.log.info({ index: due.index, compactedTo: Math.max(compactTo, storage.firstIndex() - 1) }, "snapshot taken");
  }
}
