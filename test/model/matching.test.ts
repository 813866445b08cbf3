import { expect } from "chai";
import { matchRound } from "./market-model";
import { book, buyer, corridor, p, round, shape, thermal, wind } from "./helpers";

describe("market model: high-low matching", function () {
  describe("when converted values differ", function () {
    it("serves the greatest q first, whatever the ids", function () {
      // Corridor A->B with ε = 0, S = 0, wind ask 3 (4 MWh): q(buyer 1) = 5 − 3 = 2, q(buyer 2) = 6 − 3 = 3.
      // Buyer 2 takes min(5, 4) = 4 MWh; nothing is left for buyer 1.
      const state = matchRound(
        book([buyer(1, "B", "5", 5n, 5n), buyer(2, "B", "6", 5n, 5n)], [wind(3, "A", "3", 4n)], [corridor("A", "B", "0", "0")]),
      );
      expect(shape(state.trades)).to.deep.equal([[2, 3, 4n, 1]]);
    });

    it("prefers the cheaper corridor for the same seller price", function () {
      // Seller 3 in A, seller 4 in C, both ask 3; buyer 1 in B. A->B: S = 0.5 (q = 1.5); C->B: S = 0.2 (q = 1.8).
      const state = matchRound(
        book(
          [buyer(1, "B", "5", 8n, 8n)],
          [wind(3, "A", "3", 5n), wind(4, "C", "3", 5n)],
          [corridor("A", "B", "0", "0.5"), corridor("C", "B", "0", "0.2")],
        ),
      );
      expect(shape(state.trades)).to.deep.equal([[1, 4, 5n, 1], [1, 3, 3n, 1]]);
    });
  });

  describe("when converted values tie", function () {
    it("goes to the lowest consumer tie rank first, whatever the ids", function () {
      // As below, but buyer 2 has the lower rank: it takes 10 MWh first.
      const state = matchRound(
        book(
          [{ ...buyer(1, "B", "5", 10n, 10n), tie: 9n }, { ...buyer(2, "B", "5", 10n, 10n), tie: 3n }],
          [wind(3, "A", "3", 15n)],
          [corridor("A", "B", "0", "0")],
        ),
      );
      expect(shape(state.trades)).to.deep.equal([[2, 3, 10n, 1], [1, 3, 5n, 1]]);
    });

    it("then to the lowest seller tie rank", function () {
      const state = matchRound(
        book([buyer(1, "B", "5", 10n, 10n)], [{ ...wind(4, "A", "3", 6n), tie: 2n }, { ...wind(5, "A", "3", 6n), tie: 1n }], [corridor("A", "B", "0", "0")]),
      );
      expect(shape(state.trades)).to.deep.equal([[1, 5, 6n, 1], [1, 4, 4n, 1]]);
    });

    it("goes to the lowest consumer order id first when ranks are equal", function () {
      // Both buyers bid 5 in region B, q = 2 each; seller 3 has 15 MWh: buyer 1 takes 10, buyer 2 the other 5.
      const state = matchRound(
        book([buyer(2, "B", "5", 10n, 10n), buyer(1, "B", "5", 10n, 10n)], [wind(3, "A", "3", 15n)], [corridor("A", "B", "0", "0")]),
      );
      expect(shape(state.trades)).to.deep.equal([[1, 3, 10n, 1], [2, 3, 5n, 1]]);
    });

    it("then to the lowest seller order id when ranks are equal", function () {
      // Sellers 5 and 4 both ask 3 (listed 5 first in the array): seller 4 sells its 6 MWh first, seller 5 the last 4.
      const state = matchRound(
        book([buyer(1, "B", "5", 10n, 10n)], [wind(5, "A", "3", 6n), wind(4, "A", "3", 6n)], [corridor("A", "B", "0", "0")]),
      );
      expect(shape(state.trades)).to.deep.equal([[1, 4, 6n, 1], [1, 5, 4n, 1]]);
    });
  });

  describe("when a corridor has a capacity", function () {
    it("trades at most the corridor room and then serves other corridors", function () {
      // Wind seller 3 in A with 20 MWh. A->B capacity 3, S = 0 (q for B1 = 6 − 3 = 3); A->C S = 0.5 (q = 5.5 − 3.5 = 2).
      // Trade 0: B1 min(10, 20, 3) = 3. A->B is then full, so trade 1: C1 min(10, 17) = 10; B1 stays short.
      const state = matchRound(
        book(
          [buyer(1, "B", "6", 10n, 10n), buyer(2, "C", "5.5", 10n, 10n)],
          [wind(3, "A", "3", 20n)],
          [corridor("A", "B", "0", "0", 3n), corridor("A", "C", "0", "0.5")],
        ),
      );
      expect(shape(state.trades)).to.deep.equal([[1, 3, 3n, 1], [2, 3, 10n, 1]]);
    });

    it("counts wind and thermal against the same corridor", function () {
      // A->B capacity 5; wind 2 MWh then thermal: room 5 − 2 = 3 < cap room 3 × 2 = 6 -> thermal 3 MWh.
      const state = matchRound(
        book(
          [buyer(1, "B", "6", 20n, 10n)],
          [wind(2, "A", "3", 2n), thermal(3, "A", "3", 50n)],
          [corridor("A", "B", "0", "0", 5n)],
        ),
      );
      expect(shape(state.trades)).to.deep.equal([[1, 2, 2n, 1], [1, 3, 3n, 2]]);
    });
  });

  describe("when thermal is bundled with wind", function () {
    it("caps thermal at ratio × wind traded", function () {
      // Ratio 1.5: wind 4 MWh -> thermal cap floor(4 × 15000 / 10000) = 6, though the buyer wants 20 − 4 = 16.
      const state = matchRound(
        book([buyer(1, "B", "6", 20n, 4n)], [wind(2, "A", "3", 4n), thermal(3, "A", "3", 100n)], [corridor("A", "B", "0", "0")], {
          round: round("1.5"),
        }),
      );
      expect(shape(state.trades)).to.deep.equal([[1, 2, 4n, 1], [1, 3, 6n, 2]]);
    });

    it("rounds the cap down", function () {
      // Ratio 1.25, wind 3 MWh -> floor(3 × 12500 / 10000) = floor(3.75) = 3 MWh of thermal, split over two sellers:
      // seller 3 (ask 3.1, 2 MWh) has q = 2.9, seller 4 (ask 3.2) q = 2.8 -> 2 MWh then 1 MWh.
      const state = matchRound(
        book(
          [buyer(1, "B", "6", 20n, 3n)],
          [wind(2, "A", "3", 3n), thermal(3, "A", "3.1", 2n), thermal(4, "A", "3.2", 100n)],
          [corridor("A", "B", "0", "0")],
          { round: round("1.25") },
        ),
      );
      expect(shape(state.trades)).to.deep.equal([[1, 2, 3n, 1], [1, 3, 2n, 2], [1, 4, 1n, 2]]);
    });

    it("sells no thermal when no wind traded", function () {
      const state = matchRound(
        book([buyer(1, "B", "6", 20n, 0n)], [wind(2, "A", "3", 3n), thermal(3, "A", "3", 100n)], [corridor("A", "B", "0", "0")]),
      );
      expect(state.trades).to.deep.equal([]);
    });

    it("fills only green demand in phase 1 and the rest with thermal in phase 2", function () {
      // Buyer Q 10, G 2; wind 8 MWh is there but phase 1 stops at G: 2 MWh; thermal cap 3 × 2 = 6 of the 8 left.
      const state = matchRound(
        book([buyer(1, "B", "6", 10n, 2n)], [wind(2, "A", "3", 8n), thermal(3, "A", "3", 100n)], [corridor("A", "B", "0", "0")]),
      );
      expect(shape(state.trades)).to.deep.equal([[1, 2, 2n, 1], [1, 3, 6n, 2]]);
      expect(state.trades[1]!.buyerPrice).to.equal(p("4.5")); // q = 3, 6 − 1.5
    });
  });
});
