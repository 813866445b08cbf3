import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import type { ConfState, Snapshot } from "../../src/core/types";
import { SnapshotCorruptionError } from "../../src/storage/errors";
import { frameRecord, RECORD_HEADER_BYTES } from "../../src/storage/record";
import { SnapshotStore } from "../../src/storage/snapshot-store";
import { countSyncs, tempDir } from "./helpers";

const CONF: ConfState = { members: [{ id: "tc1", role: "trading-centre" }] };
// The on-disk format (snapshot-store.ts): magic, then one framed record of type 3 holding the body.
const SNAP_MAGIC = Buffer.from("DPLCSNP1", "ascii");
const SNAP_RECORD_TYPE = 3;

const snapAt = (index: number, term: number): Snapshot => ({
  meta: { index, term, conf: CONF },
  data: new Uint8Array(Buffer.from(`state@${index}`)),
});

describe("SnapshotStore: a damaged newest snapshot is refused, never loaded", function () {
  let dir: string;
  let store: SnapshotStore;
  let file: string;
  beforeEach(function () {
    dir = tempDir("snapstore");
    store = new SnapshotStore(dir, false);
    file = store.save(snapAt(12, 3));
  });
  afterEach(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("loads what it saved", function () {
    expect(store.loadLatest()).to.deep.equal(snapAt(12, 3));
  });

  it("by default fsyncs its new directory, each snapshot and the removal of the older one; with sync off, nothing", function () {
    let durable: SnapshotStore | undefined;
    expect(countSyncs(() => (durable = new SnapshotStore(path.join(dir, "durable"))))).to.equal(1);
    expect(countSyncs(() => durable!.save(snapAt(1, 1)))).to.equal(2);
    expect(countSyncs(() => durable!.save(snapAt(2, 1)))).to.equal(3);
    expect(durable!.files()).to.have.length(1);
    // The store under test was opened with sync off: nothing is fsync'd, older snapshots still go.
    expect(countSyncs(() => store.save(snapAt(13, 3)))).to.equal(0);
    expect(store.files()).to.have.length(1);
  });

  describe("when the file does not start with the snapshot magic", function () {
    it("throws SnapshotCorruptionError naming the file and the bad header", function () {
      const buf = fs.readFileSync(file);
      buf[0] ^= 0xff;
      fs.writeFileSync(file, buf);
      expect(() => store.loadLatest()).to.throw(SnapshotCorruptionError, "bad header").with.property("file", file);
    });
  });

  it("loads the newest when older snapshots were left behind, and ignores files that are not snapshots", function () {
    // Older snapshots a crash kept from being removed (save removes them only after the new one is durable).
    const scratch = new SnapshotStore(path.join(dir, "scratch"), false);
    for (const i of [1, 2, 3]) {
      const older = scratch.save(snapAt(i, 1));
      fs.copyFileSync(older, path.join(dir, path.basename(older)));
    }
    fs.writeFileSync(path.join(dir, "zz-notes.txt"), "not a snapshot");
    expect(store.loadLatest()).to.deep.equal(snapAt(12, 3));
  });

  describe("when the file is cut short, holds another record type or has bytes after the record", function () {
    it("throws SnapshotCorruptionError: checksum mismatch or truncated", function () {
      const good = fs.readFileSync(file);
      fs.truncateSync(file, good.length - 1);
      expect(() => store.loadLatest()).to.throw(SnapshotCorruptionError, "checksum mismatch or truncated");
      const body = good.subarray(SNAP_MAGIC.length + RECORD_HEADER_BYTES);
      fs.writeFileSync(file, Buffer.concat([SNAP_MAGIC, frameRecord(SNAP_RECORD_TYPE + 1, body)]));
      expect(() => store.loadLatest()).to.throw(SnapshotCorruptionError, "checksum mismatch or truncated");
      fs.writeFileSync(file, Buffer.concat([good, Buffer.from([0])]));
      expect(() => store.loadLatest()).to.throw(SnapshotCorruptionError, "checksum mismatch or truncated");
    });
  });

  describe("when the checksummed record does not decode as a snapshot body", function () {
    it("throws SnapshotCorruptionError with the decoder's error as cause", function () {
      fs.writeFileSync(file, Buffer.concat([SNAP_MAGIC, frameRecord(SNAP_RECORD_TYPE, Buffer.from([1, 2, 3]))]));
      let caught: unknown;
      try {
        store.loadLatest();
      } catch (err) {
        caught = err;
      }
      expect(caught).to.be.instanceOf(SnapshotCorruptionError);
      expect((caught as SnapshotCorruptionError).cause).to.be.instanceOf(Error);
    });
  });

  describe("when the file name disagrees with the index and term inside", function () {
    it("throws SnapshotCorruptionError: a renamed snapshot could stand in for a later one", function () {
      const later = path.join(dir, `${String(13).padStart(16, "0")}-${String(3).padStart(16, "0")}.snap`);
      fs.renameSync(file, later);
      expect(() => store.loadLatest()).to.throw(
        SnapshotCorruptionError,
        "contents (index 12, term 3) do not match the name",
      );
      const otherTerm = path.join(dir, `${String(12).padStart(16, "0")}-${String(4).padStart(16, "0")}.snap`);
      fs.renameSync(later, otherTerm);
      expect(() => store.loadLatest()).to.throw(SnapshotCorruptionError, "do not match the name");
    });
  });
});
