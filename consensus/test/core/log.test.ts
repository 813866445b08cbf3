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
      const s = new MemoryStorage();
      s.append(entsFrom(1, [1, 1, 2, 2]));
      s.createSnapshot(2, { members: [] }, new Uint8Array());
      s.compact(2);
      const log = new RaftLog(s);
      log.append([ent(5, 3)]);
      expect(() => log.term(1)).to.throw(CompactedError);
      expect(log.term(2)).to.equal(1);
      expect(log.slice(3, 6).map((e) => e.term)).to.deep.equal([2, 2, 3]);
      expect(() => log.slice(2, 4)).to.throw(CompactedError);
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
