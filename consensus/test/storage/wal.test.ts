import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { StorageError, WalCorruptionError } from "../../src/storage/errors";
import { frameRecord, RECORD_HEADER_BYTES, readRecordAt } from "../../src/storage/record";
import { SEGMENT_MAGIC, Wal, type WalOptions } from "../../src/storage/wal";
import { tempDir } from "./helpers";

const rec = (i: number, size = 20) => ({ type: 1, payload: Buffer.alloc(size, i % 251) });
const MiB = 1024 * 1024;
/** Framed size of `rec(i)` with the default payload size. */
const REC = RECORD_HEADER_BYTES + 20;

function lastSegment(dir: string): string {
  const segs = fs.readdirSync(dir).filter((n) => n.endsWith(".wal")).sort();
  return path.join(dir, segs[segs.length - 1]);
}

/** Appends `n` records and closes the WAL; returns the logical end of its last segment. */
function writeRecords(dir: string, n: number, size = 20, opts: WalOptions = {}): number {
  const { wal } = Wal.open(dir, opts);
  for (let i = 0; i < n; i++) wal.append([rec(i, size)]);
  const end = wal.logicalSize;
  wal.close();
  return end;
}

/** Offset just past the last record that decodes from the start of a segment file. */
function recordsEnd(file: string): number {
  const buf = fs.readFileSync(file);
  let off = SEGMENT_MAGIC.length;
  for (let got = readRecordAt(buf, off); got !== null; got = readRecordAt(buf, off)) off = got.next;
  return off;
}

function isZeros(buf: Buffer): boolean {
  return buf.every((b) => b === 0);
}

/**
 * How a crash leaves the last `n` bytes of the final record unwritten: with preallocation they stay
 * zeros inside the file; without it the file simply ends early.
 */
const TEARS = [
  { name: "preallocated", opts: {}, tear: (file: string, end: number, n: number) => overwrite(file, end - n, Buffer.alloc(n)) },
  { name: "preallocation off", opts: { preallocateBytes: 0 }, tear: (file: string, end: number, n: number) => fs.truncateSync(file, end - n) },
];

function overwrite(file: string, offset: number, bytes: Buffer): void {
  const fd = fs.openSync(file, "r+");
  try {
    fs.writeSync(fd, bytes, 0, bytes.length, offset);
  } finally {
    fs.closeSync(fd);
  }
}

describe("WAL (write-ahead log)", function () {
  let dir: string;
  beforeEach(function () {
    dir = tempDir("wal");
  });
  afterEach(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("round-trips records across close and reopen", function () {
    writeRecords(dir, 5);
    const { wal, recovery } = Wal.open(dir);
    expect(recovery.truncated).to.equal(null);
    expect(recovery.records.map((r) => r.payload[0])).to.deep.equal([0, 1, 2, 3, 4]);
    expect(recovery.records.every((r) => r.type === 1 && r.payload.length === 20)).to.equal(true);
    wal.close();
  });

  describe("background sync", function () {
    const synced = (wal: Wal): Promise<Error | null> => new Promise((resolve) => wal.syncInBackground(resolve));

    it("reports success once the records written before it are durable, and counts the sync", async function () {
      const { wal } = Wal.open(dir);
      wal.write([rec(0)]);
      const before = wal.stats().syncs;
      expect(await synced(wal)).to.equal(null);
      expect(wal.stats().syncs).to.equal(before + 1);
      wal.close();
      const again = Wal.open(dir);
      expect(again.recovery.records.map((r) => r.payload[0])).to.deep.equal([0]);
      again.wal.close();
    });

    it("a segment cut while it runs syncs the old segment itself; the sync then reports success", async function () {
      const { wal } = Wal.open(dir, { segmentBytes: 1 });
      wal.write([rec(0)]);
      const pending = synced(wal);
      wal.append([rec(1)]); // cuts a new segment (segmentBytes 1), closing the old fd
      expect(await pending).to.equal(null);
      wal.close();
      const again = Wal.open(dir, { segmentBytes: 1 });
      expect(again.recovery.records.filter((r) => r.type === 1).map((r) => r.payload[0])).to.deep.equal([0, 1]);
      again.wal.close();
    });

    it("close() while it runs syncs first; the sync then reports success", async function () {
      const { wal } = Wal.open(dir);
      wal.write([rec(0)]);
      const pending = synced(wal);
      wal.close();
      expect(await pending).to.equal(null);
      expect(() => wal.syncInBackground(() => undefined)).to.throw(/closed/);
    });
  });

  it("rolls over to new segments and replays them in order", function () {
    writeRecords(dir, 40, 4000, { segmentBytes: 64 * 1024 });
    expect(fs.readdirSync(dir).filter((n) => n.endsWith(".wal")).length).to.be.greaterThan(1);
    const { wal, recovery } = Wal.open(dir, { segmentBytes: 64 * 1024 });
    expect(recovery.records.map((r) => r.payload[0])).to.deep.equal([...Array(40).keys()]);
    wal.close();
  });

  it("starts every new segment with the header records the owner supplies", function () {
    const headers: number[] = [];
    const { wal } = Wal.open(dir, {
      segmentBytes: 64 * 1024,
      segmentHeader: (seq) => {
        headers.push(seq);
        return [{ type: 9, payload: Buffer.from([seq]) }];
      },
    });
    for (let i = 0; i < 40; i++) wal.append([rec(i, 4000)]);
    wal.close();
    expect(headers[0]).to.equal(1);
    expect(headers.length).to.be.greaterThan(1);
    const again = Wal.open(dir, { segmentBytes: 64 * 1024 });
    const starts = again.recovery.records.filter((r) => r.type === 9);
    expect(starts.map((r) => r.payload[0])).to.deep.equal(headers);
    // Each header is the first record of its segment.
    for (const h of starts) {
      const first = again.recovery.records.find((r) => r.seq === h.seq);
      expect(first?.type).to.equal(9);
    }
    again.wal.close();
  });

  it("removeSegmentsBefore deletes older segments but never the current one", function () {
    writeRecords(dir, 60, 4000, { segmentBytes: 64 * 1024 });
    const { wal } = Wal.open(dir, { segmentBytes: 64 * 1024 });
    const seqs = wal.segmentSeqs();
    expect(seqs.length).to.be.greaterThan(2);
    expect(wal.removeSegmentsBefore(seqs[2])).to.equal(2);
    expect(wal.segmentSeqs()).to.deep.equal(seqs.slice(2));
    expect(wal.removeSegmentsBefore(Number.MAX_SAFE_INTEGER)).to.equal(seqs.length - 3);
    expect(wal.segmentSeqs()).to.deep.equal([seqs[seqs.length - 1]]);
    wal.append([rec(200)]);
    wal.close();
    const again = Wal.open(dir);
    expect(again.recovery.records[again.recovery.records.length - 1].payload[0]).to.equal(200);
    again.wal.close();
  });

  for (const { name, opts, tear } of TEARS) {
    describe(`recovery after a crash (torn last record, ${name})`, function () {
      it("truncates a record cut off mid-payload and keeps everything before it", function () {
        const end = writeRecords(dir, 5, 20, opts);
        const file = lastSegment(dir);
        tear(file, end, 7);
        const size = fs.statSync(file).size;
        const { wal, recovery } = Wal.open(dir, opts);
        expect(recovery.records.map((r) => r.payload[0])).to.deep.equal([0, 1, 2, 3]);
        expect(recovery.truncated).to.deep.equal({ file, offset: end - REC, droppedBytes: size - (end - REC) });
        expect(fs.statSync(file).size).to.equal(end - REC);
        expect(wal.logicalSize).to.equal(end - REC);
        wal.append([rec(9)]);
        wal.close();
        const again = Wal.open(dir, opts);
        expect(again.recovery.truncated).to.equal(null);
        expect(again.recovery.records.map((r) => r.payload[0])).to.deep.equal([0, 1, 2, 3, 9]);
        again.wal.close();
      });

      it("truncates a record cut off inside its header", function () {
        const end = writeRecords(dir, 3, 20, opts);
        tear(lastSegment(dir), end, 20 + 4);
        const { wal, recovery } = Wal.open(dir, opts);
        expect(recovery.records).to.have.length(2);
        expect(recovery.truncated?.offset).to.equal(end - REC);
        wal.close();
      });

      it("treats a last record with a bad checksum and nothing valid after it as torn", function () {
        const end = writeRecords(dir, 3, 20, opts);
        const file = lastSegment(dir);
        const buf = fs.readFileSync(file);
        buf[end - 1] ^= 0xff;
        fs.writeFileSync(file, buf);
        const { wal, recovery } = Wal.open(dir, opts);
        expect(recovery.records).to.have.length(2);
        expect(recovery.truncated?.offset).to.equal(end - REC);
        wal.close();
      });
    });
  }

  describe("preallocation (zero-filled space past the logical end)", function () {
    it("allocates a fresh segment a chunk beyond its logical end, filled with zeros", function () {
      const { wal } = Wal.open(dir);
      const buf = fs.readFileSync(lastSegment(dir));
      expect(wal.logicalSize).to.equal(SEGMENT_MAGIC.length);
      expect(buf.length).to.equal(SEGMENT_MAGIC.length + MiB);
      expect(isZeros(buf.subarray(SEGMENT_MAGIC.length))).to.equal(true);
      wal.close();
    });

    it("never preallocates past segmentBytes, where the segment will be cut anyway", function () {
      const { wal } = Wal.open(dir, { segmentBytes: 64 * 1024 });
      expect(fs.statSync(lastSegment(dir)).size).to.equal(64 * 1024);
      wal.close();
    });

    it("reopens after a clean close without truncating, and appends at the logical end", function () {
      const end = writeRecords(dir, 5);
      const file = lastSegment(dir);
      const size = fs.statSync(file).size;
      expect(size).to.be.greaterThan(end);
      const { wal, recovery } = Wal.open(dir);
      expect(recovery.truncated).to.equal(null);
      expect(recovery.records.map((r) => r.payload[0])).to.deep.equal([0, 1, 2, 3, 4]);
      expect(wal.logicalSize).to.equal(end);
      expect(fs.statSync(file).size).to.equal(size);
      wal.append([rec(5)]);
      wal.close();
      expect(readRecordAt(fs.readFileSync(file), end)?.record.payload[0]).to.equal(5);
      expect(fs.statSync(file).size).to.equal(size);
      const again = Wal.open(dir);
      expect(again.recovery.truncated).to.equal(null);
      expect(again.recovery.records.map((r) => r.payload[0])).to.deep.equal([0, 1, 2, 3, 4, 5]);
      again.wal.close();
    });

    it("treats zeros after the last record (file grown, data never written) as free space, not damage", function () {
      const end = writeRecords(dir, 3, 20, { preallocateBytes: 0 });
      const file = lastSegment(dir);
      fs.appendFileSync(file, Buffer.alloc(4096));
      const { wal, recovery } = Wal.open(dir, { preallocateBytes: 0 });
      expect(recovery.records).to.have.length(3);
      expect(recovery.truncated).to.equal(null);
      expect(wal.logicalSize).to.equal(end);
      wal.append([rec(3)]);
      wal.close();
      expect(readRecordAt(fs.readFileSync(file), end)?.record.payload[0]).to.equal(3);
      expect(fs.statSync(file).size).to.equal(end + 4096);
    });

    it("extends by a chunk of zeros when an append passes the allocated length", function () {
      const chunk = 4096;
      const { wal } = Wal.open(dir, { preallocateBytes: chunk });
      const file = lastSegment(dir);
      const framed = RECORD_HEADER_BYTES + 1000;
      // Four records fit in the first chunk; the fifth does not.
      for (let i = 0; i < 4; i++) wal.append([rec(i, 1000)]);
      expect(fs.statSync(file).size).to.equal(SEGMENT_MAGIC.length + chunk);
      wal.append([rec(4, 1000)]);
      expect(wal.logicalSize).to.equal(SEGMENT_MAGIC.length + 5 * framed);
      const buf = fs.readFileSync(file);
      expect(buf.length).to.equal(wal.logicalSize + chunk);
      expect(isZeros(buf.subarray(wal.logicalSize))).to.equal(true);
      expect(recordsEnd(file)).to.equal(wal.logicalSize);
      // Padding is not counted as written record bytes.
      expect(wal.stats().bytesWritten).to.equal(5 * framed);
      wal.close();
    });

    it("reports a partial record followed by zeros in the preallocated tail as torn, and truncates it", function () {
      const end = writeRecords(dir, 3);
      const file = lastSegment(dir);
      const size = fs.statSync(file).size;
      // A crash mid-append: only the first half of the next record reached the disk.
      overwrite(file, end, frameRecord(1, Buffer.alloc(20, 7)).subarray(0, 15));
      const warnings: object[] = [];
      const { wal, recovery } = Wal.open(dir, { logger: { warn: (obj) => warnings.push(obj) } });
      expect(recovery.records).to.have.length(3);
      expect(recovery.truncated).to.deep.equal({ file, offset: end, droppedBytes: size - end });
      expect(warnings).to.have.length(1);
      expect(fs.statSync(file).size).to.equal(end);
      // The next append grows the file by a fresh chunk again.
      wal.append([rec(3)]);
      expect(fs.statSync(file).size).to.equal(end + REC + MiB);
      wal.close();
    });

    it("leaves no zero tail on sealed segments after a cut", function () {
      writeRecords(dir, 40, 4000, { segmentBytes: 64 * 1024 });
      const files = fs.readdirSync(dir).filter((n) => n.endsWith(".wal")).sort();
      expect(files.length).to.be.greaterThan(1);
      for (const f of files.slice(0, -1)) {
        const file = path.join(dir, f);
        expect(fs.statSync(file).size).to.equal(recordsEnd(file));
      }
    });

    it("truncates a preallocated segment to its records when it is sealed", function () {
      const end = writeRecords(dir, 3);
      const first = lastSegment(dir);
      expect(fs.statSync(first).size).to.equal(SEGMENT_MAGIC.length + MiB);
      // Reopened with tiny segments: the next append cuts, sealing the preallocated segment.
      const { wal } = Wal.open(dir, { segmentBytes: 1 });
      wal.append([rec(3)]);
      wal.close();
      expect(lastSegment(dir)).to.not.equal(first);
      expect(fs.statSync(first).size).to.equal(end);
      const again = Wal.open(dir, { segmentBytes: 1 });
      expect(again.recovery.records.map((r) => r.payload[0])).to.deep.equal([0, 1, 2, 3]);
      again.wal.close();
    });

    it("with preallocateBytes: 0 keeps every file exactly as long as its records", function () {
      const opts = { preallocateBytes: 0 };
      const { wal } = Wal.open(dir, opts);
      const file = lastSegment(dir);
      expect(fs.statSync(file).size).to.equal(SEGMENT_MAGIC.length);
      for (let i = 0; i < 3; i++) {
        wal.append([rec(i)]);
        expect(fs.statSync(file).size).to.equal(wal.logicalSize);
      }
      wal.close();
      const again = Wal.open(dir, opts);
      expect(again.recovery.truncated).to.equal(null);
      expect(again.wal.logicalSize).to.equal(SEGMENT_MAGIC.length + 3 * REC);
      expect(fs.statSync(file).size).to.equal(again.wal.logicalSize);
      again.wal.close();
    });

    it("rejects a negative or fractional preallocateBytes", function () {
      expect(() => Wal.open(dir, { preallocateBytes: -1 })).to.throw(StorageError, /preallocateBytes/);
      expect(() => Wal.open(dir, { preallocateBytes: 1.5 })).to.throw(StorageError, /preallocateBytes/);
    });
  });

  describe("when corruption is not at the tail", function () {
    it("fails loudly on a flipped payload byte in the middle", function () {
      writeRecords(dir, 5);
      const file = lastSegment(dir);
      const buf = fs.readFileSync(file);
      const second = SEGMENT_MAGIC.length + (RECORD_HEADER_BYTES + 20);
      buf[second + RECORD_HEADER_BYTES + 3] ^= 0x01;
      fs.writeFileSync(file, buf);
      let caught: unknown;
      try {
        Wal.open(dir);
      } catch (err) {
        caught = err;
      }
      expect(caught).to.be.instanceOf(WalCorruptionError);
      expect((caught as WalCorruptionError).offset).to.equal(second);
      expect((caught as WalCorruptionError).file).to.equal(file);
      // Nothing was repaired: the file is untouched.
      expect(fs.readFileSync(file).equals(buf)).to.equal(true);
    });

    it("fails loudly when a middle record's length field is damaged", function () {
      writeRecords(dir, 5);
      const file = lastSegment(dir);
      const buf = fs.readFileSync(file);
      buf.writeUInt32BE(10_000, SEGMENT_MAGIC.length + (RECORD_HEADER_BYTES + 20));
      fs.writeFileSync(file, buf);
      expect(() => Wal.open(dir)).to.throw(WalCorruptionError, /followed by valid records/);
    });

    it("fails loudly on any bad record in a sealed segment, even at its end", function () {
      writeRecords(dir, 40, 4000, { segmentBytes: 64 * 1024 });
      const first = path.join(dir, fs.readdirSync(dir).filter((n) => n.endsWith(".wal")).sort()[0]);
      fs.truncateSync(first, fs.statSync(first).size - 10);
      expect(() => Wal.open(dir, { segmentBytes: 64 * 1024 })).to.throw(WalCorruptionError, /sealed segment/);
    });

    it("fails loudly on a zero tail in a sealed segment (sealed segments are truncated to their records)", function () {
      writeRecords(dir, 40, 4000, { segmentBytes: 64 * 1024 });
      const first = path.join(dir, fs.readdirSync(dir).filter((n) => n.endsWith(".wal")).sort()[0]);
      fs.appendFileSync(first, Buffer.alloc(4096));
      expect(() => Wal.open(dir, { segmentBytes: 64 * 1024 })).to.throw(WalCorruptionError, /sealed segment/);
    });

    it("fails loudly when a segment is missing", function () {
      writeRecords(dir, 60, 4000, { segmentBytes: 64 * 1024 });
      const segs = fs.readdirSync(dir).filter((n) => n.endsWith(".wal")).sort();
      expect(segs.length).to.be.greaterThan(2);
      fs.rmSync(path.join(dir, segs[1]));
      expect(() => Wal.open(dir)).to.throw(WalCorruptionError, /segment is missing/);
    });

    it("fails loudly on a damaged segment header", function () {
      writeRecords(dir, 2);
      const file = lastSegment(dir);
      const buf = fs.readFileSync(file);
      buf[0] = 0x58;
      fs.writeFileSync(file, buf);
      expect(() => Wal.open(dir)).to.throw(WalCorruptionError, /bad segment header/);
    });
  });

  describe("fsync ordering", function () {
    it("has written and fsync'd the record before append returns", function () {
      const events: string[] = [];
      const { wal } = Wal.open(dir, {
        hooks: {
          afterWrite: (file, bytes) => {
            // Already in the file (visible through an independent read) before the sync.
            const next = readRecordAt(fs.readFileSync(file), SEGMENT_MAGIC.length)?.next;
            events.push(`write ${bytes} record ends at ${next}`);
          },
          afterSync: () => events.push("sync"),
        },
      });
      const before = wal.stats().syncs;
      wal.append([rec(1)]);
      events.push("returned");
      expect(events).to.deep.equal([`write ${REC} record ends at ${SEGMENT_MAGIC.length + REC}`, "sync", "returned"]);
      expect(wal.stats().syncs).to.equal(before + 1);
      wal.close();
    });

    for (const { name, opts } of TEARS) {
      it(`calls fdatasync on the segment after the bytes are written and before returning (${name})`, function () {
        const { wal } = Wal.open(dir, opts);
        const file = lastSegment(dir);
        const calls: Array<{ recordEnd: number | undefined; size: number }> = [];
        const original = fs.fdatasyncSync;
        fs.fdatasyncSync = (fd: number) => {
          const buf = fs.readFileSync(file);
          calls.push({ recordEnd: readRecordAt(buf, SEGMENT_MAGIC.length)?.next, size: fs.fstatSync(fd).size });
          original(fd);
        };
        try {
          wal.append([rec(1)]);
        } finally {
          fs.fdatasyncSync = original;
        }
        const end = SEGMENT_MAGIC.length + REC;
        // With preallocation the record lands inside the already-allocated file, which does not grow.
        expect(calls).to.deep.equal([{ recordEnd: end, size: fs.statSync(file).size }]);
        expect(calls[0].size).to.equal(name === "preallocated" ? SEGMENT_MAGIC.length + MiB : end);
        expect(wal.logicalSize).to.equal(end);
        wal.close();
      });
    }

    it("skips the sync only when fsync is turned off", function () {
      const { wal } = Wal.open(dir, { fsync: false });
      wal.append([rec(1)]);
      expect(wal.stats().syncs).to.equal(0);
      wal.close();
    });
  });
});
