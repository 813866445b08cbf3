import { expect } from "chai";
import { frameRecord, isTornTail, RECORD_HEADER_BYTES, readRecordAt } from "../../src/storage/record";

describe("WAL record framing", function () {
  describe("when a record with an empty payload ends the buffer", function () {
    it("reads it back instead of taking it for a torn tail", function () {
      const buf = Buffer.concat([frameRecord(1, Buffer.from("x")), frameRecord(2, Buffer.alloc(0))]);
      const first = readRecordAt(buf, 0);
      expect(first?.next).to.equal(RECORD_HEADER_BYTES + 1);
      const last = readRecordAt(buf, first!.next);
      expect(last?.record.type).to.equal(2);
      expect(last?.record.payload.length).to.equal(0);
      expect(last?.next).to.equal(buf.length);
    });
  });

  describe("when fewer bytes than a header remain", function () {
    it("finds no record", function () {
      expect(readRecordAt(frameRecord(1, Buffer.alloc(0)).subarray(0, RECORD_HEADER_BYTES - 1), 0)).to.equal(null);
    });
  });

  describe("isTornTail: damage followed by a checksummed record is in the middle, not a torn tail", function () {
    // One bad byte, zeros (as in a preallocated tail) and then a record with an empty payload: its length word is
    // zero like the zeros before it, so only its checksum tells it apart.
    const damaged = () => Buffer.concat([Buffer.from([0xff]), Buffer.alloc(8), frameRecord(7, Buffer.alloc(0))]);

    it("finds the empty-payload record that ends the buffer", function () {
      expect(isTornTail(damaged(), 0)).to.equal(false);
    });

    it("calls bad bytes followed only by zeros torn, and so a tail of zeros alone", function () {
      expect(isTornTail(Buffer.concat([Buffer.from([0xff]), Buffer.alloc(30)]), 0)).to.equal(true);
      expect(isTornTail(Buffer.concat([frameRecord(1, Buffer.from("x")), Buffer.alloc(30)]), 10)).to.equal(true);
    });
  });
});
