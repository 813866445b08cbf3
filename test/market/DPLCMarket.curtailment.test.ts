import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  RoundState,
  consumerOrder,
  matchAll,
  passDeadline,
  settleAll,
  setupBook,
  thermalOrder,
  trades,
  windOrder,
  type Book,
  type BookSpec,
  type TradeView,
  list,
} from "../helpers/fixtures";
import { amount, price, sellerCost, surplusSplit } from "../helpers/rules";

function splitTrade(
  buyer: bigint,
  seller: bigint,
  mwh: bigint,
  thermal: boolean,
  q: { bid: bigint; ask: bigint; w?: bigint; transmission?: bigint },
): TradeView {
  const p = surplusSplit(q.bid, q.ask, 0n, 0n, q.bid - sellerCost(q));
  return { buyer, seller, mwh, thermal, buyerPrice: p.buyer, sellerPrice: p.seller };
}

const BID = price("10");
const ASK = price("4");

// ---- re-routing ---------------------------------------------------------------------------------------------
// A→A free (q = 6), B→A with S = 1 (q = 5). Consumer 1 wants 50 wind and first buys all 50 from wind 2 over A→A.
const REROUTE: BookSpec = {
  pairs: [
    { seller: "A", buyer: "A" },
    { seller: "B", buyer: "A", transmission: price("1") },
  ],
  orders: [
    { kind: "consumer", region: "A", request: consumerOrder(50n, BID, 50n) },
    { kind: "wind", region: "A", request: windOrder(50n, ASK) },
    { kind: "wind", region: "B", request: windOrder(50n, ASK) },
  ],
};
async function rerouteFixture(): Promise<Book> {
  const b = await setupBook(REROUTE);
  await passDeadline(b);
  await matchAll(b);
  return b;
}
const viaA = (buyer: bigint, seller: bigint, mwh: bigint) => splitTrade(buyer, seller, mwh, false, { bid: BID, ask: ASK });
const viaB = (buyer: bigint, seller: bigint, mwh: bigint) =>
  splitTrade(buyer, seller, mwh, false, { bid: BID, ask: ASK, transmission: price("1") });

// ---- thermal trim ---------------------------------------------------------------------------------------------
// Ratio 3. Phase 1: consumer 1 (Q 100, G 40) buys 40 wind from wind 2 (q 6; wind 5 over B→A has q 5).
// Phase 2: cap 120; 40 from thermal 3 (cost 3 + 2 = 5), then 20 from thermal 4 (cost 4 + 2 = 6).
const TRIM: BookSpec = {
  pairs: [
    { seller: "A", buyer: "A" },
    { seller: "B", buyer: "A", transmission: price("1") },
  ],
  orders: [
    { kind: "consumer", region: "A", request: consumerOrder(100n, BID, 40n) },
    { kind: "wind", region: "A", request: windOrder(40n, ASK) },
    { kind: "thermal", region: "A", request: thermalOrder(40n, price("3"), price("1"), price("1")) },
    { kind: "thermal", region: "A", request: thermalOrder(100n, price("4"), price("1"), price("1")) },
    { kind: "wind", region: "B", request: windOrder(2n, ASK) },
  ],
};
async function trimFixture(): Promise<Book> {
  const b = await setupBook(TRIM);
  await passDeadline(b);
  await matchAll(b);
  return b;
}
/** The trim fixture right after the dispatch centre cut trade 0 by 30 and trade 2 by all its 20. */
async function trimCurtailedFixture(): Promise<Book> {
  const b = await trimFixture();
  await b.market.connect(b.dispatch).curtail([0n, 2n], [30n, 20n]);
  return b;
}
const thermal3 = (mwh: bigint) => splitTrade(1n, 3n, mwh, true, { bid: BID, ask: price("3"), w: price("2") });
const thermal4 = (mwh: bigint) => splitTrade(1n, 4n, mwh, true, { bid: BID, ask: price("4"), w: price("2") });

// ---- demand bound Q − w − t ---------------------------------------------------------------------------------
// Consumer 2 (region B, bid 20) takes all 100 wind of wind 3 (q 16 beats consumer 1's 6); consumer 1 (Q 50, G 40)
// then fills all 50 MWh with thermal 4. Curtailing trade 0 frees 30 wind, but consumer 1 has no room left (Q − w − t
// = 0) and consumer 2's corridor A→B is now capped.
const BOUND: BookSpec = {
  pairs: [
    { seller: "A", buyer: "A" },
    { seller: "A", buyer: "B" },
  ],
  orders: [
    { kind: "consumer", region: "A", request: consumerOrder(50n, BID, 40n) },
    { kind: "consumer", region: "B", request: consumerOrder(100n, price("20"), 100n) },
    { kind: "wind", region: "A", request: windOrder(100n, ASK) },
    { kind: "thermal", region: "A", request: thermalOrder(100n, price("3"), price("1"), price("1")) },
  ],
};
async function boundFixture(): Promise<Book> {
  const b = await setupBook(BOUND);
  await passDeadline(b);
  await matchAll(b);
  return b;
}

describe("DPLCMarket: curtailment (security check)", function () {
  describe("curtail", function () {
    it("reduces the trade, gives the MWh back to both sides and reopens matching", async function () {
      const b = await loadFixture(rerouteFixture);
      expect(await trades(b)).to.deep.equal([viaA(1n, 2n, 50n)]);
      await expect(b.market.connect(b.dispatch).curtail([0n], [20n]))
        .to.emit(b.market, "MarketTradeCurtailed")
        .withArgs(1n, 0n, 20n, 30n);
      const r = await b.market.round(1n);
      expect([r.state, r.listing, r.windTotalMwh, r.tradeCount]).to.deep.equal([RoundState.Open, false, 30n, 1n]);
      expect((await b.market.trade(1n, 0n)).mwh).to.equal(30n);
      expect((await b.market.order(1n)).windFilledMwh).to.equal(30n);
      expect((await b.market.order(2n)).windFilledMwh).to.equal(30n);
    });

    it("may cut a trade to zero, which stays in the list", async function () {
      const b = await loadFixture(rerouteFixture);
      await expect(b.market.connect(b.dispatch).curtail([0n], [50n]))
        .to.emit(b.market, "MarketTradeCurtailed")
        .withArgs(1n, 0n, 50n, 0n);
      expect((await b.market.round(1n)).tradeCount).to.equal(1n);
      expect((await b.market.trade(1n, 0n)).mwh).to.equal(0n);
    });

    it("refuses anyone but the dispatch centre", async function () {
      const b = await loadFixture(rerouteFixture);
      await expect(b.market.connect(b.tradingCentre).curtail([0n], [1n]))
        .to.be.revertedWithCustomError(b.market, "AccessControlUnauthorizedAccount")
        .withArgs(b.tradingCentre.address, await b.market.DISPATCH_ROLE());
    });

    it("refuses empty or mismatched lists", async function () {
      const b = await loadFixture(rerouteFixture);
      await expect(b.market.connect(b.dispatch).curtail([], []))
        .to.be.revertedWithCustomError(b.market, "MarketCurtailmentMismatch")
        .withArgs(0n, 0n);
      await expect(b.market.connect(b.dispatch).curtail([0n], [1n, 2n]))
        .to.be.revertedWithCustomError(b.market, "MarketCurtailmentMismatch")
        .withArgs(1n, 2n);
    });

    it("refuses an unknown trade", async function () {
      const b = await loadFixture(rerouteFixture);
      await expect(b.market.connect(b.dispatch).curtail([1n], [1n]))
        .to.be.revertedWithCustomError(b.market, "MarketTradeNotFound")
        .withArgs(1n);
    });

    it("refuses zero and more than the trade's MWh", async function () {
      const b = await loadFixture(rerouteFixture);
      await expect(b.market.connect(b.dispatch).curtail([0n], [0n]))
        .to.be.revertedWithCustomError(b.market, "MarketInvalidCurtailment")
        .withArgs(0n, 0n, 50n);
      await expect(b.market.connect(b.dispatch).curtail([0n], [51n]))
        .to.be.revertedWithCustomError(b.market, "MarketInvalidCurtailment")
        .withArgs(0n, 51n, 50n);
    });

    describe("when the same trade is named twice", function () {
      it("checks the second cut against what the first left, atomically", async function () {
        const b = await loadFixture(rerouteFixture);
        await expect(b.market.connect(b.dispatch).curtail([0n, 0n], [30n, 30n]))
          .to.be.revertedWithCustomError(b.market, "MarketInvalidCurtailment")
          .withArgs(0n, 30n, 20n);
        expect((await b.market.trade(1n, 0n)).mwh).to.equal(50n);
        expect((await b.market.round(1n)).state).to.equal(RoundState.Matched);
      });
    });

    describe("when the round is not awaiting the security check", function () {
      it("refuses while matching is still open", async function () {
        const b = await loadFixture(rerouteFixture);
        await b.market.connect(b.dispatch).curtail([0n], [1n]);
        await expect(b.market.connect(b.dispatch).curtail([0n], [1n]))
          .to.be.revertedWithCustomError(b.market, "MarketWrongRoundState")
          .withArgs(1n, RoundState.Open);
      });

      it("refuses after approval", async function () {
        const b = await loadFixture(rerouteFixture);
        await b.market.connect(b.dispatch).approveMatching();
        await expect(b.market.connect(b.dispatch).curtail([0n], [1n]))
          .to.be.revertedWithCustomError(b.market, "MarketWrongRoundState")
          .withArgs(1n, RoundState.Settling);
      });
    });

    describe("after a curtailment", function () {
      it("still refuses new listings and withdrawals", async function () {
        const b = await loadFixture(rerouteFixture);
        await b.market.connect(b.dispatch).curtail([0n], [20n]);
        await expect(list(b, b.owners[1]!, windOrder(1n, ASK)))
          .to.be.revertedWithCustomError(b.market, "MarketListingClosed")
          .withArgs(1n, b.deadline);
        await expect(b.market.connect(b.owners[2]!).WITHDRAW(3n))
          .to.be.revertedWithCustomError(b.market, "MarketListingClosed")
          .withArgs(1n, b.deadline);
      });
    });
  });

  describe("re-matching", function () {
    it("caps the curtailed corridor at its new use and sends the freed demand over another", async function () {
      const b = await loadFixture(rerouteFixture);
      await b.market.connect(b.dispatch).curtail([0n], [20n]);
      // Wind 2 still has 20 MWh and the best q, but A→A is capped at 30: the 20 MWh come from wind 3 over B→A.
      const expected = viaB(1n, 3n, 20n);
      await expect(b.market.matchOrders(100n))
        .to.emit(b.market, "MarketTradeMatched")
        .withArgs(1n, 1n, 1n, 3n, 20n, expected.buyerPrice, expected.sellerPrice)
        .and.to.emit(b.market, "MarketMatchingCompleted")
        .withArgs(1n, 2n, 50n, 0n);
      expect(await trades(b)).to.deep.equal([viaA(1n, 2n, 30n), expected]);
      expect((await b.market.order(2n)).windFilledMwh).to.equal(30n);
    });

    it("repeats until the dispatch centre approves", async function () {
      const b = await loadFixture(rerouteFixture);
      await b.market.connect(b.dispatch).curtail([0n], [20n]);
      await matchAll(b);
      // Cutting the re-routed trade caps B→A at 15 as well: nothing else can reach consumer 1.
      await b.market.connect(b.dispatch).curtail([1n], [5n]);
      await expect(b.market.matchOrders(100n)).to.emit(b.market, "MarketMatchingCompleted").withArgs(1n, 2n, 45n, 0n);
      expect(await trades(b)).to.deep.equal([viaA(1n, 2n, 30n), viaB(1n, 3n, 15n)]);
      await expect(b.market.connect(b.dispatch).approveMatching()).to.emit(b.market, "MarketMatchingApproved");
    });

    it("bounds a consumer's wind demand by Q − w − t", async function () {
      const b = await loadFixture(boundFixture);
      const consumer2Wind = splitTrade(2n, 3n, 100n, false, { bid: price("20"), ask: ASK });
      const consumer1Thermal = splitTrade(1n, 4n, 50n, true, { bid: BID, ask: price("3"), w: price("2") });
      expect(await trades(b)).to.deep.equal([consumer2Wind, consumer1Thermal]);
      await b.market.connect(b.dispatch).curtail([0n], [30n]);
      // Consumer 1 still has 40 green demand unmet and wind 3 has 30 MWh with q = 6, but Q − w − t = 50 − 0 − 50 = 0.
      await expect(b.market.matchOrders(100n)).to.emit(b.market, "MarketMatchingCompleted").withArgs(1n, 2n, 70n, 50n);
      expect(await trades(b)).to.deep.equal([{ ...consumer2Wind, mwh: 70n }, consumer1Thermal]);
      const o = await b.market.order(1n);
      expect([o.windFilledMwh, o.thermalFilledMwh]).to.deep.equal([0n, 50n]);
    });

    describe("when a wind curtailment leaves thermal above the cap", function () {
      it("trims the latest thermal trades, skipping wind and empty trades, until thermal fits", async function () {
        const b = await loadFixture(trimFixture);
        expect(await trades(b)).to.deep.equal([viaA(1n, 2n, 40n), thermal3(40n), thermal4(20n)]);
        const tx = b.market.connect(b.dispatch).curtail([0n, 2n], [30n, 20n]);
        await expect(tx).to.emit(b.market, "MarketTradeCurtailed").withArgs(1n, 0n, 30n, 10n);
        await expect(tx).to.emit(b.market, "MarketTradeCurtailed").withArgs(1n, 2n, 20n, 0n);
        // Re-match: phase 1 wants min(40 − 10, 100 − 10 − 40) = 30 wind; A→A is capped, so wind 5 sends its 2 MWh over
        // B→A (trade 3). Wind 12 → cap 36 < thermal 40: trim 4 MWh from the latest thermal trade with energy, walking
        // back past trade 3 (wind) and trade 2 (0 MWh) to trade 1. Phase 2 then has no cap room.
        const rematch = b.market.matchOrders(100n);
        await expect(rematch).to.emit(b.market, "MarketMatchingCompleted").withArgs(1n, 4n, 12n, 36n);
        await expect(rematch).not.to.emit(b.market, "MarketTradeCurtailed");
        expect(await trades(b)).to.deep.equal([viaA(1n, 2n, 10n), thermal3(36n), thermal4(0n), viaB(1n, 5n, 2n)]);
        const fills = async (id: bigint) => {
          const o = await b.market.order(id);
          return [o.windFilledMwh, o.thermalFilledMwh];
        };
        expect(await fills(1n)).to.deep.equal([12n, 36n]);
        expect(await fills(2n)).to.deep.equal([10n, 0n]);
        expect(await fills(3n)).to.deep.equal([36n, 0n]);
        expect(await fills(4n)).to.deep.equal([0n, 0n]);
        expect(await fills(5n)).to.deep.equal([2n, 0n]);
      });

      it("gives the same result in steps of 1", async function () {
        const one = await loadFixture(trimCurtailedFixture);
        await matchAll(one, 10_000n);
        const expected = await trades(one);
        const stepped = await loadFixture(trimCurtailedFixture);
        const calls = await matchAll(stepped, 1n);
        expect(calls).to.be.greaterThan(3);
        expect(await trades(stepped)).to.deep.equal(expected);
        const r = await stepped.market.round(1n);
        expect([r.windTotalMwh, r.thermalTotalMwh]).to.deep.equal([12n, 36n]);
      });

      it("settles the trimmed and emptied trades at their final MWh", async function () {
        const b = await loadFixture(trimCurtailedFixture);
        await matchAll(b);
        await b.market.connect(b.dispatch).approveMatching();
        const t1 = thermal3(36n);
        const tx = b.market.TRANS(100n);
        await expect(tx).to.emit(b.market, "MarketTradeSettled").withArgs(1n, 2n, 0n, 0n, 0n);
        await expect(tx)
          .to.emit(b.market, "MarketTradeSettled")
          .withArgs(
            1n,
            1n,
            amount(t1.buyerPrice, 36n),
            amount(t1.sellerPrice, 36n),
            amount(t1.buyerPrice - t1.sellerPrice, 36n),
          );
        await expect(tx).to.changeTokenBalances(b.token, [b.owners[3]!, b.owners[2]!], [0n, amount(t1.sellerPrice, 36n)]);
        expect((await b.market.trade(1n, 2n)).settled).to.equal(true);
      });
    });
  });

  describe("when a trim frees energy on a capped corridor", function () {
    // A→A carries at most 100: wind 2 sells 40 and thermal 3 sells 60 over it (ratio 3, cap 120). Cutting the wind
    // trade by 30 caps A→A at 70; wind 4 sends 2 over B→A, cap 36 trims thermal 60 → 36, which leaves A→A at 46 of 70.
    const SPEC: BookSpec = {
      pairs: [
        { seller: "A", buyer: "A", capacity: 100n },
        { seller: "B", buyer: "A", transmission: price("1") },
      ],
      orders: [
        { kind: "consumer", region: "A", request: consumerOrder(100n, BID, 40n) },
        { kind: "wind", region: "A", request: windOrder(40n, ASK) },
        { kind: "thermal", region: "A", request: thermalOrder(60n, price("3")) },
        { kind: "wind", region: "B", request: windOrder(2n, ASK) },
      ],
    };
    async function cappedCorridorFixture(): Promise<Book> {
      const b = await setupBook(SPEC);
      await passDeadline(b);
      await matchAll(b);
      return b;
    }
    const sold = async (b: Book) => (await trades(b)).map((t) => [t.seller, t.mwh]);

    it("lets the next re-matching send up to the corridor's cap over it again", async function () {
      const b = await loadFixture(cappedCorridorFixture);
      expect(await sold(b)).to.deep.equal([[2n, 40n], [3n, 60n]]);
      await b.market.connect(b.dispatch).curtail([0n], [30n]);
      await matchAll(b);
      expect(await sold(b)).to.deep.equal([[2n, 10n], [3n, 36n], [4n, 2n]]);
      // Cutting wind 4 by 1 reopens matching: wind 2 fills 24 of the consumer's 29 MWh of wind demand over A→A (its
      // 70 − 46 free), which lifts the cap to 105 and needs no further trim.
      await b.market.connect(b.dispatch).curtail([2n], [1n]);
      await expect(b.market.matchOrders(100n)).to.emit(b.market, "MarketMatchingCompleted").withArgs(1n, 4n, 35n, 36n);
      expect(await sold(b)).to.deep.equal([[2n, 10n], [3n, 36n], [4n, 1n], [2n, 24n]]);
    });
  });

  it("leaves nothing behind once the round is settled after curtailment", async function () {
    const b = await loadFixture(trimCurtailedFixture);
    await matchAll(b);
    await b.market.connect(b.dispatch).approveMatching();
    await settleAll(b, 2n);
    expect(await b.token.balanceOf(await b.market.getAddress())).to.equal(0n);
  });
});
