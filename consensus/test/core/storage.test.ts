import { expect } from "chai";
import { CompactedError, SnapshotOutOfDateError, UnavailableError } from "../../src/core/errors";
import { MemoryStorage } from "../../src/core/storage";
import type { ConfState, Entry } from "../../src/core/types";

const ent = (index: number, term: number): Entry => ({ index, term, type: "normal", data: new Uint8Array([index]) });
const conf: ConfState = { members: [{ id: "a", role: "trading-centre" }] };

describe("MemoryStorage", function () {
  describe("when bootstrapped with a configuration", function () {
    it("starts from a snapshot at index 1, term 1 carrying the configuration", function () {
      const s = new MemoryStorage(conf);
      expect(s.firstIndex()).to.equal(2);
      expect(s.lastIndex()).to.equal(1);
      expect(s.term(1)).to.equal(1);
      expect(s.initialState().conf).to.deep.equal(conf);
      expect(s.initialState().hardState).to.deep.equal({ term: 1, vote: null, commit: 1 });
    });
  });

  describe("when appending", function () {
    it("truncates a conflicting suffix and serves [lo, hi)", function () {
      const s = new MemoryStorage();
      s.append([ent(1, 1), ent(2, 1), ent(3, 1)]);
      s.append([ent(2, 2), ent(3, 2), ent(4, 2)]);
      expect(s.entries(1, 5).map((e) => e.term)).to.deep.equal([1, 2, 2, 2]);
      expect(s.lastIndex()).to.equal(4);
      expect(() => s.term(5)).to.throw(UnavailableError, /^log index 5 is unavailable$/);
      // The error names the last index the read asked for.
      expect(() => s.entries(2, 7)).to.throw(UnavailableError, /^log index 6 is unavailable$/);
    });

    it("refuses a gap", function () {
      const s = new MemoryStorage();
      s.append([ent(1, 1)]);
      expect(() => s.append([ent(3, 1)])).to.throw(UnavailableError);
    });
  });

  describe("when compacting and snapshotting", function () {
    it("keeps the compact index as the dummy position and rejects older reads", function () {
      const s = new MemoryStorage();
      s.append([ent(1, 1), ent(2, 1), ent(3, 2), ent(4, 2)]);
      const snap = s.createSnapshot(3, conf, new Uint8Array([9]));
      expect(snap.meta).to.deep.equal({ index: 3, term: 2, conf });
      s.compact(3);
      expect(s.firstIndex()).to.equal(4);
      expect(s.term(3)).to.equal(2);
      expect(() => s.term(2)).to.throw(CompactedError);
      expect(() => s.entries(3, 5)).to.throw(CompactedError);
      expect(s.entries(4, 5)).to.deep.equal([ent(4, 2)]);
      expect(() => s.createSnapshot(2, conf, new Uint8Array())).to.throw(SnapshotOutOfDateError);
    });

    it("replaces the log when a snapshot is applied", function () {
      const s = new MemoryStorage();
      s.append([ent(1, 1), ent(2, 1)]);
      s.applySnapshot({ meta: { index: 10, term: 3, conf }, data: new Uint8Array() });
      expect(s.firstIndex()).to.equal(11);
      expect(s.lastIndex()).to.equal(10);
      expect(s.term(10)).to.equal(3);
      expect(() => s.applySnapshot({ meta: { index: 5, term: 1, conf }, data: new Uint8Array() })).to.throw(
        SnapshotOutOfDateError,
      );
    });
  });
});
