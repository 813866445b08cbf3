import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { CompactedError, SnapshotOutOfDateError, UnavailableError } from "../../src/core/errors";
import type { ConfState, Entry, HardState } from "../../src/core/types";
import { StorageClosedError, StorageError, WalCorruptionError } from "../../src/storage/errors";
import { FileStorage, type DurableListener } from "../../src/storage/file-storage";
import { SnapshotStore } from "../../src/storage/snapshot-store";
import { Wal } from "../../src/storage/wal";
import { entry, plain, range, storageRig, tempDir } from "./helpers";

const CONF: ConfState = { members: [{ id: "tc1", role: "trading-centre" }] };
const OTHER: ConfState = { members: [{ id: "tc9", role: "trading-centre" }] };

/** Counts fdatasync calls (the WAL's syncs) while `fn` runs. */
function countDatasyncs(fn: () => void): number {
  const original = fs.fdatasyncSync;
  let n = 0;
  fs.fdatasyncSync = (fd: number) => (n++, original(fd));
  try {
    fn();
  } finally {
    fs.fdatasyncSync = original;
  }
  return n;
}

describe("FileStorage recovery and background saves: what a restart finds", function () {
  const rig = storageRig("fstore-recovery");
  const openStorage = rig.open;
  const reopen = rig.reopen;
  let dir: string;
  beforeEach(function () {
    dir = rig.dir;
  });


  describe("bootstrapping from initialConf", function () {
    it("happens once: a restart with another initialConf keeps the first configuration and hard state", function () {
      let s = openStorage({ initialConf: CONF });
      s = reopen(s, { initialConf: OTHER });
      expect(s.initialState()).to.deep.equal({ hardState: { term: 1, vote: null, commit: 1 }, conf: CONF });
    });

    for (const [what, hs, ents] of [
      ["an entry", null, [entry(1, 1)]],
      ["a term", { term: 2, vote: null, commit: 0 }, []],
      ["a vote", { term: 0, vote: "tc1", commit: 0 }, []],
      ["a commit index", { term: 0, vote: null, commit: 3 }, []],
    ] as Array<[string, HardState | null, Entry[]]>) {
      it(`does not happen over a WAL holding ${what}`, function () {
        let s = openStorage();
        s.save(hs, ents);
        s = reopen(s, { initialConf: CONF });
        expect(s.snapshot().meta.index).to.equal(0);
        expect(s.initialState().conf).to.deep.equal({ members: [] });
      });
    }

    it("happens over a WAL holding only an empty hard state", function () {
      let s = openStorage();
      s.save({ term: 0, vote: null, commit: 0 }, []);
      s = reopen(s, { initialConf: CONF });
      expect(s.initialState().conf).to.deep.equal(CONF);
    });
  });

  describe("background saves", function () {
    const reports = () => {
      const got: Array<[string | null, number]> = [];
      const listener: DurableListener = (err, last) => got.push([err === null ? null : err.message, last]);
      return { got, listener };
    };
    const settle = () => new Promise((r) => setTimeout(r, 20));

    it("write without syncing on the caller's turn, take the hard state at once, and ignore an empty save", async function () {
      const s = openStorage();
      const { got, listener } = reports();
      const syncs = s.stats().syncs;
      s.saveInBackground(null, [], listener);
      s.saveInBackground({ term: 3, vote: "tc1", commit: 0 }, [], listener);
      expect(s.initialState().hardState).to.deep.equal({ term: 3, vote: "tc1", commit: 0 });
      s.saveInBackground(null, [entry(1, 3)], listener);
      expect(s.initialState().hardState).to.deep.equal({ term: 3, vote: "tc1", commit: 0 });
      expect(s.stats().syncs).to.equal(syncs);
      await settle();
      expect(got).to.deep.equal([
        [null, 0],
        [null, 1],
      ]);
      const back = reopen(s);
      expect(back.initialState().hardState).to.deep.equal({ term: 3, vote: "tc1", commit: 0 });
      expect(back.lastIndex()).to.equal(1);
    });

    it("write nothing for an empty save, in the background or not", async function () {
      const s = openStorage();
      const { got, listener } = reports();
      const before = s.stats().bytesWritten;
      s.save(null, []);
      s.saveInBackground(null, [], listener);
      await settle();
      expect(s.stats().bytesWritten).to.equal(before);
      expect(got).to.deep.equal([]);
    });

    it("start a new background sync for a save made after the last one completed", async function () {
      const s = openStorage();
      const { got, listener } = reports();
      s.saveInBackground(null, [entry(1, 1)], listener);
      while (got.length < 1) await settle();
      s.saveInBackground(null, [entry(2, 1)], listener);
      while (got.length < 2) await settle();
      expect(got).to.deep.equal([
        [null, 1],
        [null, 2],
      ]);
    });

    it("report nothing once the storage closed, which synced what was held", async function () {
      const s = openStorage();
      const { got, listener } = reports();
      s.saveInBackground(null, [entry(1, 1)], listener);
      s.saveInBackground(null, [entry(2, 1)], listener);
      // The held save is written and synced (a background sync is pending, so the WAL's close syncs it too).
      expect(countDatasyncs(() => s.close())).to.be.at.least(1);
      await settle();
      expect(got).to.deep.equal([]);
      expect(openStorage().lastIndex()).to.equal(2);
    });

    it("report a failed sync once and write nothing more (the WAL failed: fsyncgate)", async function () {
      const s = openStorage();
      const { got, listener } = reports();
      const original = fs.fdatasync;
      fs.fdatasync = ((_fd: number, cb: fs.NoParamCallback) => void setImmediate(() => cb(new Error("EIO")))) as typeof fs.fdatasync;
      try {
        s.saveInBackground(null, [entry(1, 1)], listener);
        s.saveInBackground(null, [entry(2, 1)], listener);
        await settle();
      } finally {
        fs.fdatasync = original;
      }
      expect(got).to.deep.equal([["WAL sync failed: EIO", 1]]);
      // The held save can never be written now: closing says so instead of pretending it is durable.
      expect(() => s.close()).to.throw(StorageError, "WAL failed earlier; restart to recover");
      rig.forget(s);
    });

    it("start each segment cut meanwhile from what the WAL holds, so a compaction keeps what replay needs", async function () {
      let s = openStorage({ segmentBytes: 1 });
      const { got, listener } = reports();
      s.save({ term: 1, vote: null, commit: 0 }, range(1, 3, 1));
      s.saveInBackground(null, [entry(4, 1)], listener);
      s.saveInBackground(null, [entry(5, 1)], listener);
      s.saveInBackground({ term: 1, vote: null, commit: 5 }, [entry(6, 1)], listener);
      while (got.length < 2) await settle();
      s.createSnapshot(4, CONF, new Uint8Array([4]));
      s.compact(4);
      s = reopen(s, { segmentBytes: 1 });
      expect([s.firstIndex(), s.lastIndex()]).to.deep.equal([5, 6]);
      expect(plain(s.entries(5, 7))).to.deep.equal(plain(range(5, 6, 1)));
    });
  });

  describe("snapshots and compaction", function () {
    it("syncs an installed snapshot's log base before returning", function () {
      const s = openStorage();
      expect(countDatasyncs(() => s.applySnapshot({ meta: { index: 5, term: 2, conf: CONF }, data: new Uint8Array() }))).to.equal(1);
    });

    it("refuses a snapshot at or below the current one, or beyond the log", function () {
      const s = openStorage();
      s.save(null, range(1, 6, 1));
      s.createSnapshot(4, CONF, new Uint8Array());
      expect(() => s.createSnapshot(4, CONF, new Uint8Array())).to.throw(SnapshotOutOfDateError, "snapshot 4 is not newer than 4");
      expect(() => s.createSnapshot(7, CONF, new Uint8Array())).to.throw(UnavailableError);
      expect(() => s.applySnapshot({ meta: { index: 3, term: 1, conf: CONF }, data: new Uint8Array() })).to.throw(
        SnapshotOutOfDateError,
        "snapshot 3 is older than 4",
      );
    });

    it("refuses to compact at the log's base or beyond its end", function () {
      const s = openStorage();
      s.save(null, range(1, 6, 1));
      s.createSnapshot(6, CONF, new Uint8Array());
      s.compact(3);
      expect(() => s.compact(3)).to.throw(CompactedError);
      expect(() => s.compact(7)).to.throw(UnavailableError);
    });

    it("names the missing entry when a save would leave a gap", function () {
      const s = openStorage();
      s.save(null, range(1, 2, 1));
      const err = (() => {
        try {
          s.save(null, [entry(5, 1)]);
        } catch (e) {
          return e as Error;
        }
      })();
      expect(err).to.be.instanceOf(UnavailableError);
      expect(err!.cause).to.equal("missing log entry before 5");
    });

    it("drops segments again at every later compaction, each time from the newest one starting at or below it", function () {
      const s = openStorage({ segmentBytes: 1 });
      for (let i = 1; i <= 12; i++) s.save(null, [entry(i, 1)]);
      const segs = () => s.stats().segments;
      const total = segs();
      s.createSnapshot(12, CONF, new Uint8Array());
      s.compact(4);
      const afterFirst = segs();
      expect(afterFirst).to.be.lessThan(total);
      s.compact(8);
      expect(segs()).to.equal(afterFirst - 4);
    });

    it("ignores entries entirely below the compacted base, and keeps those after it from an overlapping save", function () {
      let s = openStorage();
      s.save(null, range(1, 6, 1));
      s.createSnapshot(5, CONF, new Uint8Array());
      s.compact(5);
      s.save(null, range(2, 3, 1));
      expect([s.firstIndex(), s.lastIndex()]).to.deep.equal([6, 6]);
      s.save(null, range(4, 8, 1));
      expect(plain(s.entries(6, 9))).to.deep.equal(plain(range(6, 8, 1)));
      s = reopen(s);
      expect(plain(s.entries(6, 9))).to.deep.equal(plain(range(6, 8, 1)));
    });

    it("splits a huge save at about 32 MiB per record, each entry written once, the hard state in the last", function () {
      const written: number[] = [];
      const s = openStorage({ fsync: false, hooks: { afterWrite: (_f: string, bytes: number) => written.push(bytes) } });
      const big = Array.from({ length: 3 }, (_, k) => ({ ...entry(k + 1, 2), data: new Uint8Array(20 << 20).fill(k) }));
      s.save({ term: 2, vote: "tc1", commit: 0 }, big);
      s.close();
      expect(written).to.have.length(1);
      expect(written[0]).to.be.within(60 << 20, (60 << 20) + 4096);
      const { wal, recovery } = Wal.open(path.join(dir, "wal"), { fsync: false });
      wal.close();
      const saves = recovery.records.filter((r) => r.type === 1).map((r) => r.payload.length);
      // The segment's empty header save, then [e1, e2] (past 32 MiB at e2), then [e3] with the hard state.
      expect(saves).to.have.length(3);
      expect(saves[1]).to.be.within(40 << 20, (40 << 20) + 1024);
      expect(saves[2]).to.be.within(20 << 20, (20 << 20) + 1024);
    });
  });

  describe("when the data dir is damaged", function () {
    /** Appends raw records to the WAL of a fresh data dir. */
    const walWith = (records: Array<{ type: number; payload: Buffer }>) => {
      const { wal } = Wal.open(path.join(dir, "wal"));
      wal.append(records);
      wal.close();
    };

    it("refuses every write once closed", function () {
      const s = openStorage();
      s.save(null, range(1, 3, 1));
      s.close();
      s.close();
      const snap = { meta: { index: 5, term: 1, conf: CONF }, data: new Uint8Array() };
      for (const use of [
        () => s.save(null, [entry(4, 1)]),
        () => s.saveInBackground(null, [entry(4, 1)], () => undefined),
        () => s.applySnapshot(snap),
        () => s.createSnapshot(2, CONF, new Uint8Array()),
        () => s.compact(1),
      ]) {
        expect(use).to.throw(StorageClosedError);
      }
    });

    it("names the record of an unknown type", function () {
      walWith([{ type: 7, payload: Buffer.from([1]) }]);
      expect(() => openStorage()).to.throw(WalCorruptionError, "record #0: unknown record type 7");
    });

    it("names a log base or segment start that does not decode", function () {
      walWith([{ type: 2, payload: Buffer.from([1, 2]) }]);
      let err: WalCorruptionError | undefined;
      try {
        openStorage();
      } catch (e) {
        err = e as WalCorruptionError;
      }
      expect(err).to.be.instanceOf(WalCorruptionError);
      expect(err!.file).to.equal(path.join(dir, "wal"));
      expect(err!.message).to.match(/record #0: /);
      expect(err!.cause).to.be.instanceOf(Error);
      fs.rmSync(dir, { recursive: true, force: true });
      walWith([{ type: 3, payload: Buffer.from([1]) }]);
      expect(() => openStorage()).to.throw(WalCorruptionError, /record #0: /);
    });

    it("refuses a WAL whose saves leave a gap", function () {
      let s = openStorage();
      s.save(null, range(1, 2, 1));
      s.close();
      // A save of entries 5..6 appended behind the storage's back.
      const { wal } = Wal.open(path.join(dir, "wal"));
      const other = tempDir("fstore-donor");
      s = FileStorage.open(other);
      s.save(null, range(1, 4, 1));
      s.save(null, range(5, 6, 1));
      s.close();
      const donor = Wal.open(path.join(other, "wal"));
      donor.wal.close();
      const last = donor.recovery.records.filter((r) => r.type === 1).at(-1)!;
      wal.append([{ type: 1, payload: last.payload }]);
      wal.close();
      fs.rmSync(other, { recursive: true, force: true });
      expect(() => openStorage()).to.throw(WalCorruptionError, /follows last index 2 \(gap\)/);
    });

    it("refuses a newest snapshot older than the log's base, or at its base with another term", function () {
      const s = openStorage();
      s.save(null, range(1, 8, 1));
      s.applySnapshot({ meta: { index: 8, term: 1, conf: CONF }, data: new Uint8Array() });
      s.close();
      const snapDir = path.join(dir, "snap");
      for (const f of fs.readdirSync(snapDir)) fs.rmSync(path.join(snapDir, f));
      new SnapshotStore(snapDir).save({ meta: { index: 5, term: 1, conf: CONF }, data: new Uint8Array() });
      expect(() => openStorage()).to.throw(StorageError, "log starts after 8 but the newest snapshot is at 5: snapshot missing");
      for (const f of fs.readdirSync(snapDir)) fs.rmSync(path.join(snapDir, f));
      new SnapshotStore(snapDir).save({ meta: { index: 8, term: 3, conf: CONF }, data: new Uint8Array() });
      expect(() => openStorage()).to.throw(StorageError, "log base (8, term 1) contradicts snapshot term 3");
    });

    it("takes a newest snapshot inside the log whose term differs as superseding the whole log", function () {
      let s = openStorage();
      s.save(null, range(1, 8, 1));
      new SnapshotStore(path.join(dir, "snap")).save({ meta: { index: 5, term: 2, conf: CONF }, data: new Uint8Array() });
      s = reopen(s);
      expect([s.firstIndex(), s.lastIndex(), s.term(5)]).to.deep.equal([6, 5, 2]);
    });
  });
});
