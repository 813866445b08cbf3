import { expect } from "chai";
import fc from "fast-check";
import { addNonce, hasNonce, nonceCount, type NonceRanges } from "../../relayer/nonce-set";
import { assertProperty, FC_SEED } from "../model/fc";

const addAll = (nonces: readonly bigint[], set: NonceRanges = []) => nonces.reduce((s, n) => addNonce(s, n), set);

describe("relayer delivered-nonce ranges", () => {
  describe("when the new nonce is below an existing range with a gap", () => {
    it("inserts a range of its own before it and keeps every later range once", () => {
      expect(addNonce(addAll([5n, 6n, 9n, 10n]), 1n)).to.deep.equal([
        [1n, 1n],
        [5n, 6n],
        [9n, 10n],
      ]);
    });
  });

  describe("when the new nonce lies between two ranges", () => {
    it("stays apart from both when neither is adjacent", () => {
      expect(addNonce(addAll([1n, 2n, 9n]), 5n)).to.deep.equal([
        [1n, 2n],
        [5n, 5n],
        [9n, 9n],
      ]);
    });

    it("joins both into one range when it closes the gap", () => {
      expect(addNonce(addAll([1n, 2n, 4n, 5n]), 3n)).to.deep.equal([[1n, 5n]]);
    });
  });

  describe("when the nonce is already in the set", () => {
    it("leaves the set as it was", () => {
      const set = addAll([1n, 2n, 3n, 7n]);
      expect(addNonce(set, 2n)).to.deep.equal([
        [1n, 3n],
        [7n, 7n],
      ]);
    });
  });

  it(`agrees with a plain set of nonces after any insertions (property, FC_SEED=${FC_SEED})`, () => {
    assertProperty(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: 40n }), { maxLength: 60 }), (nonces) => {
        const set = addAll(nonces);
        const members = [...new Set(nonces)].sort((a, b) => (a < b ? -1 : 1));
        // Sorted, disjoint and non-adjacent: one entry per run of consecutive nonces.
        const runs = members.filter((n, i) => i === 0 || members[i - 1]! + 1n !== n).length;
        expect(set.length).to.equal(runs);
        expect(set.every(([a, b], i) => a <= b && (i === 0 || a > set[i - 1]![1] + 1n))).to.equal(true);
        const probes = Array.from({ length: 43 }, (_, i) => BigInt(i - 1));
        expect(probes.filter((n) => hasNonce(set, n))).to.deep.equal(members);
        expect(nonceCount(set)).to.equal(BigInt(members.length));
      }),
    );
  });
});
