import { expect } from "chai";
import { CompactedError, SnapshotOutOfDateError, UnavailableError } from "../../src/core/errors";
import { cloneConf, MemoryStorage } from "../../src/core/storage";
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

  describe("what it hands out", function () {
    it("a fresh storage without a configuration is empty: term 0, no commit, no members", function () {
      const s = new MemoryStorage();
      expect(s.initialState()).to.deep.equal({ hardState: { term: 0, vote: null, commit: 0 }, conf: { members: [] } });
      expect([s.firstIndex(), s.lastIndex(), s.term(0)]).to.deep.equal([1, 0, 0]);
    });

    it("copies of its hard state and configuration: the caller's changes never reach the stored ones", function () {
      const pooled: ConfState = { members: [{ id: "a", role: "trading-centre" }], pool: ["a"] };
      const s = new MemoryStorage(pooled);
      const hs = { term: 2, vote: "a", commit: 1 };
      s.setHardState(hs);
      hs.term = 9;
      const first = s.initialState();
      expect(first).to.deep.equal({ hardState: { term: 2, vote: "a", commit: 1 }, conf: pooled });
      first.hardState.commit = 7;
      first.conf.members[0].role = "learner";
      first.conf.pool!.push("z");
      expect(s.initialState()).to.deep.equal({ hardState: { term: 2, vote: "a", commit: 1 }, conf: pooled });
    });

    it("cloneConf copies the pool only when there is one", function () {
      const withPool: ConfState = { members: [{ id: "a", role: "trading-centre" }], pool: ["a"] };
      const copy = cloneConf(withPool);
      expect(copy).to.deep.equal(withPool);
      expect(copy.pool).to.not.equal(withPool.pool);
      expect(copy.members[0]).to.not.equal(withPool.members[0]);
      expect(Object.keys(cloneConf(conf))).to.deep.equal(["members"]);
    });
  });

  describe("when refusing", function () {
    it("names the indices: a snapshot not newer, one older than the current, a compaction at or below the snapshot or past the log", function () {
      const s = new MemoryStorage();
      s.append([ent(1, 1), ent(2, 1), ent(3, 2)]);
      s.createSnapshot(2, conf, new Uint8Array());
      expect(() => s.createSnapshot(2, conf, new Uint8Array())).to.throw(SnapshotOutOfDateError, /^snapshot 2 is not newer than 2$/);
      expect(() => s.createSnapshot(4, conf, new Uint8Array())).to.throw(UnavailableError, /^log index 4 is unavailable$/);
      expect(() => s.applySnapshot({ meta: { index: 1, term: 1, conf }, data: new Uint8Array() })).to.throw(
        SnapshotOutOfDateError,
        /^snapshot 1 is older than 2$/,
      );
      s.compact(2);
      expect(() => s.compact(2)).to.throw(CompactedError, /^log index 2 is compacted$/);
      expect(() => s.compact(4)).to.throw(UnavailableError, /^log index 4 is unavailable$/);
      // The same snapshot again is no error (a follower may be sent the snapshot it already installed).
      s.applySnapshot({ meta: { index: 2, term: 1, conf }, data: new Uint8Array() });
      expect([s.firstIndex(), s.lastIndex()]).to.deep.equal([3, 2]);
    });

    it("a gap after the last entry, naming the first missing one", function () {
      const s = new MemoryStorage();
      s.append([ent(1, 1)]);
      expect(() => s.append([ent(3, 1)]))
        .to.throw(UnavailableError, /^log index 3 is unavailable$/)
        .with.property("cause", "missing log entry before 3");
      s.append([ent(2, 1)]);
      expect(s.lastIndex()).to.equal(2);
    });
  });

  describe("when appending around a compaction", function () {
    it("skips entries already compacted, and keeps the compacted position's term", function () {
      const s = new MemoryStorage();
      s.append([ent(1, 1), ent(2, 1), ent(3, 2), ent(4, 2)]);
      s.compact(3);
      s.append([ent(1, 1), ent(2, 1)]); // all compacted: nothing changes
      expect([s.firstIndex(), s.lastIndex(), s.term(3)]).to.deep.equal([4, 4, 2]);
      s.append([ent(2, 1), ent(3, 2), ent(4, 3), ent(5, 3)]); // overlaps the compaction: only 4 and 5 are taken
      expect(s.entries(4, 6)).to.deep.equal([ent(4, 3), ent(5, 3)]);
      expect(s.term(3)).to.equal(2);
      expect(s.entries(4, 6).map((e) => e.data)).to.deep.equal([new Uint8Array([4]), new Uint8Array([5])]);
    });

    it("a compaction keeps the compacted entry's term and drops its data", function () {
      const s = new MemoryStorage();
      s.append([ent(1, 1), ent(2, 1), ent(3, 2), ent(4, 2)]);
      s.compact(2);
      expect(s.term(2)).to.equal(1);
      s.compact(3);
      expect([s.firstIndex(), s.term(3), s.lastIndex()]).to.deep.equal([4, 2, 4]);
      expect(s.entries(4, 5)).to.deep.equal([ent(4, 2)]);
    });
  });

  describe("when a crash loses the unsynced tail (truncateAfter)", function () {
    it("drops the entries after the index, never the snapshot position, and nothing when the index is past the end", function () {
      const s = new MemoryStorage();
      s.append([ent(1, 1), ent(2, 1), ent(3, 2), ent(4, 2)]);
      s.truncateAfter(9);
      expect(s.lastIndex()).to.equal(4);
      s.truncateAfter(3);
      expect(s.lastIndex()).to.equal(3);
      s.compact(2);
      s.truncateAfter(0);
      expect([s.firstIndex(), s.lastIndex(), s.term(2)]).to.deep.equal([3, 2, 1]);
    });
  });
});
