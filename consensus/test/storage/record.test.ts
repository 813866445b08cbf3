import { expect } from "chai";
import { frameRecord, RECORD_HEADER_BYTES, readRecordAt } from "../../src/storage/record";

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
});
