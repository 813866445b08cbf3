import { expect } from "chai";
import fc from "fast-check";
import { CompactedError, InvariantError } from "../../src/core/errors";
import { RaftLog } from "../../src/core/log";
import { MemoryStorage } from "../../src/core/storage";
import type { Entry } from "../../src/core/types";

const ent = (index: number, term: number): Entry => ({ index, term, type: "normal", data: new Uint8Array([term]) });
const entsFrom = (first: number, terms: number[]): Entry[] => terms.map((t, i) => ent(first + i, t));

/** A log over MemoryStorage holding `terms` at indices 1..n (index 0 is the dummy). */
function logWith(terms: number[]): RaftLog {
  const s = new MemoryStorage();
  s.append(entsFrom(1, terms));
  return new RaftLog(s);
}

/** Terms [1, 1, 2, 2] at 1..4, compacted through index 2 (index 2 stays as the dummy, term 1). */
function compactedLog(): RaftLog {
  const s = new MemoryStorage();
  s.append(entsFrom(1, [1, 1, 2, 2]));
  s.createSnapshot(2, { members: [] }, new Uint8Array());
  s.compact(2);
  return new RaftLog(s);
}

describe("RaftLog", function () {
  describe("§5.3 AppendEntries consistency check", function () {
    it("accepts entries only after a matching (index, term) and truncates the first conflicting suffix", function () {
      const log = logWith([1, 1, 2, 2]);
      expect(log.maybeAppend(2, 2, 0, [ent(3, 3)])).to.equal(undefined);
      expect(log.maybeAppend(2, 1, 0, [ent(3, 3)])).to.equal(3);
      expect([1, 2, 3].map((i) => log.term(i))).to.deep.equal([1, 1, 3]);
      expect(log.lastIndex()).to.equal(3);
    });

    it("ignores entries it already has (a duplicated or reordered append changes nothing)", function () {
      const log = logWith([1, 1, 2, 2]);
      expect(log.maybeAppend(1, 1, 0, [ent(2, 1), ent(3, 2)])).to.equal(3);
      expect(log.lastIndex()).to.equal(4);
      expect(log.unstable.entries).to.deep.equal([]);
    });

    it("refuses to overwrite a committed entry", function () {
      const log = logWith([1, 1, 2]);
      log.commitTo(3);
      expect(() => log.maybeAppend(1, 1, 3, [ent(2, 5)])).to.throw(InvariantError, /committed/);
    });
  });

  describe("fast backtracking hint (findConflictByTerm)", function () {
    const log = logWith([1, 1, 1, 4, 4, 5, 5, 6, 6, 6]);
    it("returns the last index whose term is <= the probed term", function () {
      expect(log.findConflictByTerm(10, 6)).to.deep.equal({ index: 10, term: 6 });
      expect(log.findConflictByTerm(10, 5)).to.deep.equal({ index: 7, term: 5 });
      expect(log.findConflictByTerm(10, 3)).to.deep.equal({ index: 3, term: 1 });
      expect(log.findConflictByTerm(20, 2)).to.deep.equal({ index: 3, term: 1 });
      expect(log.findConflictByTerm(10, 0)).to.deep.equal({ index: 0, term: 0 });
    });
  });

  describe("§5.4.1 up-to-date comparison", function () {
    const log = logWith([1, 2, 2]);
    it("compares last terms first, then lengths", function () {
      expect(log.isUpToDate(1, 3)).to.equal(true);
      expect(log.isUpToDate(9, 1)).to.equal(false);
      expect(log.isUpToDate(3, 2)).to.equal(true);
      expect(log.isUpToDate(2, 2)).to.equal(false);
    });
  });

  describe("after compaction", function () {
    it("reports compacted indices and serves the rest across storage and the unstable tail", function () {
      const log = compactedLog();
      log.append([ent(5, 3)]);
      expect(() => log.term(1)).to.throw(CompactedError);
      expect(log.term(2)).to.equal(1);
      expect(log.slice(3, 6).map((e) => e.term)).to.deep.equal([2, 2, 3]);
      expect(() => log.slice(2, 4)).to.throw(CompactedError);
    });
  });

  describe("invariant guards (a caller bug must fail loudly, never corrupt the log)", function () {
    it("refuses inverted and out-of-range slices, and an empty range is empty", function () {
      const log = logWith([1, 1, 2, 2]);
      expect(() => log.slice(3, 2)).to.throw(InvariantError, /^invalid slice 3 > 2$/);
      expect(() => log.slice(2, 6)).to.throw(InvariantError, /^slice \[2,6\) beyond last 4$/);
      expect(log.slice(2, 5).map((e) => e.index)).to.deep.equal([2, 3, 4]);
      expect(log.slice(3, 3)).to.deep.equal([]);
    });

    it("refuses to commit beyond the last index or to append over a committed entry", function () {
      const log = logWith([1, 1, 2, 2]);
      expect(() => log.commitTo(5)).to.throw(InvariantError, /^commit 5 beyond last index 4$/);
      log.commitTo(3);
      expect(() => log.append([ent(3, 5)])).to.throw(InvariantError, /^append at 3 would overwrite committed 3$/);
      expect(log.append([ent(4, 5)])).to.equal(4);
      expect(log.term(4)).to.equal(5);
    });

    it("applies only within [applied, committed]; 0 means nothing to record", function () {
      const log = logWith([1, 1, 2, 2]);
      log.commitTo(3);
      expect(() => log.appliedTo(4)).to.throw(InvariantError, /^applied 4 outside \[0, 3\]$/);
      log.appliedTo(2);
      expect(() => log.appliedTo(1)).to.throw(InvariantError, /^applied 1 outside \[2, 3\]$/);
      log.appliedTo(0);
      expect(log.applied).to.equal(2);
      log.appliedTo(3);
      expect(log.applied).to.equal(3);
    });

    it("reads a compacted index as term 0 where unknown means no match", function () {
      const log = compactedLog();
      expect(log.zeroTermOnCompacted(1)).to.equal(0);
      expect(log.zeroTermOnCompacted(3)).to.equal(2);
      expect(log.matchTerm(1, 1)).to.equal(false);
    });

    it("serves the term of a pending snapshot and replaces the middle of the unstable tail", function () {
      const log = logWith([1, 1]);
      log.restore({ meta: { index: 5, term: 3, conf: { members: [] } }, data: new Uint8Array() });
      expect(log.term(5)).to.equal(3);
      expect(log.lastIndex()).to.equal(5);
      log.append(entsFrom(6, [3, 3, 3]));
      log.append([ent(7, 4)]);
      expect([5, 6, 7].map((i) => log.term(i))).to.deep.equal([3, 3, 4]);
      expect(log.lastIndex()).to.equal(7);
    });
  });

  describe("persisting the unstable tail (stableTo) after it changed", function () {
    it("ignores a persisted index beyond a tail that was truncated meanwhile, and one whose term was replaced", function () {
      const log = logWith([1]);
      log.append(entsFrom(2, [1, 1, 1]));
      // A new leader's append replaces 3..4 while the driver was writing 2..4 (term 1).
      log.append([ent(3, 2)]);
      log.unstable.stableTo(4, 1);
      expect(log.unstable.offset).to.equal(2);
      log.unstable.stableTo(3, 1);
      expect(log.unstable.entries.map((e) => [e.index, e.term])).to.deep.equal([
        [2, 1],
        [3, 2],
      ]);
      log.unstable.stableTo(2, 1);
      expect([log.unstable.offset, log.unstable.entries.map((e) => e.index)]).to.deep.equal([3, [3]]);
    });
  });

  describe("property: behaves like a plain array log under any sequence of appends, commits and persists", function () {
    type Op =
      | { kind: "append"; index: number; terms: number[]; commit: number; useTerm: boolean; badTerm: number }
      | { kind: "persist" };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        kind: fc.constant("append" as const),
        index: fc.nat(8),
        terms: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 4 }),
        commit: fc.nat(12),
        useTerm: fc.boolean(),
        badTerm: fc.integer({ min: 1, max: 5 }),
      }),
      fc.constant({ kind: "persist" as const }),
    );

    it("holds for 300 random runs (fixed seed)", function () {
      fc.assert(
        fc.property(fc.array(opArb, { maxLength: 25 }), (ops) => {
          const storage = new MemoryStorage();
          const log = new RaftLog(storage);
          let ref: number[] = []; // ref[i-1] is the term at index i
          let committed = 0;
          for (const op of ops) {
            if (op.kind === "persist") {
              const ents = log.unstable.entries;
              if (ents.length > 0) {
                storage.append(ents);
                log.unstable.stableTo(ents[ents.length - 1].index, ents[ents.length - 1].term);
              }
              continue;
            }
            // Terms must not decrease along a log: build entries continuing from prevTerm.
            const prevTerm = op.index === 0 ? 0 : op.useTerm ? (ref[op.index - 1] ?? op.badTerm) : op.badTerm;
            let t = Math.max(prevTerm, 1);
            const ents = op.terms.map((d, i) => ent(op.index + 1 + i, (t = t + (d > 2 ? 1 : 0))));
            const matches = op.index === 0 || (op.index <= ref.length && ref[op.index - 1] === prevTerm);
            let refResult: number | undefined | "throw";
            let next = ref;
            if (!matches) refResult = undefined;
            else {
              next = [...ref];
              let conflict = 0;
              for (const e of ents) {
                if (next[e.index - 1] !== e.term) {
                  conflict = e.index;
                  break;
                }
              }
              if (conflict !== 0 && conflict <= committed) refResult = "throw";
              else {
                if (conflict !== 0) next = [...next.slice(0, conflict - 1), ...ents.slice(conflict - op.index - 1).map((e) => e.term)];
                refResult = op.index + ents.length;
              }
            }
            let got: number | undefined | "throw";
            try {
              got = log.maybeAppend(op.index, prevTerm, op.commit, ents);
            } catch (e) {
              if (!(e instanceof InvariantError)) throw e;
              got = "throw";
            }
            expect(got).to.equal(refResult);
            if (typeof refResult === "number") {
              ref = next;
              committed = Math.max(committed, Math.min(op.commit, refResult));
            }
            expect(log.lastIndex()).to.equal(ref.length);
            expect(log.committed).to.equal(committed);
            for (let i = 1; i <= ref.length; i++) expect(log.term(i)).to.equal(ref[i - 1]);
          }
        }),
        { seed: 20261124, numRuns: 300 },
      );
    });
  });
});
