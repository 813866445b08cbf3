import fs from "node:fs";
import path from "node:path";
import type { Snapshot } from "../core";
import { decodeSnapshotBody, encodeSnapshotBody } from "./codec";
import { SnapshotCorruptionError } from "./errors";
import { fsyncDir, mkdirDurable, removeStaleTempFiles, writeFileAtomic } from "./fs-util";
import { frameRecord, readRecordAt } from "./record";

const SNAP_MAGIC = Buffer.from("DPLCSNP1", "ascii");
const SNAP_RECORD_TYPE = 3;
const SNAP_RE = /^(\d{16})-(\d{16})\.snap$/;

/**
 * Snapshots on disk, one file each, named by index and term. A snapshot is written to a temp file,
 * fsync'd, renamed into place and the directory fsync'd; only then are older snapshots removed.
 */
export class SnapshotStore {
  constructor(
    readonly dir: string,
    private readonly sync = true,
  ) {
    mkdirDurable(dir, sync);
    removeStaleTempFiles(dir);
  }

  save(snap: Snapshot): string {
    const { index, term, conf } = snap.meta;
    const body = encodeSnapshotBody(index, term, conf, snap.data);
    const name = `${String(index).padStart(16, "0")}-${String(term).padStart(16, "0")}.snap`;
    const file = path.join(this.dir, name);
    writeFileAtomic(file, Buffer.concat([SNAP_MAGIC, frameRecord(SNAP_RECORD_TYPE, body)]), { fsync: this.sync });
    let removed = false;
    for (const other of this.files()) {
      if (other !== name) {
        fs.rmSync(path.join(this.dir, other), { force: true });
        removed = true;
      }
    }
    if (removed && this.sync) fsyncDir(this.dir);
    return file;
  }

  /** The newest snapshot, or null if none was ever saved. A damaged newest snapshot throws. */
  loadLatest(): Snapshot | null {
    const names = this.files();
    if (names.length === 0) return null;
    const name = names[names.length - 1];
    const file = path.join(this.dir, name);
    const buf = fs.readFileSync(file);
    if (!buf.subarray(0, SNAP_MAGIC.length).equals(SNAP_MAGIC)) throw new SnapshotCorruptionError(file, "bad header");
    const got = readRecordAt(buf, SNAP_MAGIC.length);
    if (got === null || got.record.type !== SNAP_RECORD_TYPE || got.next !== buf.length) {
      throw new SnapshotCorruptionError(file, "checksum mismatch or truncated");
    }
    let body: ReturnType<typeof decodeSnapshotBody>;
    try {
      body = decodeSnapshotBody(got.record.payload);
    } catch (err) {
      throw new SnapshotCorruptionError(file, (err as Error).message, { cause: err });
    }
    const m = SNAP_RE.exec(name);
    if (m === null || Number(m[1]) !== body.index || Number(m[2]) !== body.term) {
      throw new SnapshotCorruptionError(file, `contents (index ${body.index}, term ${body.term}) do not match the name`);
    }
    return { meta: { index: body.index, term: body.term, conf: body.conf }, data: body.data };
  }

  /** Snapshot file names, oldest first. */
  files(): string[] {
    return fs
      .readdirSync(this.dir)
      .filter((n) => SNAP_RE.test(n))
      .sort();
  }
}
