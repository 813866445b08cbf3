import { expect } from "chai";
import type { Entry } from "../../src/core/types";
import {
  decodeLogBase,
  decodeSave,
  decodeSnapshotBody,
  encodeLogBase,
  encodeSave,
  encodeSnapshotBody,
  Reader,
  Writer,
} from "../../src/storage/codec";
import { entry } from "./helpers";

const CONF = { members: [{ id: "tc1", role: "trading-centre" as const }] };

describe("WAL payload codec", function () {
  it("round-trips a save with and without a hard state, a null vote and entries of both types", function () {
    const entries: Entry[] = [entry(7, 2), { ...entry(8, 2), type: "config" }];
    for (const hardState of [null, { term: 2, vote: "tc1", commit: 6 }, { term: 3, vote: null, commit: 8 }]) {
      const decoded = decodeSave(encodeSave({ hardState, entries }));
      expect(decoded.hardState).to.deep.equal(hardState);
      expect(decoded.entries.map((e) => [e.index, e.term, e.type, Buffer.from(e.data).toString()])).to.deep.equal(
        entries.map((e) => [e.index, e.term, e.type, Buffer.from(e.data).toString()]),
      );
    }
  });

  it("round-trips the largest safe index and term", function () {
    const max = Number.MAX_SAFE_INTEGER;
    expect(decodeLogBase(encodeLogBase({ index: max, term: max }))).to.deep.equal({ index: max, term: max });
  });

  describe("when a number cannot be stored exactly", function () {
    for (const bad of [-1, 1.5, 2 ** 53, Number.NaN]) {
      it(`refuses ${bad} instead of writing a wrong index or term`, function () {
        expect(() => new Writer().u64(bad)).to.throw(RangeError, "not a non-negative safe integer");
      });
    }
  });

  describe("when the payload is damaged", function () {
    it("refuses a truncated payload", function () {
      const buf = encodeLogBase({ index: 5, term: 1 });
      expect(() => decodeLogBase(buf.subarray(0, buf.length - 1))).to.throw(RangeError, "payload truncated at byte 8");
    });

    it("refuses trailing bytes", function () {
      const buf = Buffer.concat([encodeLogBase({ index: 5, term: 1 }), Buffer.from([0, 0])]);
      expect(() => decodeLogBase(buf)).to.throw(RangeError, "2 trailing bytes");
    });

    it("refuses a u64 beyond the safe range", function () {
      const buf = Buffer.alloc(8, 0xff);
      expect(() => new Reader(buf).u64()).to.throw(RangeError, "u64 at byte 0 exceeds the safe range");
    });

    it("refuses an unknown entry type tag", function () {
      const buf = encodeSave({ hardState: null, entries: [entry(1, 1)] });
      buf[1 + 4 + 16] = 9; // flag, count, then the entry's term and index: its type tag
      expect(() => decodeSave(buf)).to.throw(RangeError, "unknown entry type tag 9");
    });

    it("refuses a snapshot body whose conf has no members list", function () {
      for (const conf of [{ pool: [] }, null]) {
        const body = encodeSnapshotBody(3, 1, conf as never, new Uint8Array([1]));
        expect(() => decodeSnapshotBody(body)).to.throw(RangeError, "snapshot conf has no members list");
      }
      expect(decodeSnapshotBody(encodeSnapshotBody(3, 1, CONF, new Uint8Array([1])))).to.deep.equal({
        index: 3,
        term: 1,
        conf: CONF,
        data: new Uint8Array([1]),
      });
    });
  });

  describe("when the input cannot be encoded", function () {
    it("refuses an unknown entry type", function () {
      const bad = { ...entry(1, 1), type: "weird" } as unknown as Entry;
      expect(() => encodeSave({ hardState: null, entries: [bad] })).to.throw(RangeError, "unknown entry type weird");
    });

    it("refuses an empty vote (only null means no vote)", function () {
      expect(() => encodeSave({ hardState: { term: 1, vote: "", commit: 0 }, entries: [] })).to.throw(
        RangeError,
        "vote must be null or a non-empty node id",
      );
    });
  });
});
