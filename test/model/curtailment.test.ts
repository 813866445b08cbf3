import { expect } from "chai";
import { MarketRuleError } from "../../src/errors";
import { curtail, matchRound } from "./market-model";
import { book, buyer, corridor, p, round, shape, thermal, wind } from "./helpers";

describe("market model: security check and re-matching", function () {
  describe("when a curtailed buyer can be served over another corridor", function () {
    // Buyer 1 in D (bid 5, Q = G = 10); wind 2 in A and wind 3 in B, both ask 3 with 10 MWh.
    // A->D: S = 0.1 (q = 1.9); B->D: S = 0.5 (q = 1.5). Initially trade 0: buyer 1 ← seller 2, 10 MWh.
    // Curtail trade 0 by 4: it carries 6 and A->D is capped at 6. Re-match phase 1: demand 4; seller 2 has 4 left but
    // A->D has no room; seller 3 over B->D: trade 1 of 4 MWh at buyer 5 − 0.75 = 4.25, seller 3 + 0.75 = 3.75.
    const initial = matchRound(
      book(
        [buyer(1, "D", "5", 10n, 10n)],
        [wind(2, "A", "3", 10n), wind(3, "B", "3", 10n)],
        [corridor("A", "D", "0", "0.1"), corridor("B", "D", "0", "0.5")],
      ),
    );

    it("starts from the cheaper corridor", function () {
      expect(shape(initial.trades)).to.deep.equal([[1, 2, 10n, 1]]);
    });

    it("re-routes the curtailed MWh to the other corridor", function () {
      const after = curtail(initial, [{ tradeId: 0, mwh: 4n }]);
      expect(shape(after.trades)).to.deep.equal([[1, 2, 6n, 1], [1, 3, 4n, 1]]);
      expect(after.trades[0]).to.deep.include({ buyerPrice: initial.trades[0]!.buyerPrice });
      expect(after.trades[1]).to.deep.include({ tradeId: 1, buyerPrice: p("4.25"), sellerPrice: p("3.75") });
      expect(after.curtailCaps.get("A->D")).to.equal(6n);
    });

    it("keeps the corridor cap for the rest of the round", function () {
      const once = curtail(initial, [{ tradeId: 0, mwh: 4n }]);
      const twice = curtail(once, [{ tradeId: 1, mwh: 1n }]);
      // B->D is now capped at 3 and A->D stays capped at 6: buyer 1 cannot be served again.
      expect(shape(twice.trades)).to.deep.equal([[1, 2, 6n, 1], [1, 3, 3n, 1]]);
      expect([...twice.curtailCaps]).to.deep.equal([["A->D", 6n], ["B->D", 3n]]);
    });

    it("keeps a trade cut to 0 MWh in the list", function () {
      const after = curtail(initial, [{ tradeId: 0, mwh: 10n }]);
      expect(shape(after.trades)).to.deep.equal([[1, 2, 0n, 1], [1, 3, 10n, 1]]);
    });
  });

  describe("when a curtailed seller can sell over another corridor", function () {
    // Wind 3 in A with 10 MWh, buyer 1 in B (bid 6), buyer 2 in C (bid 5); ε = 0, S = 0 on both corridors.
    // Buyer 1 (q = 3) takes all 10. Curtail by 4: A->B capped at 6; the 4 MWh go to buyer 2 over A->C
    // (q = 2: buyer 5 − 1 = 4, seller 3 + 1 = 4).
    it("sells the curtailed MWh to another buyer", function () {
      const initial = matchRound(
        book(
          [buyer(1, "B", "6", 10n, 10n), buyer(2, "C", "5", 10n, 10n)],
          [wind(3, "A", "3", 10n)],
          [corridor("A", "B", "0", "0"), corridor("A", "C", "0", "0")],
        ),
      );
      expect(shape(initial.trades)).to.deep.equal([[1, 3, 10n, 1]]);
      const after = curtail(initial, [{ tradeId: 0, mwh: 4n }]);
      expect(shape(after.trades)).to.deep.equal([[1, 3, 6n, 1], [2, 3, 4n, 1]]);
      expect(after.trades[1]).to.deep.include({ buyerPrice: p("4"), sellerPrice: p("4") });
    });
  });

  describe("when curtailing wind breaks the bundling cap", function () {
    // Buyer 1 in B (bid 6, Q 100, G 10); wind 2 (5 MWh); thermal 3 (ask 3.0, 6 MWh, q = 3), thermal 4 (ask 3.1,
    // q = 2.9); ratio 2, ε = 0, S = 0.
    // Initially: trade 0 wind 5; cap 10 -> trade 1: thermal 3, 6 MWh; trade 2: thermal 4, 4 MWh.
    // Curtail trade 0 by 3: wind 2, A->B capped at 2 + 6 + 4 = 12. Phase 1: wind 2 has 3 MWh but no corridor room.
    // Trim: cap = 4, thermal 10, excess 6 -> trade 2 (latest) 4 -> 0, then trade 1 6 -> 4.
    // Phase 2: cap room 0 -> nothing.
    const initial = matchRound(
      book(
        [buyer(1, "B", "6", 100n, 10n)],
        [wind(2, "A", "3", 5n), thermal(3, "A", "3", 6n), thermal(4, "A", "3.1", 100n)],
        [corridor("A", "B", "0", "0")],
        { round: round("2") },
      ),
    );

    it("starts with wind 5 and thermal 10", function () {
      expect(shape(initial.trades)).to.deep.equal([[1, 2, 5n, 1], [1, 3, 6n, 2], [1, 4, 4n, 2]]);
    });

    it("trims the latest thermal trades first, down to the new cap", function () {
      const after = curtail(initial, [{ tradeId: 0, mwh: 3n }]);
      expect(shape(after.trades)).to.deep.equal([[1, 2, 2n, 1], [1, 3, 4n, 2], [1, 4, 0n, 2]]);
      expect(after.curtailCaps.get("A->B")).to.equal(12n);
    });

    it("trims nothing when phase 1 replaces the curtailed wind over another corridor", function () {
      // Same shape with G = 5 and a second wind seller 5 in C (C->B: S = 0.5, q = 2.5 < 3), unsold at first
      // because buyer 1's green demand is met by wind 2.
      const b = book(
        [buyer(1, "B", "6", 100n, 5n)],
        [wind(2, "A", "3", 5n), thermal(3, "A", "3", 6n), thermal(4, "A", "3.1", 100n), wind(5, "C", "3", 5n)],
        [corridor("A", "B", "0", "0"), corridor("C", "B", "0", "0.5")],
        { round: round("2") },
      );
      const first = matchRound(b);
      expect(shape(first.trades)).to.deep.equal([[1, 2, 5n, 1], [1, 3, 6n, 2], [1, 4, 4n, 2]]);
      // Curtail wind by 3: wind 2 on A->B (capped at 12); phase 1: demand min(5 − 2, 100 − 2 − 10) = 3 from wind 5
      // over C->B -> wind total 5, cap 10 = thermal 10: no trim; phase 2: cap room 0.
      const after = curtail(first, [{ tradeId: 0, mwh: 3n }]);
      expect(shape(after.trades)).to.deep.equal([[1, 2, 2n, 1], [1, 3, 6n, 2], [1, 4, 4n, 2], [1, 5, 3n, 1]]);
    });
  });

  describe("when a cut is invalid", function () {
    const state = matchRound(book([buyer(1, "B", "5", 10n, 10n)], [wind(2, "A", "3", 10n)], [corridor("A", "B", "0", "0")]));

    it("refuses an unknown trade", function () {
      expect(() => curtail(state, [{ tradeId: 1, mwh: 1n }])).to.throw(MarketRuleError, /no trade 1/);
    });

    it("refuses 0 MWh and more than the trade carries", function () {
      expect(() => curtail(state, [{ tradeId: 0, mwh: 0n }])).to.throw(MarketRuleError, /outside 1\.\.10/);
      expect(() => curtail(state, [{ tradeId: 0, mwh: 11n }])).to.throw(MarketRuleError, /outside 1\.\.10/);
    });

    it("refuses two cuts on one trade that add up to more than it carries", function () {
      expect(() => curtail(state, [{ tradeId: 0, mwh: 6n }, { tradeId: 0, mwh: 5n }])).to.throw(MarketRuleError, /outside 1\.\.4/);
    });
  });
});
