import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { StorageClosedError, StorageError, WalCorruptionError } from "../../src/storage/errors";
import { RECORD_HEADER_BYTES } from "../../src/storage/record";
import { SEGMENT_MAGIC, Wal, type WalOptions } from "../../src/storage/wal";
import { tempDir } from "./helpers";

const rec = (i: number, size = 20) => ({ type: 1, payload: Buffer.alloc(size, i % 251) });
/** Framed size of `rec(i)` with the default payload size. */
const REC = RECORD_HEADER_BYTES + 20;
const SEG1 = "0000000000000001.wal";
const SEG2 = "0000000000000002.wal";

/**
 * Runs `fn` (and awaits it) recording every fsync and fdatasync, sync or not, as "<call> <path relative to `root`>"
 * ("." for `root` itself). The path is read from /proc/self/fd when the call is made, so a temp file shows under the
 * name it had then.
 */
async function traceSyncs(root: string, fn: () => unknown): Promise<string[]> {
  const calls: string[] = [];
  const where = (fd: number) => path.relative(root, fs.readlinkSync(`/proc/self/fd/${fd}`)) || ".";
  const saved = { fsyncSync: fs.fsyncSync, fdatasyncSync: fs.fdatasyncSync, fdatasync: fs.fdatasync };
  fs.fsyncSync = (fd: number) => (calls.push(`fsync ${where(fd)}`), saved.fsyncSync(fd));
  fs.fdatasyncSync = (fd: number) => (calls.push(`fdatasync ${where(fd)}`), saved.fdatasyncSync(fd));
  fs.fdatasync = ((fd: number, cb: fs.NoParamCallback) => (calls.push(`fdatasync(async) ${where(fd)}`), saved.fdatasync(fd, cb))) as typeof fs.fdatasync;
  try {
    await fn();
  } finally {
    Object.assign(fs, saved);
  }
  return calls;
}

/** Replaces `fs[name]` for the duration of `fn`. */
function patched<K extends "writeSync" | "fdatasyncSync" | "fdatasync">(name: K, impl: (typeof fs)[K], fn: () => void): void {
  const original = fs[name];
  (fs as Record<K, unknown>)[name] = impl;
  try {
    fn();
  } finally {
    (fs as Record<K, unknown>)[name] = original;
  }
}

const bgSync = (wal: Wal): Promise<Error | null> => new Promise((resolve) => wal.syncInBackground(resolve));
const payloads = (dir: string, opts: WalOptions = {}): number[] => {
  const { wal, recovery } = Wal.open(dir, opts);
  wal.close();
  return recovery.records.filter((r) => r.type === 1).map((r) => r.payload[0]!);
};

describe("WAL durability: what is synced when, and what a failure leaves", function () {
  let root: string;
  let dir: string;
  beforeEach(function () {
    root = tempDir("wal-durable");
    dir = path.join(root, "wal");
  });
  afterEach(function () {
    fs.rmSync(root, { recursive: true, force: true });
  });

  describe("when a segment is created", function () {
    it("syncs the new directory's parent, the segment under its temp name, then the directory after the rename", async function () {
      const calls = await traceSyncs(root, () => Wal.open(dir).wal.close());
      expect(calls).to.deep.equal(["fsync .", `fsync wal/.${SEG1}.tmp`, "fsync wal"]);
    });

    it("syncs nothing with fsync off", async function () {
      expect(await traceSyncs(root, () => Wal.open(dir, { fsync: false }).wal.close())).to.deep.equal([]);
    });

    it("ignores files in the directory that are not segments", function () {
      Wal.open(dir).wal.close();
      fs.writeFileSync(path.join(dir, "notes.txt"), "x");
      expect(payloads(dir)).to.deep.equal([]);
    });

    it("names the missing segment when one between two others is gone", function () {
      const { wal } = Wal.open(dir, { segmentBytes: 1 });
      for (let i = 0; i < 3; i++) wal.append([rec(i)]);
      wal.close();
      fs.rmSync(path.join(dir, SEG2));
      expect(() => Wal.open(dir)).to.throw(WalCorruptionError, `WAL corrupt in ${path.join(dir, SEG2)} at byte 0: segment is missing`);
    });
  });

  describe("when the current segment is full", function () {
    it("cuts once it holds exactly segmentBytes, not one record later", function () {
      const { wal } = Wal.open(dir, { segmentBytes: SEGMENT_MAGIC.length + REC });
      wal.append([rec(0)]);
      expect(wal.segmentSeqs()).to.deep.equal([1]);
      wal.append([rec(1)]);
      expect(wal.segmentSeqs()).to.deep.equal([1, 2]);
      wal.close();
    });

    it("seals the old segment durably: truncated to its records and fsync'd before the next is created", async function () {
      // A preallocated segment, reopened with tiny segments: the next append cuts it with its zero tail.
      const first = Wal.open(dir).wal;
      first.append([rec(0)]);
      first.close();
      const { wal } = Wal.open(dir, { segmentBytes: 1 });
      const calls = await traceSyncs(root, () => wal.append([rec(1)]));
      expect(calls).to.deep.equal([`fsync wal/${SEG1}`, `fsync wal/.${SEG2}.tmp`, "fsync wal", `fdatasync wal/${SEG2}`]);
      expect(fs.statSync(path.join(dir, SEG1)).size).to.equal(SEGMENT_MAGIC.length + REC);
      wal.close();
    });

    it("does not sync again a segment without a zero tail whose every write was synced", async function () {
      const { wal } = Wal.open(dir, { segmentBytes: SEGMENT_MAGIC.length + REC, preallocateBytes: 0 });
      wal.append([rec(0)]);
      const calls = await traceSyncs(root, () => wal.append([rec(1)]));
      expect(calls).to.deep.equal([`fsync wal/.${SEG2}.tmp`, "fsync wal", `fdatasync wal/${SEG2}`]);
      wal.close();
    });

    it("syncs the old segment's unsynced writes before closing it when a background sync is pending", async function () {
      const { wal } = Wal.open(dir, { segmentBytes: SEGMENT_MAGIC.length + REC, preallocateBytes: 0 });
      wal.write([rec(0)]);
      let pending: Promise<Error | null> = Promise.resolve(null);
      const calls = await traceSyncs(root, () => {
        pending = bgSync(wal);
        wal.append([rec(1)]);
      });
      expect(calls).to.deep.equal([`fdatasync(async) wal/${SEG1}`, `fdatasync wal/${SEG1}`, `fsync wal/.${SEG2}.tmp`, "fsync wal", `fdatasync wal/${SEG2}`]);
      expect(await pending).to.equal(null);
      wal.close();
      expect(payloads(dir)).to.deep.equal([0, 1]);
    });

    it("seals without syncing when fsync is off", async function () {
      // A preallocated segment, reopened with tiny segments: the next write cuts it with its zero tail.
      const first = Wal.open(dir, { fsync: false }).wal;
      first.append([rec(0)]);
      first.close();
      const { wal } = Wal.open(dir, { segmentBytes: 1, fsync: false });
      expect(await traceSyncs(root, () => wal.write([rec(1)]))).to.deep.equal([]);
      expect(wal.segmentSeqs()).to.deep.equal([1, 2]);
      expect(fs.statSync(path.join(dir, SEG1)).size).to.equal(SEGMENT_MAGIC.length + REC);
      wal.close();
    });

    it("does not grow a segment whose record ends exactly where the zeros end", function () {
      const { wal } = Wal.open(dir, { preallocateBytes: 100 });
      wal.append([rec(0, 100 - RECORD_HEADER_BYTES)]);
      expect(wal.logicalSize).to.equal(SEGMENT_MAGIC.length + 100);
      expect(fs.statSync(path.join(dir, SEG1)).size).to.equal(SEGMENT_MAGIC.length + 100);
      wal.append([rec(1)]);
      expect(fs.statSync(path.join(dir, SEG1)).size).to.equal(SEGMENT_MAGIC.length + 100 + REC + 100);
      wal.close();
    });

    it("lists its segment files, oldest first", function () {
      const { wal } = Wal.open(dir, { segmentBytes: 1 });
      wal.append([rec(0)]);
      expect(wal.segmentFiles()).to.deep.equal([path.join(dir, SEG1), path.join(dir, SEG2)]);
      wal.close();
    });
  });

  describe("background syncs", function () {
    it("with fsync off report success without syncing or counting a sync", async function () {
      const { wal } = Wal.open(dir, { fsync: false });
      wal.write([rec(0)]);
      const calls = await traceSyncs(root, async () => expect(await bgSync(wal)).to.equal(null));
      expect(calls).to.deep.equal([]);
      expect(wal.stats().syncs).to.equal(0);
      wal.close();
    });

    it("overtaken by a cut report success without counting, timing or reporting a sync of the closed segment", async function () {
      const synced: string[] = [];
      const { wal } = Wal.open(dir, { segmentBytes: SEGMENT_MAGIC.length + REC, hooks: { afterSync: (file) => synced.push(path.basename(file)) } });
      wal.write([rec(0)]);
      const pending = bgSync(wal);
      wal.append([rec(1)]);
      expect(await pending).to.equal(null);
      expect(synced).to.deep.equal([SEG2]);
      expect(wal.stats().syncs).to.equal(1);
      wal.close();
    });

    it("time the sync in milliseconds, for a hook that has no afterWrite", async function () {
      const synced: Array<[string, number]> = [];
      const { wal } = Wal.open(dir, { hooks: { afterSync: (file, ms) => synced.push([path.basename(file), ms]) } });
      wal.write([rec(0)]);
      expect(await bgSync(wal)).to.equal(null);
      expect(synced).to.have.length(1);
      expect(synced[0]![0]).to.equal(SEG1);
      // An fsync takes far less than a minute: a figure in nanoseconds, or the clock added instead of subtracted, is not.
      expect(synced[0]![1]).to.be.within(0, 60_000);
      expect(wal.stats().lastSyncMs).to.equal(synced[0]![1]);
      wal.append([rec(1)]);
      expect(synced).to.have.length(2);
      expect(synced[1]![1]).to.be.within(0, 60_000);
      wal.close();
    });

    it("work with a hook that has no afterSync", async function () {
      const written: number[] = [];
      const { wal } = Wal.open(dir, { hooks: { afterWrite: (_file, bytes) => written.push(bytes) } });
      wal.append([rec(0)]);
      wal.write([rec(1)]);
      expect(await bgSync(wal)).to.equal(null);
      expect(written).to.deep.equal([REC, REC]);
      wal.close();
    });

    it("report a failed fdatasync, and fail the WAL: nothing more is written or synced (fsyncgate)", async function () {
      const { wal } = Wal.open(dir);
      wal.write([rec(0)]);
      const original = fs.fdatasync;
      fs.fdatasync = ((_fd: number, cb: fs.NoParamCallback) => void setImmediate(() => cb(Object.assign(new Error("EIO: i/o error"), { code: "EIO" })))) as typeof fs.fdatasync;
      let err: Error | null;
      try {
        err = await bgSync(wal);
      } finally {
        fs.fdatasync = original;
      }
      expect(err).to.be.instanceOf(StorageError);
      expect(err!.message).to.equal("WAL sync failed: EIO: i/o error");
      const eio = err!.cause as Error;
      expect(eio.message).to.equal("EIO: i/o error");
      expect(() => wal.write([rec(1)])).to.throw(StorageError, "WAL failed earlier; restart to recover");
      let later: unknown;
      try {
        wal.syncInBackground(() => undefined);
      } catch (e) {
        later = e;
      }
      expect((later as Error).message).to.equal("WAL failed earlier; restart to recover");
      expect((later as Error).cause).to.equal(eio);
      // Closing does not retry the sync that failed.
      expect(await traceSyncs(root, () => wal.close())).to.deep.equal([]);
    });
  });

  describe("when one of two background syncs fails", function () {
    it("close() does not retry the failed sync for the one still pending", async function () {
      const { wal } = Wal.open(dir);
      wal.write([rec(0)]);
      const original = fs.fdatasync;
      const held: fs.NoParamCallback[] = [];
      let n = 0;
      fs.fdatasync = ((_fd: number, cb: fs.NoParamCallback) => {
        if (++n === 1) setImmediate(() => cb(Object.assign(new Error("EIO: i/o error"), { code: "EIO" })));
        else held.push(cb);
      }) as typeof fs.fdatasync;
      let second: Promise<Error | null>;
      try {
        const first = bgSync(wal);
        second = bgSync(wal);
        expect((await first)!.message).to.equal("WAL sync failed: EIO: i/o error");
      } finally {
        fs.fdatasync = original;
      }
      expect(await traceSyncs(root, () => wal.close())).to.deep.equal([]);
      held[0]!(null);
      expect(await second).to.equal(null);
    });
  });

  describe("when a synchronous fdatasync fails", function () {
    it("throws, and every later write throws with that failure as its cause", function () {
      const { wal } = Wal.open(dir);
      const eio = Object.assign(new Error("EIO: i/o error"), { code: "EIO" });
      patched(
        "fdatasyncSync",
        () => {
          throw eio;
        },
        () => {
          let first: unknown;
          try {
            wal.append([rec(0)]);
          } catch (e) {
            first = e;
          }
          expect(first).to.be.instanceOf(StorageError);
          expect((first as Error).message).to.equal("WAL sync failed: EIO: i/o error");
          expect((first as Error).cause).to.equal(eio);
        },
      );
      let later: unknown;
      try {
        wal.write([rec(1)]);
      } catch (e) {
        later = e;
      }
      expect(later).to.be.instanceOf(StorageError);
      expect((later as Error).message).to.equal("WAL failed earlier; restart to recover");
      expect((later as Error).cause).to.equal(eio);
      wal.close();
    });
  });

  describe("when a write fails midway", function () {
    it("cuts the partial record off, so the next append does not land behind garbage", function () {
      const { wal } = Wal.open(dir, { preallocateBytes: 0 });
      wal.append([rec(0)]);
      const original = fs.writeSync;
      let calls = 0;
      const halfThenFail = ((fd: number, buf: Buffer, off: number, len: number, pos: number) => {
        if (++calls === 1) return original(fd, buf, off, Math.floor(len / 2), pos);
        throw Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
      }) as typeof fs.writeSync;
      let failure: unknown;
      patched("writeSync", halfThenFail, () => {
        try {
          wal.append([rec(1)]);
        } catch (e) {
          failure = e;
        }
      });
      expect(failure).to.be.instanceOf(StorageError);
      expect((failure as Error).message).to.equal(`WAL write to ${path.join(dir, SEG1)} failed: ENOSPC: no space left on device`);
      expect(((failure as Error).cause as NodeJS.ErrnoException).code).to.equal("ENOSPC");
      expect(fs.statSync(path.join(dir, SEG1)).size).to.equal(SEGMENT_MAGIC.length + REC);
      wal.append([rec(2)]);
      wal.close();
      expect(payloads(dir)).to.deep.equal([0, 2]);
    });

    it("writes a record the kernel accepts a few bytes at a time whole, at its place", function () {
      const { wal } = Wal.open(dir);
      const original = fs.writeSync;
      const piecewise = ((fd: number, buf: Buffer, off: number, len: number, pos: number) => original(fd, buf, off, Math.min(len, 7), pos)) as typeof fs.writeSync;
      patched("writeSync", piecewise, () => {
        wal.append([rec(0)]);
        wal.append([rec(1, 100)]);
      });
      wal.close();
      const { wal: again, recovery } = Wal.open(dir);
      again.close();
      expect(recovery.truncated).to.equal(null);
      expect(recovery.records.map((r) => [r.payload[0], r.payload.length])).to.deep.equal([
        [0, 20],
        [1, 100],
      ]);
    });
  });

  describe("empty appends and a closed WAL", function () {
    it("an empty append writes, syncs and reports nothing", async function () {
      const events: string[] = [];
      // Full after one record: an empty write that went on would cut a new segment.
      const { wal } = Wal.open(dir, { segmentBytes: SEGMENT_MAGIC.length + REC, hooks: { afterWrite: () => events.push("write"), afterSync: () => events.push("sync") } });
      wal.append([rec(0)]);
      events.length = 0;
      const calls = await traceSyncs(root, () => {
        wal.append([]);
        wal.write([]);
      });
      expect(calls).to.deep.equal([]);
      expect(events).to.deep.equal([]);
      expect(wal.segmentSeqs()).to.deep.equal([1]);
      expect(wal.stats().bytesWritten).to.equal(REC);
      wal.close();
    });

    it("refuses every use after close, and closing twice is harmless", function () {
      const { wal } = Wal.open(dir);
      wal.close();
      wal.close();
      expect(() => wal.write([rec(0)])).to.throw(StorageClosedError);
      expect(() => wal.sync()).to.throw(StorageClosedError);
      expect(() => wal.removeSegmentsBefore(5)).to.throw(StorageClosedError);
    });

    it("close() syncs writes a pending background sync was to cover, and nothing when none is pending", async function () {
      const { wal } = Wal.open(dir);
      wal.append([rec(0)]);
      wal.write([rec(1)]);
      expect(await bgSync(wal)).to.equal(null);
      expect(await traceSyncs(root, () => wal.close())).to.deep.equal([]);
      const second = Wal.open(dir).wal;
      second.write([rec(2)]);
      let pending: Promise<Error | null> = Promise.resolve(null);
      const calls = await traceSyncs(root, () => {
        pending = bgSync(second);
        second.close();
      });
      expect(calls).to.deep.equal([`fdatasync(async) wal/${SEG1}`, `fdatasync wal/${SEG1}`]);
      expect(await pending).to.equal(null);
    });
  });

  describe("file descriptors", function () {
    it("keeps none open once closed: opening, cutting, repairing and syncing close what they open", function () {
      const open = () => fs.readdirSync("/proc/self/fd").length;
      const before = open();
      for (let round = 0; round < 3; round++) {
        const { wal } = Wal.open(dir, { segmentBytes: SEGMENT_MAGIC.length + REC, preallocateBytes: 0 });
        wal.append([rec(0)]);
        wal.append([rec(1)]);
        wal.removeSegmentsBefore(Number.MAX_SAFE_INTEGER);
        wal.close();
        const last = wal.segmentFiles().at(-1)!;
        fs.truncateSync(last, fs.statSync(last).size - 3);
      }
      Wal.open(dir).wal.close();
      expect(open()).to.equal(before);
    });
  });

  describe("removing old segments", function () {
    it("syncs the directory after deleting, only when something was deleted, and only with fsync on", async function () {
      for (const fsync of [true, false]) {
        fs.rmSync(dir, { recursive: true, force: true });
        const { wal } = Wal.open(dir, { segmentBytes: 1, fsync });
        for (let i = 0; i < 3; i++) wal.append([rec(i)]);
        expect(await traceSyncs(root, () => expect(wal.removeSegmentsBefore(1)).to.equal(0))).to.deep.equal([]);
        expect(await traceSyncs(root, () => expect(wal.removeSegmentsBefore(3)).to.equal(2))).to.deep.equal(fsync ? ["fsync wal"] : []);
        wal.close();
      }
    });
  });

  describe("recovery of a torn tail", function () {
    it("logs what it cut off and syncs the repaired segment (not with fsync off)", async function () {
      for (const fsync of [undefined, false]) {
        fs.rmSync(dir, { recursive: true, force: true });
        const { wal } = Wal.open(dir, { preallocateBytes: 0, fsync });
        wal.append([rec(0)]);
        wal.append([rec(1)]);
        wal.close();
        const end = SEGMENT_MAGIC.length + 2 * REC;
        fs.truncateSync(path.join(dir, SEG1), end - 5);
        const warned: Array<[object, string]> = [];
        const calls = await traceSyncs(root, () => Wal.open(dir, { fsync, logger: { warn: (obj, msg) => warned.push([obj, msg]) } }).wal.close());
        expect(warned).to.deep.equal([[{ file: path.join(dir, SEG1), offset: SEGMENT_MAGIC.length + REC, droppedBytes: REC - 5 }, "WAL: truncating torn final record"]]);
        expect(calls).to.deep.equal(fsync === undefined ? [`fsync wal/${SEG1}`] : []);
        expect(payloads(dir)).to.deep.equal([0]);
      }
    });
  });
});
