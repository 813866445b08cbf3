/**
 * A simulated node's disk under the shared Ready loop: a `MemoryStorage` (what survives a crash)
 * written record by record, so the simulator can crash a node between any two records of a write
 * (the last one torn, as WAL recovery drops a torn tail), and a leader's background writes that a
 * crash may lose.
 */
import type { Entry, HardState, MemoryStorage, Snapshot } from "../core";
import type { DurableCallback, ReadyDisk } from "../node/ready-loop";

/** The node died in the middle of a write; nothing after it ran. */
export class SimCrash extends Error {
  override name = "SimCrash";
}

interface Unsynced {
  /** What the disk held before this write. */
  before: { lastIndex: number; hardState: HardState };
  lastIndex: number;
  onDurable: DurableCallback;
}

export class SimDisk implements ReadyDisk {
  /** Set by the simulator: the next write crashes after this many records (snapshot, entries..., hard state). */
  crashAt: number | undefined;
  private unsynced: Unsynced[] = [];
  readonly stats = { unsyncedWrites: 0, lostInCrash: 0 };

  constructor(
    readonly storage: MemoryStorage,
    /** Told what a write stored (for the log-matching checks). */
    private readonly onStored: (entries: Entry[], snapshot?: Snapshot) => void,
  ) {}

  save(hardState: HardState | undefined, entries: Entry[], snapshot?: Snapshot): void {
    // The log is one file written in order: a synced write makes every earlier write durable.
    this.unsynced = [];
    this.write(hardState, entries, snapshot);
  }

  saveInBackground(hardState: HardState | undefined, entries: Entry[], onDurable: DurableCallback): void {
    const before = { lastIndex: this.storage.lastIndex(), hardState: this.storage.initialState().hardState };
    this.write(hardState, entries);
    this.unsynced.push({ before, lastIndex: this.storage.lastIndex(), onDurable });
    this.stats.unsyncedWrites++;
  }

  /** Writes record by record; with `crashAt` set, stops after that many and throws `SimCrash`. */
  private write(hardState: HardState | undefined, entries: Entry[], snapshot?: Snapshot): void {
    const crashAt = this.crashAt;
    this.crashAt = undefined;
    let left = crashAt ?? Number.POSITIVE_INFINITY;
    if (snapshot !== undefined && left-- > 0) this.storage.applySnapshot(snapshot);
    const ents = entries.slice(0, Math.max(0, Math.min(entries.length, left)));
    left -= ents.length;
    this.storage.append(ents);
    if (hardState !== undefined && left-- > 0) this.storage.setHardState(hardState);
    if (ents.length > 0 || snapshot !== undefined) this.onStored(ents, snapshot);
    if (crashAt !== undefined) throw new SimCrash(`crashed after ${crashAt} record(s) of a write`);
  }

  /** The oldest index a background write still risks losing, if any. */
  get unsyncedFrom(): number | undefined {
    const oldest = this.unsynced[0];
    return oldest === undefined ? undefined : oldest.before.lastIndex + 1;
  }

  get syncInFlight(): boolean {
    return this.unsynced.length > 0;
  }

  /** The oldest `count` background writes (all by default) are durable now. */
  completeSync(count = this.unsynced.length): void {
    if (count <= 0 || this.unsynced.length === 0) return;
    const done = this.unsynced.splice(0, count);
    const last = done[done.length - 1]!;
    last.onDurable(null, last.lastIndex);
  }

  /**
   * Power loss: `keep` (0 to 1) is the share of the background writes, oldest first, that reached
   * the disk; the log and hard state roll back to what preceded the first lost one.
   */
  crash(keep = 0): void {
    const u = this.unsynced;
    this.unsynced = [];
    this.crashAt = undefined;
    const kept = Math.min(u.length, Math.floor(keep * (u.length + 1)));
    if (kept === u.length) return;
    this.stats.lostInCrash++;
    const { lastIndex, hardState } = u[kept]!.before;
    this.storage.truncateAfter(lastIndex);
    this.storage.setHardState(hardState);
  }

  /** As `FileStorage` reopens: the commit index is at least the snapshot's. */
  reopen(): void {
    const hs = this.storage.initialState().hardState;
    const snapIndex = this.storage.snapshot().meta.index;
    if (hs.commit < snapIndex) this.storage.setHardState({ ...hs, commit: snapIndex });
  }
}
