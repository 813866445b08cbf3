import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { WalCorruptionError } from "../../src/storage/errors";
import { RECORD_HEADER_BYTES } from "../../src/storage/record";
import { SEGMENT_MAGIC, Wal } from "../../src/storage/wal";
import { tempDir } from "./helpers";

const rec = (i: number, size = 20) => ({ type: 1, payload: Buffer.alloc(size, i % 251) });

function lastSegment(dir: string): string {
  const segs = fs.readdirSync(dir).filter((n) => n.endsWith(".wal")).sort();
  return path.join(dir, segs[segs.length - 1]);
}

function writeRecords(dir: string, n: number, size = 20, segmentBytes?: number): void {
  const { wal } = Wal.open(dir, { segmentBytes });
  for (let i = 0; i < n; i++) wal.append([rec(i, size)]);
  wal.close();
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

  it("rolls over to new segments and replays them in order", function () {
    writeRecords(dir, 40, 4000, 64 * 1024);
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
    writeRecords(dir, 60, 4000, 64 * 1024);
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

  describe("recovery after a crash (torn last record)", function () {
    it("truncates a record cut off mid-payload and keeps everything before it", function () {
      writeRecords(dir, 5);
      const file = lastSegment(dir);
      const size = fs.statSync(file).size;
      fs.truncateSync(file, size - 7);
      const { wal, recovery } = Wal.open(dir);
      expect(recovery.records.map((r) => r.payload[0])).to.deep.equal([0, 1, 2, 3]);
      expect(recovery.truncated).to.deep.include({ file, droppedBytes: RECORD_HEADER_BYTES + 20 - 7 });
      expect(fs.statSync(file).size).to.equal(size - (RECORD_HEADER_BYTES + 20));
      wal.append([rec(9)]);
      wal.close();
      const again = Wal.open(dir);
      expect(again.recovery.truncated).to.equal(null);
      expect(again.recovery.records.map((r) => r.payload[0])).to.deep.equal([0, 1, 2, 3, 9]);
      again.wal.close();
    });

    it("truncates a record cut off inside its header", function () {
      writeRecords(dir, 3);
      const file = lastSegment(dir);
      fs.truncateSync(file, fs.statSync(file).size - 20 - 4);
      const { wal, recovery } = Wal.open(dir);
      expect(recovery.records).to.have.length(2);
      wal.close();
    });

    it("treats a zero-filled tail (file grown, data never written) as torn", function () {
      writeRecords(dir, 3);
      fs.appendFileSync(lastSegment(dir), Buffer.alloc(4096));
      const { wal, recovery } = Wal.open(dir);
      expect(recovery.records).to.have.length(3);
      expect(recovery.truncated?.droppedBytes).to.equal(4096);
      wal.close();
    });

    it("treats a last record with a bad checksum and nothing after it as torn", function () {
      writeRecords(dir, 3);
      const file = lastSegment(dir);
      const buf = fs.readFileSync(file);
      buf[buf.length - 1] ^= 0xff;
      fs.writeFileSync(file, buf);
      const { wal, recovery } = Wal.open(dir);
      expect(recovery.records).to.have.length(2);
      wal.close();
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
      writeRecords(dir, 40, 4000, 64 * 1024);
      const first = path.join(dir, fs.readdirSync(dir).filter((n) => n.endsWith(".wal")).sort()[0]);
      fs.truncateSync(first, fs.statSync(first).size - 10);
      expect(() => Wal.open(dir, { segmentBytes: 64 * 1024 })).to.throw(WalCorruptionError, /sealed segment/);
    });

    it("fails loudly when a segment is missing", function () {
      writeRecords(dir, 60, 4000, 64 * 1024);
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
            const size = fs.statSync(file).size;
            events.push(`write ${bytes} size ${size}`);
          },
          afterSync: () => events.push("sync"),
        },
      });
      const before = wal.stats().syncs;
      wal.append([rec(1)]);
      events.push("returned");
      expect(events).to.deep.equal([`write ${RECORD_HEADER_BYTES + 20} size ${8 + RECORD_HEADER_BYTES + 20}`, "sync", "returned"]);
      expect(wal.stats().syncs).to.equal(before + 1);
      wal.close();
    });

    it("calls fdatasync on the segment after the bytes are written and before returning", function () {
      const { wal } = Wal.open(dir);
      const file = lastSegment(dir);
      const calls: number[] = [];
      const original = fs.fdatasyncSync;
      fs.fdatasyncSync = (fd: number) => {
        calls.push(fs.fstatSync(fd).size);
        original(fd);
      };
      try {
        wal.append([rec(1)]);
      } finally {
        fs.fdatasyncSync = original;
      }
      expect(calls).to.deep.equal([fs.statSync(file).size]);
      expect(calls[0]).to.equal(SEGMENT_MAGIC.length + RECORD_HEADER_BYTES + 20);
      wal.close();
    });

    it("skips the sync only when fsync is turned off", function () {
      const { wal } = Wal.open(dir, { fsync: false });
      wal.append([rec(1)]);
      expect(wal.stats().syncs).to.equal(0);
      wal.close();
    });
  });
});
