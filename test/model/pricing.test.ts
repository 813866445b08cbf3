import { expect } from "chai";
import { WAD } from "../../src/units";
import { ceilDiv, convertedValue, floorDiv, matchRound, settle } from "./market-model";
import { book, buyer, corridor, p, round, shape, thermal, wind } from "./helpers";

describe("market model: converted value, pricing and settlement", function () {
  describe("floorDiv / ceilDiv", function () {
    it("round toward −∞ and +∞ for both signs", function () {
      expect([floorDiv(7n, 2n), floorDiv(-7n, 2n), floorDiv(-8n, 2n), floorDiv(7n, -2n)]).to.deep.equal([3n, -4n, -4n, -4n]);
      expect([ceilDiv(7n, 2n), ceilDiv(-7n, 2n), ceilDiv(8n, 2n)]).to.deep.equal([4n, -3n, 4n]);
    });
  });

  // One consumer (id 1, region B, bid 5, Q 10 MWh, G 4 MWh) and one wind seller (id 2, region A, ask 3.2, 6 MWh);
  // corridor A->B: ε = 20 %, S = 0.5.
  //   cost = 3.2 / 0.8 + 0.5 = 4.5        q = 5 − 4.5 = 0.5 > 0
  //   phase 1 demand = min(G − 0, Q − 0) = 4, supply 6  ->  one trade of 4 MWh
  //   escrow = 5 × 10 MWh × 1000 = 50,000 tokens
  const oneByOne = (pricing: "surplus-split" | "paper-table") =>
    book([buyer(1, "B", "5", 10n, 4n)], [wind(2, "A", "3.2", 6n)], [corridor("A", "B", "20", "0.5")], { pricing });

  describe("when a 1x1 market uses surplus-split", function () {
    // buyer price  = 5 − 0.5/2 = 4.75;  seller price = 3.2 + 0.5 × 0.8 / 2 = 3.4
    // buyer pays 4.75 × 4000 kWh = 19,000; seller gets 3.4 × 4000 = 13,600; grid 5,400; refund 50,000 − 19,000 = 31,000
    const state = matchRound(oneByOne("surplus-split"));

    it("computes the converted value", function () {
      expect(convertedValue(state.book, state.book.buyers[0]!, state.book.sellers[0]!)).to.equal(p("0.5"));
    });

    it("trades the green demand at the split prices", function () {
      expect(state.trades).to.deep.equal([
        { tradeId: 0, buyer: 1, seller: 2, mwh: 4n, buyerPrice: p("4.75"), sellerPrice: p("3.4"), phase: 1 },
      ]);
    });

    it("settles: buyer pays, seller and grid receive, the rest is refunded", function () {
      const s = settle(state);
      expect(s.trades).to.deep.equal([
        { tradeId: 0, buyerPays: 19_000n * WAD, sellerReceives: 13_600n * WAD, gridReceives: 5_400n * WAD },
      ]);
      expect(s.buyers.get(1)).to.deep.equal({ escrow: 50_000n * WAD, paid: 19_000n * WAD, refund: 31_000n * WAD });
      expect(s.sellers.get(2)).to.equal(13_600n * WAD);
      expect(s.grid).to.equal(5_400n * WAD);
    });
  });

  describe("when a 1x1 market uses paper-table", function () {
    // buyer price = (5 + 3.2) / 2 = 4.1;  seller price = (3 × 3.2 − 5) / 2 = 4.6 / 2 = 2.3
    // buyer pays 4.1 × 4000 = 16,400; seller 2.3 × 4000 = 9,200; grid 7,200; refund 33,600
    const state = matchRound(oneByOne("paper-table"));

    it("matches the same pair (pricing does not change matching) at the table prices", function () {
      expect(state.trades).to.deep.equal([
        { tradeId: 0, buyer: 1, seller: 2, mwh: 4n, buyerPrice: p("4.1"), sellerPrice: p("2.3"), phase: 1 },
      ]);
      const s = settle(state);
      expect(s.buyers.get(1)).to.deep.equal({ escrow: 50_000n * WAD, paid: 16_400n * WAD, refund: 33_600n * WAD });
      expect(s.sellers.get(2)).to.equal(9_200n * WAD);
      expect(s.grid).to.equal(7_200n * WAD);
    });
  });

  describe("when prices are at the last decimal place (integer rounding)", function () {
    // In wei per kWh: ask 1, bid 11, ε = 3 %, S = 0.
    //   cost = ceil(1 × 10^6 / 970,000) = ceil(1.0309…) = 2;  q = 11 − 2 = 9
    //   surplus-split: buyer 11 − floor(9/2) = 7;  seller 1 + floor(9 × 970,000 / 2,000,000) = 1 + floor(4.365) = 5
    //   paper-table:   buyer floor(12/2) = 6;      seller max(0, floor((3 − 11)/2)) = max(0, −4) = 0
    const tiny = (pricing: "surplus-split" | "paper-table") => {
      const b = { id: 1, region: "B", bid: 11n, quantity: 1n, green: 1n };
      const s = { id: 2, kind: "wind" as const, region: "A", ask: 1n, quantity: 1n, w: 0n };
      return matchRound(book([b], [s], [corridor("A", "B", "3", "0")], { pricing }));
    };

    it("rounds cost up and the split down (surplus-split)", function () {
      const [t] = tiny("surplus-split").trades;
      expect([t!.buyerPrice, t!.sellerPrice]).to.deep.equal([7n, 5n]);
    });

    it("floors the table prices and clamps the seller at 0 (paper-table)", function () {
      const [t] = tiny("paper-table").trades;
      expect([t!.buyerPrice, t!.sellerPrice]).to.deep.equal([6n, 0n]);
    });
  });

  describe("when the seller is thermal with W and a certificate cost X", function () {
    // Consumer bid 5, Q 10, G 1; wind seller 1 MWh at ask 3 (X_wind = 0); thermal ask 3, W = 0.25, X_thermal = 0.1;
    // corridor A->B ε = 0, S = 0.5; ratio 3.
    //   wind:    cost = 3 + 0.5 = 3.5, q = 1.5; 1 MWh; buyer 5 − 0.75 = 4.25, seller 3 + 0.75 = 3.75
    //   cap = floor(1 × 30000 / 10000) − 0 = 3 MWh of thermal
    //   thermal: cost = (3 + 0.1) / 1 + 0.5 + 0.25 = 3.85, q = 1.15; min(demand 9, supply 50, cap 3) = 3 MWh
    //            buyer 5 − 0.575 = 4.425, seller 3 + 0.1 + 1.15 / 2 = 3.675
    const state = matchRound(
      book(
        [buyer(1, "B", "5", 10n, 1n)],
        [wind(2, "A", "3", 1n), thermal(3, "A", "3", 50n, "0.25")],
        [corridor("A", "B", "0", "0.5")],
        { round: round("3", "0", "0.1") },
      ),
    );

    it("adds X and W to the seller's cost and X to the seller's price", function () {
      expect(shape(state.trades)).to.deep.equal([[1, 2, 1n, 1], [1, 3, 3n, 2]]);
      expect(state.trades[0]).to.deep.include({ buyerPrice: p("4.25"), sellerPrice: p("3.75") });
      expect(state.trades[1]).to.deep.include({ buyerPrice: p("4.425"), sellerPrice: p("3.675") });
    });
  });

  describe("when no pair has a positive converted value", function () {
    it("makes no trade at q = 0", function () {
      // cost = 4 / 1 + 1 = 5 = bid  ->  q = 0, no trade
      const state = matchRound(book([buyer(1, "B", "5", 10n, 10n)], [wind(2, "A", "4", 10n)], [corridor("A", "B", "0", "1")]));
      expect(state.trades).to.deep.equal([]);
    });

    it("makes no trade without grid parameters for the pair", function () {
      const state = matchRound(book([buyer(1, "B", "9", 10n, 10n)], [wind(2, "A", "1", 10n)], [corridor("B", "A", "0", "0")]));
      expect(state.trades).to.deep.equal([]);
    });
  });
});
