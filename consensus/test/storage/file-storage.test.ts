import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { CompactedError, SnapshotOutOfDateError, UnavailableError } from "../../src/core/errors";
import { MemoryStorage } from "../../src/core/storage";
import type { ConfState, Snapshot } from "../../src/core/types";
import { StorageClosedError, StorageError, WalCorruptionError } from "../../src/storage/errors";
import { StorageLockedError } from "../../src/storage/dir-lock";
import { FileStorage } from "../../src/storage/file-storage";
import { SnapshotStore } from "../../src/storage/snapshot-store";
import { Wal } from "../../src/storage/wal";
import { entry, plain, range, storageRig } from "./helpers";

const CONF: ConfState = {
  members: [
    { id: "tc1", role: "trading-centre" },
    { id: "gen1", role: "participant" },
  ],
};

function snapAt(index: number, term: number, body = "state"): Snapshot {
  return { meta: { index, term, conf: CONF }, data: new Uint8Array(Buffer.from(body)) };
}

describe("FileStorage (durable Raft storage)", function () {
  const rig = storageRig("fstore");
  const openStorage = rig.open;
  const reopen = rig.reopen;
  let dir: string;
  beforeEach(function () {
    dir = rig.dir;
  });


  describe("a fresh data dir", function () {
    it("starts empty like a fresh MemoryStorage", function () {
      const s = openStorage();
      const m = new MemoryStorage();
      expect(s.initialState()).to.deep.equal(m.initialState());
      expect([s.firstIndex(), s.lastIndex()]).to.deep.equal([m.firstIndex(), m.lastIndex()]);
    });

    it("bootstraps from initialConf exactly like new MemoryStorage(conf), durably", function () {
      let s = openStorage({ initialConf: CONF });
      const m = new MemoryStorage(CONF);
      expect(s.initialState()).to.deep.equal(m.initialState());
      expect(s.snapshot().meta).to.deep.equal(m.snapshot().meta);
      expect([s.firstIndex(), s.lastIndex(), s.term(1)]).to.deep.equal([2, 1, 1]);
      s = reopen(s, { initialConf: CONF });
      expect(s.initialState()).to.deep.equal(m.initialState());
      expect([s.firstIndex(), s.lastIndex()]).to.deep.equal([2, 1]);
    });
  });

  describe("restart recovery of hard state (durable term and vote)", function () {
    it("returns the last saved term, vote and commit after reopen", function () {
      let s = openStorage();
      s.save({ term: 3, vote: "tc1", commit: 0 }, range(1, 3, 3));
      s.save({ term: 4, vote: "gen1", commit: 2 }, []);
      s = reopen(s);
      expect(s.initialState().hardState).to.deep.equal({ term: 4, vote: "gen1", commit: 2 });
      expect(plain(s.entries(1, 4))).to.deep.equal(plain(range(1, 3, 3)));
    });

    it("keeps a null vote null", function () {
      let s = openStorage();
      s.save({ term: 7, vote: null, commit: 0 }, []);
      s = reopen(s);
      expect(s.initialState().hardState.vote).to.equal(null);
    });
  });

  describe("log matching on disk (§5.3: a conflicting suffix is overwritten)", function () {
    it("replaces entries from the first conflicting index, across restarts", function () {
      let s = openStorage();
      s.save({ term: 1, vote: null, commit: 0 }, range(1, 5, 1));
      s.save(null, [entry(3, 2), entry(4, 2)]);
      expect(s.lastIndex()).to.equal(4);
      s = reopen(s);
      expect(plain(s.entries(1, 5))).to.deep.equal(plain([...range(1, 2, 1), entry(3, 2), entry(4, 2)]));
    });

    it("splits a huge save into several WAL records and reads it all back", function () {
      let s = openStorage({ fsync: false });
      const big = Array.from({ length: 40 }, (_, k) => ({ ...entry(k + 1, 2), data: new Uint8Array(1 << 20).fill(k) }));
      s.save({ term: 2, vote: "tc1", commit: 0 }, big);
      s.close();
      const { wal, recovery } = Wal.open(path.join(dir, "wal"), { fsync: false });
      wal.close();
      // Two Save records with entries (plus the segment's empty header save).
      expect(recovery.records.filter((r) => r.type === 1 && r.payload.length > 1 << 20)).to.have.length(2);
      s = openStorage({ fsync: false });
      expect(s.lastIndex()).to.equal(40);
      expect(s.entries(40, 41)[0].data[0]).to.equal(39);
      expect(s.entries(1, 41).every((e, k) => e.data.byteLength === 1 << 20 && e.data[5] === k)).to.equal(true);
      expect(s.initialState().hardState).to.deep.equal({ term: 2, vote: "tc1", commit: 0 });
    });

    it("refuses entries that would leave a gap", function () {
      const s = openStorage();
      s.save(null, range(1, 2, 1));
      expect(() => s.save(null, [entry(4, 1)])).to.throw(UnavailableError);
      expect(() => s.save(null, [entry(3, 1), entry(5, 1)])).to.throw(StorageError, /not contiguous/);
    });

    it("answers reads like MemoryStorage at the edges", function () {
      const s = openStorage();
      s.save(null, range(1, 3, 1));
      expect(() => s.entries(0, 2)).to.throw(CompactedError);
      expect(() => s.entries(1, 5)).to.throw(UnavailableError);
      expect(() => s.term(4)).to.throw(UnavailableError);
      expect(s.term(0)).to.equal(0);
    });
  });

  describe("snapshots and compaction (§7)", function () {
    it("persists an installed snapshot and replaces the log with it", function () {
      let s = openStorage();
      s.save({ term: 2, vote: null, commit: 3 }, range(1, 5, 2));
      s.save({ term: 3, vote: null, commit: 10 }, [], snapAt(10, 3, "abc"));
      s.save(null, [entry(11, 3)]);
      s = reopen(s);
      expect(s.snapshot().meta).to.deep.equal({ index: 10, term: 3, conf: CONF });
      expect(Buffer.from(s.snapshot().data).toString()).to.equal("abc");
      expect([s.firstIndex(), s.lastIndex(), s.term(10)]).to.deep.equal([11, 11, 3]);
      expect(s.initialState().conf).to.deep.equal(CONF);
      expect(s.initialState().hardState.commit).to.equal(10);
    });

    it("refuses an older snapshot", function () {
      const s = openStorage();
      s.applySnapshot(snapAt(10, 3));
      expect(() => s.applySnapshot(snapAt(5, 3))).to.throw(SnapshotOutOfDateError);
    });

    it("createSnapshot then compact drops the prefix; restart serves the same log", function () {
      let s = openStorage({ segmentBytes: 64 * 1024 });
      for (let i = 1; i <= 60; i++) s.save({ term: 1, vote: "tc1", commit: i - 1 }, [entry(i, 1, "x".repeat(3000))]);
      expect(s.stats().segments).to.be.greaterThan(1);
      s.createSnapshot(50, CONF, new Uint8Array([5, 0]));
      s.compact(50);
      expect(s.stats().segments).to.equal(1);
      expect([s.firstIndex(), s.lastIndex(), s.term(50)]).to.deep.equal([51, 60, 1]);
      const before = plain(s.entries(51, 61));
      s = reopen(s, { segmentBytes: 64 * 1024 });
      expect([s.firstIndex(), s.lastIndex()]).to.deep.equal([51, 60]);
      expect(plain(s.entries(51, 61))).to.deep.equal(before);
      expect(s.snapshot().meta.index).to.equal(50);
      expect(Array.from(s.snapshot().data)).to.deep.equal([5, 0]);
      expect(s.initialState().hardState).to.deep.equal({ term: 1, vote: "tc1", commit: 59 });
      expect(fs.readdirSync(path.join(dir, "snap")).filter((n) => n.endsWith(".snap"))).to.have.length(1);
    });

    it("deletes whole WAL segments on compaction and replays from the first one kept", function () {
      // One save per segment: every append starts a new segment.
      let s = openStorage({ segmentBytes: 1 });
      for (let i = 1; i <= 10; i++) s.save({ term: 1, vote: null, commit: i - 1 }, [entry(i, 1)]);
      const before = s.stats().segments;
      s.createSnapshot(7, CONF, new Uint8Array([7]));
      s.compact(7);
      expect(s.stats().segments).to.be.lessThan(before);
      s = reopen(s, { segmentBytes: 1 });
      expect([s.firstIndex(), s.lastIndex()]).to.deep.equal([8, 10]);
      expect(plain(s.entries(8, 11))).to.deep.equal(plain(range(8, 10, 1)));
      expect(s.initialState().hardState.commit).to.equal(9);
    });

    it("keeps the right base term when the base entry was rewritten after its segment began (§5.3 + compaction)", function () {
      let s = openStorage({ segmentBytes: 1 });
      s.save({ term: 1, vote: null, commit: 0 }, range(1, 5, 1));
      // A new leader replaces uncommitted 4..5; this lands in a segment that began at index 5, term 1.
      s.save({ term: 2, vote: null, commit: 3 }, [entry(4, 2), entry(5, 2)]);
      s.createSnapshot(5, CONF, new Uint8Array());
      s.compact(5);
      s = reopen(s, { segmentBytes: 1 });
      expect([s.firstIndex(), s.term(5)]).to.deep.equal([6, 2]);
    });

    it("refuses to compact past the latest snapshot (a restart could not rebuild that state)", function () {
      const s = openStorage();
      s.save(null, range(1, 10, 1));
      s.createSnapshot(4, CONF, new Uint8Array());
      expect(() => s.compact(6)).to.throw(StorageError, /latest snapshot is at 4/);
      s.compact(4);
      expect(() => s.compact(3)).to.throw(CompactedError);
    });

    it("after a crash between writing an installed snapshot and logging it, the snapshot wins", function () {
      let s = openStorage();
      s.save({ term: 1, vote: null, commit: 2 }, range(1, 8, 1));
      // Simulate the crash window: snapshot file durable, WAL marker never written.
      new SnapshotStore(path.join(dir, "snap")).save(snapAt(12, 2));
      s = reopen(s);
      expect([s.firstIndex(), s.lastIndex(), s.term(12)]).to.deep.equal([13, 12, 2]);
      expect(s.initialState().hardState.commit).to.equal(12);
    });

    it("after a crash between createSnapshot and compact, the prefix is dropped on restart", function () {
      let s = openStorage();
      s.save(null, range(1, 8, 1));
      s.createSnapshot(5, CONF, new Uint8Array());
      s = reopen(s);
      expect([s.firstIndex(), s.lastIndex()]).to.deep.equal([6, 8]);
    });
  });

  describe("recovery after a torn final write", function () {
    it("drops only the torn save and keeps every earlier one", function () {
      let s = openStorage();
      s.save({ term: 1, vote: "tc1", commit: 0 }, range(1, 3, 1));
      s.save({ term: 2, vote: "gen1", commit: 1 }, range(4, 5, 2));
      s.close();
      const seg = path.join(dir, "wal", fs.readdirSync(path.join(dir, "wal")).sort().pop() as string);
      // The segment is preallocated: tear the last save where it ends, not where the file ends.
      const probe = Wal.open(path.join(dir, "wal"));
      const end = probe.wal.logicalSize;
      probe.wal.close();
      const buf = fs.readFileSync(seg);
      buf.fill(0, end - 5, end);
      fs.writeFileSync(seg, buf);
      s = openStorage();
      expect(s.recovery).to.not.equal(null);
      expect(s.recovery?.file).to.equal(seg);
      expect(s.recovery?.offset).to.be.below(end - 5);
      expect(s.lastIndex()).to.equal(3);
      expect(s.initialState().hardState).to.deep.equal({ term: 1, vote: "tc1", commit: 0 });
    });

    it("fails loudly on corruption inside an earlier save", function () {
      const s = openStorage();
      s.save({ term: 1, vote: "tc1", commit: 0 }, range(1, 3, 1));
      s.save({ term: 2, vote: "gen1", commit: 1 }, range(4, 5, 2));
      s.close();
      const seg = path.join(dir, "wal", fs.readdirSync(path.join(dir, "wal")).sort().pop() as string);
      const buf = fs.readFileSync(seg);
      buf[30] ^= 0x40;
      fs.writeFileSync(seg, buf);
      expect(() => FileStorage.open(dir)).to.throw(WalCorruptionError);
    });
  });

  describe("background saves (a leader's fsync off the event loop, thesis §10.2.1)", function () {
    /** Collects onDurable reports; `next()` resolves with the next one. */
    function durableReports(): { listener: (err: Error | null, last: number) => void; next: () => Promise<number> } {
      const waiting: Array<(n: number) => void> = [];
      const done: number[] = [];
      return {
        listener: (err, last) => {
          if (err !== null) throw err;
          const w = waiting.shift();
          if (w !== undefined) w(last);
          else done.push(last);
        },
        next: () => (done.length > 0 ? Promise.resolve(done.shift()!) : new Promise((r) => waiting.push(r))),
      };
    }

    it("serves the entries at once and reports them durable once the fsync completes", async function () {
      const s = openStorage();
      const d = durableReports();
      s.saveInBackground({ term: 1, vote: null, commit: 0 }, range(1, 3, 1), d.listener);
      expect(plain(s.entries(1, 4))).to.deep.equal(plain(range(1, 3, 1)));
      expect(await d.next()).to.equal(3);
      const again = reopen(s);
      expect(plain(again.entries(1, 4))).to.deep.equal(plain(range(1, 3, 1)));
    });

    it("holds saves made while a sync runs and writes them after it, in order, across segment cuts", async function () {
      const s = openStorage({ segmentBytes: 1 });
      const d = durableReports();
      s.saveInBackground({ term: 1, vote: null, commit: 0 }, [entry(1, 1)], d.listener);
      s.saveInBackground({ term: 1, vote: null, commit: 1 }, [entry(2, 1)], d.listener);
      s.saveInBackground({ term: 1, vote: null, commit: 2 }, [entry(3, 1)], d.listener);
      expect(s.lastIndex()).to.equal(3);
      // The first sync covers only what was written when it began; the held two follow together.
      expect(await d.next()).to.equal(1);
      expect(await d.next()).to.equal(3);
      const again = reopen(s, { segmentBytes: 1 });
      expect(plain(again.entries(1, 4))).to.deep.equal(plain(range(1, 3, 1)));
      expect(again.initialState().hardState.commit).to.equal(2);
    });

    it("a synchronous save writes held records first, so everything is durable when it returns", async function () {
      const s = openStorage();
      const d = durableReports();
      s.saveInBackground(null, [entry(1, 1)], d.listener);
      s.saveInBackground(null, [entry(2, 1)], d.listener);
      s.save({ term: 2, vote: "tc1", commit: 1 }, [entry(3, 2)]);
      expect(await d.next()).to.equal(1);
      const back = reopen(s);
      expect(plain(back.entries(1, 4))).to.deep.equal(plain([entry(1, 1), entry(2, 1), entry(3, 2)]));
      expect(back.initialState().hardState).to.deep.equal({ term: 2, vote: "tc1", commit: 1 });
    });

    it("close() writes and syncs held records", function () {
      const s = openStorage();
      const d = durableReports();
      s.saveInBackground(null, [entry(1, 1)], d.listener);
      s.saveInBackground(null, [entry(2, 1)], d.listener);
      const back = reopen(s);
      expect(back.lastIndex()).to.equal(2);
    });
  });

  describe("data dir lock", function () {
    it("refuses a second open of the same data dir while the first is open", function () {
      const s = openStorage();
      expect(() => FileStorage.open(dir))
        .to.throw(StorageLockedError, new RegExp(`process ${process.pid}`))
        .that.includes({ name: "StorageLockedError", pid: process.pid });
      s.close();
      openStorage();
    });

    it("takes over a lock left by a dead process (kill -9)", function () {
      // A pid far above pid_max on Linux/macOS cannot belong to a live process.
      fs.writeFileSync(path.join(dir, "LOCK"), JSON.stringify({ pid: 99999999, start: null }));
      const s = openStorage();
      expect(JSON.parse(fs.readFileSync(path.join(dir, "LOCK"), "utf8")).pid).to.equal(process.pid);
      s.close();
      expect(fs.existsSync(path.join(dir, "LOCK"))).to.equal(false);
    });

    it("takes over a lock whose pid was reused after a restart (same pid, e.g. pid 1 in a container)", function () {
      fs.writeFileSync(path.join(dir, "LOCK"), JSON.stringify({ pid: process.pid, start: "1" }));
      openStorage();
    });

    it("respects a lock of a live process it may not signal (EPERM: another user's process)", function () {
      // Tests run as root here, where signal 0 reaches every pid: simulate the non-root answer for one pid.
      fs.writeFileSync(path.join(dir, "LOCK"), JSON.stringify({ pid: 99999999, start: null }));
      const original = process.kill;
      process.kill = ((pid: number, signal?: string | number) => {
        if (pid === 99999999) throw Object.assign(new Error("kill EPERM"), { code: "EPERM" });
        return original.call(process, pid, signal);
      }) as typeof process.kill;
      try {
        expect(() => FileStorage.open(dir)).to.throw(StorageLockedError, /process 99999999/);
      } finally {
        process.kill = original;
      }
    });

    it("takes over a lock naming its own pid without a start time that this process never took", function () {
      // A lock written where /proc is missing (start null) by an earlier incarnation that had this pid.
      fs.writeFileSync(path.join(dir, "LOCK"), JSON.stringify({ pid: process.pid, start: null }));
      openStorage();
    });

    it("takes over an unreadable lock file (crash while writing it)", function () {
      fs.writeFileSync(path.join(dir, "LOCK"), "");
      openStorage();
    });

    if (process.platform === "linux") {
      it("takes over a lock naming a live pid with a different start time (pid reused)", function () {
        fs.writeFileSync(path.join(dir, "LOCK"), JSON.stringify({ pid: process.ppid, start: "0" }));
        openStorage();
      });

      it("respects a lock held by another live process", function () {
        const stat = fs.readFileSync(`/proc/${process.ppid}/stat`, "utf8");
        const start = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
        fs.writeFileSync(path.join(dir, "LOCK"), JSON.stringify({ pid: process.ppid, start }));
        expect(() => FileStorage.open(dir)).to.throw(StorageLockedError, new RegExp(`process ${process.ppid}`));
      });
    }
  });

  it("refuses use after close", function () {
    const s = openStorage();
    s.close();
    expect(() => s.save(null, [entry(1, 1)])).to.throw(StorageClosedError);
  });
});
