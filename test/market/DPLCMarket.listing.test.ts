import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { MaxUint256 } from "ethers";
import {
  Kind,
  RoundState,
  b32,
  consumerOrder,
  deployMarketFixture,
  fund,
  join,
  listingFixture,
  matchAll,
  openRound,
  passDeadline,
  settleAll,
  thermalOrder,
  windOrder,
  type ListingMarket,
  type OrderRequest,
} from "../helpers/fixtures";
import { MAX_MWH, MAX_PRICE, amount, price } from "../helpers/rules";

const BID = price("4.5");
const ASK = price("3.2");

/** Round 1 with a consumer order (1: 100 MWh at 4.5, 30 green) and a wind order (2: 50 MWh at 3.2). */
async function listedFixture(): Promise<ListingMarket> {
  const m = await listingFixture();
  await m.market.connect(m.consumer).PAYMENT(consumerOrder(100n, BID, 30n));
  await m.market.connect(m.wind).PAYMENT(windOrder(50n, ASK));
  return m;
}

/** Round 1 cancelled at once; round 2 open with a minimum order of 10 MWh. */
async function minOrderFixture(): Promise<ListingMarket> {
  const m = await listingFixture();
  await m.market.connect(m.tradingCentre).cancelRound();
  const { roundId, deadline } = await openRound(m, { minOrderMwh: 10n });
  expect((await m.market.round(roundId)).minOrderMwh).to.equal(10n);
  return { ...m, roundId, deadline };
}

/** A consumer that is approved but has neither tokens nor an allowance. */
async function unfundedFixture() {
  const m = await listingFixture();
  const poor = m.users[10]!;
  await join(m, poor, Kind.Consumer, "A");
  return { ...m, poor };
}

function orderTuple(o: Awaited<ReturnType<ListingMarket["market"]["order"]>>) {
  return {
    owner: o.owner,
    kind: o.kind,
    region: o.region,
    active: o.active,
    roundId: o.roundId,
    price: o.price,
    envSubsidy: o.envSubsidy,
    quantityMwh: o.quantityMwh,
    greenDemandMwh: o.greenDemandMwh,
    windFilledMwh: o.windFilledMwh,
    thermalFilledMwh: o.thermalFilledMwh,
    escrow: o.escrow,
  };
}

describe("DPLCMarket: listing (PAYMENT) and withdrawal (WITHDRAW)", function () {
  describe("PAYMENT", function () {
    describe("by a consumer", function () {
      it("lists the order and escrows bid × quantity × 1000", async function () {
        const m = await loadFixture(listingFixture);
        // 4.5 token/kWh × 100 MWh × 1000 kWh/MWh = 450 000 tokens.
        const escrow = amount(BID, 100n);
        expect(escrow).to.equal(450_000n * 10n ** 18n);
        const request = consumerOrder(100n, BID, 30n);
        expect(await m.market.connect(m.consumer).PAYMENT.staticCall(request)).to.equal(1n);
        const tx = m.market.connect(m.consumer).PAYMENT(request);
        await expect(tx)
          .to.emit(m.market, "MarketOrderListed")
          .withArgs(1n, 1n, m.consumer.address, Kind.Consumer, 100n, BID);
        await expect(tx).to.changeTokenBalances(m.token, [m.consumer, m.market], [-escrow, escrow]);
        expect(orderTuple(await m.market.order(1n))).to.deep.equal({
          owner: m.consumer.address,
          kind: Kind.Consumer,
          region: 0n,
          active: true,
          roundId: 1n,
          price: BID,
          envSubsidy: 0n,
          quantityMwh: 100n,
          greenDemandMwh: 30n,
          windFilledMwh: 0n,
          thermalFilledMwh: 0n,
          escrow,
        });
        expect((await m.market.round(1n)).endOrderId).to.equal(2n);
      });

      it("accepts an all-green order and stores the 0-based region index", async function () {
        const m = await loadFixture(listingFixture);
        await m.market.connect(m.consumerB).PAYMENT(consumerOrder(7n, BID, 7n));
        const o = await m.market.order(1n);
        // Region B has grid index 2, stored 0-based.
        expect([o.region, o.greenDemandMwh, o.escrow]).to.deep.equal([1n, 7n, amount(BID, 7n)]);
      });

      describe("without an allowance or balance", function () {
        it("fails in the token transfer and lists nothing", async function () {
          const m = await loadFixture(unfundedFixture);
          const escrow = amount(BID, 1n);
          await expect(m.market.connect(m.poor).PAYMENT(consumerOrder(1n, BID)))
            .to.be.revertedWithCustomError(m.token, "ERC20InsufficientAllowance")
            .withArgs(await m.market.getAddress(), 0n, escrow);
          await m.token.connect(m.poor).approve(await m.market.getAddress(), MaxUint256);
          await expect(m.market.connect(m.poor).PAYMENT(consumerOrder(1n, BID)))
            .to.be.revertedWithCustomError(m.token, "ERC20InsufficientBalance")
            .withArgs(m.poor.address, 0n, escrow);
          expect((await m.market.round(1n)).endOrderId).to.equal(1n);
        });
      });
    });

    it("lists a wind order without moving tokens", async function () {
      const m = await loadFixture(listingFixture);
      const tx = m.market.connect(m.wind).PAYMENT(windOrder(50n, ASK));
      await expect(tx).to.emit(m.market, "MarketOrderListed").withArgs(1n, 1n, m.wind.address, Kind.Wind, 50n, ASK);
      await expect(tx).to.changeTokenBalances(m.token, [m.wind, m.market], [0n, 0n]);
      const o = await m.market.order(1n);
      expect([o.kind, o.region, o.price, o.envSubsidy, o.quantityMwh, o.escrow]).to.deep.equal([
        Kind.Wind,
        0n,
        ASK,
        0n,
        50n,
        0n,
      ]);
    });

    it("lists a thermal order with W = environmental + cross-subsidy price", async function () {
      const m = await loadFixture(listingFixture);
      await expect(m.market.connect(m.thermal).PAYMENT(thermalOrder(80n, ASK, price("0.25"), price("0.15"))))
        .to.emit(m.market, "MarketOrderListed")
        .withArgs(1n, 1n, m.thermal.address, Kind.Thermal, 80n, ASK);
      const o = await m.market.order(1n);
      expect([o.kind, o.envSubsidy, o.escrow]).to.deep.equal([Kind.Thermal, price("0.4"), 0n]);
    });

    it("numbers orders from 1 in listing order", async function () {
      const m = await loadFixture(listedFixture);
      await expect(m.market.connect(m.thermal).PAYMENT(thermalOrder(1n, ASK)))
        .to.emit(m.market, "MarketOrderListed")
        .withArgs(1n, 3n, m.thermal.address, Kind.Thermal, 1n, ASK);
      const r = await m.market.round(1n);
      expect([r.firstOrderId, r.endOrderId]).to.deep.equal([1n, 4n]);
    });

    it("accepts the largest quantities and prices", async function () {
      const m = await loadFixture(listingFixture);
      await m.market.connect(m.wind).PAYMENT(windOrder(MAX_MWH, MAX_PRICE));
      await m.market.connect(m.thermal).PAYMENT(thermalOrder(MAX_MWH, MAX_PRICE, MAX_PRICE, MAX_PRICE));
      expect((await m.market.order(1n)).quantityMwh).to.equal(MAX_MWH);
      expect((await m.market.order(2n)).envSubsidy).to.equal(2n * MAX_PRICE);
      await m.market.connect(m.consumer).PAYMENT(consumerOrder(1n, MAX_PRICE, 1n));
      expect((await m.market.order(3n)).escrow).to.equal(amount(MAX_PRICE, 1n));
    });

    describe("when the consumer's escrow exceeds 128 bits", function () {
      it("escrows the exact bid × quantity × 1000 of the largest order", async function () {
        const m = await loadFixture(listingFixture);
        // 10^24 × 10^12 × 1000 = 10^39 > 2^128 − 1 ≈ 3.4 × 10^38: each field is in range, the product is not.
        const escrow = amount(MAX_PRICE, MAX_MWH);
        expect(escrow).to.equal(10n ** 39n);
        expect(escrow > 2n ** 128n - 1n).to.equal(true);
        await fund(m, m.consumer, escrow);
        await expect(m.market.connect(m.consumer).PAYMENT(consumerOrder(MAX_MWH, MAX_PRICE))).to.changeTokenBalances(
          m.token,
          [m.consumer, m.market],
          [-escrow, escrow],
        );
        expect((await m.market.order(1n)).escrow).to.equal(escrow);
        await expect(m.market.connect(m.consumer).WITHDRAW(1n))
          .to.emit(m.market, "MarketOrderWithdrawn")
          .withArgs(1n, 1n, m.consumer.address, escrow);
      });
    });

    describe("with an invalid field", function () {
      const cases: [string, "consumer" | "wind" | "thermal", OrderRequest, string, bigint][] = [
        ["zero quantity", "consumer", consumerOrder(0n, BID), "quantityMwh", 0n],
        ["quantity above 10^12 MWh", "wind", windOrder(MAX_MWH + 1n, ASK), "quantityMwh", MAX_MWH + 1n],
        ["a uint256-overflowing quantity", "consumer", consumerOrder(MaxUint256, BID), "quantityMwh", MaxUint256],
        ["zero price", "wind", windOrder(1n, 0n), "price", 0n],
        ["price above 10^6 token/kWh", "consumer", consumerOrder(1n, MAX_PRICE + 1n), "price", MAX_PRICE + 1n],
        ["a uint256-overflowing price", "thermal", thermalOrder(1n, MaxUint256), "price", MaxUint256],
        ["green demand above the quantity", "consumer", consumerOrder(10n, BID, 11n), "greenDemandMwh", 11n],
        ["a consumer's environmental price", "consumer", { ...consumerOrder(1n, BID), envPrice: 1n }, "envPrice", 1n],
        ["a consumer's subsidy price", "consumer", { ...consumerOrder(1n, BID), subsidyPrice: 2n }, "subsidyPrice", 2n],
        ["a wind generator's green demand", "wind", { ...windOrder(5n, ASK), greenDemandMwh: 1n }, "greenDemandMwh", 1n],
        ["a wind generator's environmental price", "wind", { ...windOrder(5n, ASK), envPrice: 3n }, "envPrice", 3n],
        ["a wind generator's subsidy price", "wind", { ...windOrder(5n, ASK), subsidyPrice: 4n }, "subsidyPrice", 4n],
        ["a thermal generator's green demand", "thermal", { ...thermalOrder(5n, ASK), greenDemandMwh: 5n }, "greenDemandMwh", 5n],
        ["an environmental price above the bound", "thermal", thermalOrder(5n, ASK, MAX_PRICE + 1n), "envPrice", MAX_PRICE + 1n],
        ["a subsidy price above the bound", "thermal", thermalOrder(5n, ASK, 0n, MAX_PRICE + 1n), "subsidyPrice", MAX_PRICE + 1n],
      ];
      for (const [what, who, request, field, value] of cases) {
        it(`refuses ${what} (${field})`, async function () {
          const m = await loadFixture(listingFixture);
          await expect(m.market.connect(m[who]).PAYMENT(request))
            .to.be.revertedWithCustomError(m.market, "MarketInvalidOrder")
            .withArgs(b32(field), value);
        });
      }
    });

    describe("by an account that may not list", function () {
      for (const who of ["stranger", "pending", "rejected"] as const) {
        it(`refuses a ${who} account`, async function () {
          const m = await loadFixture(listingFixture);
          await expect(m.market.connect(m[who]).PAYMENT(windOrder(1n, ASK)))
            .to.be.revertedWithCustomError(m.market, "MarketNotApproved")
            .withArgs(m[who].address);
        });
      }

      it("refuses a participant whose region the grid does not know", async function () {
        const m = await loadFixture(listingFixture);
        await expect(m.market.connect(m.lost).PAYMENT(windOrder(1n, ASK)))
          .to.be.revertedWithCustomError(m.market, "MarketUnknownRegion")
          .withArgs(b32("Z"));
      });
    });

    describe("when the round has a minimum order size", function () {
      for (const who of ["consumer", "wind", "thermal"] as const) {
        it(`refuses a ${who} order below it and accepts one of exactly that size`, async function () {
          const m = await loadFixture(minOrderFixture);
          const request = (mwh: bigint) => (who === "consumer" ? consumerOrder(mwh, BID, 0n) : windOrder(mwh, ASK));
          await expect(m.market.connect(m[who]).PAYMENT(request(9n)))
            .to.be.revertedWithCustomError(m.market, "MarketOrderTooSmall")
            .withArgs(9n, 10n);
          await expect(m.market.connect(m[who]).PAYMENT(request(10n))).to.emit(m.market, "MarketOrderListed");
        });
      }

      it("still names a zero quantity an invalid field", async function () {
        const m = await loadFixture(minOrderFixture);
        await expect(m.market.connect(m.wind).PAYMENT(windOrder(0n, ASK)))
          .to.be.revertedWithCustomError(m.market, "MarketInvalidOrder")
          .withArgs(b32("quantityMwh"), 0n);
      });
    });

    describe("when no round was opened", function () {
      it("refuses to list", async function () {
        const m = await loadFixture(deployMarketFixture);
        await expect(m.market.PAYMENT(windOrder(1n, ASK)))
          .to.be.revertedWithCustomError(m.market, "MarketWrongRoundState")
          .withArgs(0n, RoundState.None);
      });
    });

    describe("at or after the deadline", function () {
      it("refuses to list", async function () {
        const m = await loadFixture(listingFixture);
        await time.setNextBlockTimestamp(m.deadline);
        await expect(m.market.connect(m.wind).PAYMENT(windOrder(1n, ASK)))
          .to.be.revertedWithCustomError(m.market, "MarketListingClosed")
          .withArgs(1n, m.deadline);
      });

      it("still lists one second before it", async function () {
        const m = await loadFixture(listingFixture);
        await time.setNextBlockTimestamp(m.deadline - 1n);
        await expect(m.market.connect(m.wind).PAYMENT(windOrder(1n, ASK))).to.emit(m.market, "MarketOrderListed");
      });
    });

    describe("when the round is matched", function () {
      it("refuses to list", async function () {
        const m = await loadFixture(listedFixture);
        await passDeadline(m);
        await matchAll(m);
        await expect(m.market.connect(m.wind).PAYMENT(windOrder(1n, ASK)))
          .to.be.revertedWithCustomError(m.market, "MarketWrongRoundState")
          .withArgs(1n, RoundState.Matched);
      });
    });
  });

  describe("WITHDRAW", function () {
    it("cancels a consumer order and refunds its escrow in full", async function () {
      const m = await loadFixture(listedFixture);
      const escrow = amount(BID, 100n);
      const tx = m.market.connect(m.consumer).WITHDRAW(1n);
      await expect(tx).to.emit(m.market, "MarketOrderWithdrawn").withArgs(1n, 1n, m.consumer.address, escrow);
      await expect(tx).to.changeTokenBalances(m.token, [m.consumer, m.market], [escrow, -escrow]);
      const o = await m.market.order(1n);
      expect([o.active, o.escrow]).to.deep.equal([false, 0n]);
    });

    it("cancels a generator order with a zero refund", async function () {
      const m = await loadFixture(listedFixture);
      const tx = m.market.connect(m.wind).WITHDRAW(2n);
      await expect(tx).to.emit(m.market, "MarketOrderWithdrawn").withArgs(1n, 2n, m.wind.address, 0n);
      await expect(tx).to.changeTokenBalances(m.token, [m.wind, m.market], [0n, 0n]);
      expect((await m.market.order(2n)).active).to.equal(false);
    });

    it("refuses an unknown order", async function () {
      const m = await loadFixture(listedFixture);
      await expect(m.market.connect(m.wind).WITHDRAW(9n))
        .to.be.revertedWithCustomError(m.market, "MarketOrderNotFound")
        .withArgs(9n);
    });

    it("refuses anyone but the owner", async function () {
      const m = await loadFixture(listedFixture);
      await expect(m.market.connect(m.wind).WITHDRAW(1n))
        .to.be.revertedWithCustomError(m.market, "MarketNotOrderOwner")
        .withArgs(1n, m.wind.address);
    });

    describe("when the order was already withdrawn", function () {
      it("refuses a second withdrawal", async function () {
        const m = await loadFixture(listedFixture);
        await m.market.connect(m.consumer).WITHDRAW(1n);
        await expect(m.market.connect(m.consumer).WITHDRAW(1n))
          .to.be.revertedWithCustomError(m.market, "MarketOrderInactive")
          .withArgs(1n);
      });
    });

    describe("at or after the deadline", function () {
      it("refuses the withdrawal and keeps the escrow", async function () {
        const m = await loadFixture(listedFixture);
        await time.setNextBlockTimestamp(m.deadline);
        await expect(m.market.connect(m.consumer).WITHDRAW(1n))
          .to.be.revertedWithCustomError(m.market, "MarketListingClosed")
          .withArgs(1n, m.deadline);
        expect((await m.market.order(1n)).escrow).to.equal(amount(BID, 100n));
      });
    });

    describe("when the round is matched", function () {
      it("refuses the withdrawal", async function () {
        const m = await loadFixture(listedFixture);
        await passDeadline(m);
        await matchAll(m);
        await expect(m.market.connect(m.wind).WITHDRAW(2n))
          .to.be.revertedWithCustomError(m.market, "MarketWrongRoundState")
          .withArgs(1n, RoundState.Matched);
      });
    });

    describe("when the order belongs to an earlier round", function () {
      it("refuses the withdrawal", async function () {
        const m = await loadFixture(listedFixture);
        await passDeadline(m);
        await matchAll(m);
        await m.market.connect(m.dispatch).approveMatching();
        await settleAll(m);
        await openRound(m);
        await expect(m.market.connect(m.wind).WITHDRAW(2n))
          .to.be.revertedWithCustomError(m.market, "MarketOrderInactive")
          .withArgs(2n);
      });
    });
  });
});
