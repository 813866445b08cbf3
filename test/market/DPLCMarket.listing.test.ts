import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { MaxUint256, ZeroHash, id } from "ethers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import {
  Kind,
  RoundState,
  b32,
  commitmentOf,
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
  list,
} from "../helpers/fixtures";
import { amount, price } from "../helpers/rules";

const BID = price("4.5");
const ASK = price("3.2");

/** Round 1 with a consumer order (1: 100 MWh at 4.5, 30 green) and a wind order (2: 50 MWh at 3.2). */
async function listedFixture(): Promise<ListingMarket> {
  const m = await listingFixture();
  await list(m, m.consumer, consumerOrder(100n, BID, 30n));
  await list(m, m.wind, windOrder(50n, ASK));
  return m;
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
    revealed: o.revealed,
    roundId: o.roundId,
    price: o.price,
    envSubsidy: o.envSubsidy,
    quantityMwh: o.quantityMwh,
    greenDemandMwh: o.greenDemandMwh,
    windFilledMwh: o.windFilledMwh,
    thermalFilledMwh: o.thermalFilledMwh,
    escrow: o.escrow,
    commitment: o.commitment,
  };
}

describe("DPLCMarket: listing (PAYMENT) and withdrawal (WITHDRAW)", function () {
  describe("PAYMENT", function () {
    describe("by a consumer", function () {
      it("lists a sealed order and escrows the amount given: nothing of the bid or quantity is on chain", async function () {
        const m = await loadFixture(listingFixture);
        // Any escrow that covers 4.5 token/kWh × 100 MWh × 1000 kWh/MWh = 450 000 tokens; 500 000 hides the bid.
        const escrow = 500_000n * 10n ** 18n;
        expect(escrow > amount(BID, 100n)).to.equal(true);
        const salt = id("salt-1");
        const commitment = commitmentOf(await m.market.getAddress(), 1n, m.consumer.address, consumerOrder(100n, BID, 30n), salt);
        expect(await m.market.connect(m.consumer).PAYMENT.staticCall(commitment, escrow)).to.equal(1n);
        const tx = list(m, m.consumer, consumerOrder(100n, BID, 30n), { escrow, salt });
        await expect(tx).to.emit(m.market, "MarketOrderListed").withArgs(1n, 1n, m.consumer.address, Kind.Consumer, commitment, escrow);
        await expect(tx).to.changeTokenBalances(m.token, [m.consumer, m.market], [-escrow, escrow]);
        expect(orderTuple(await m.market.order(1n))).to.deep.equal({
          owner: m.consumer.address,
          kind: Kind.Consumer,
          region: 0n,
          active: true,
          revealed: false,
          roundId: 1n,
          price: 0n,
          envSubsidy: 0n,
          quantityMwh: 0n,
          greenDemandMwh: 0n,
          windFilledMwh: 0n,
          thermalFilledMwh: 0n,
          escrow,
          commitment,
        });
        expect((await m.market.round(1n)).endOrderId).to.equal(2n);
        expect(await m.market.escrowHeld()).to.equal(escrow);
      });

      it("stores the 0-based region index", async function () {
        const m = await loadFixture(listingFixture);
        await list(m, m.consumerB, consumerOrder(7n, BID, 7n));
        // Region B has grid index 2, stored 0-based.
        expect((await m.market.order(1n)).region).to.equal(1n);
      });

      it("refuses a zero escrow: a consumer's liability is never zero", async function () {
        const m = await loadFixture(listingFixture);
        await expect(list(m, m.consumer, consumerOrder(1n, BID), { escrow: 0n }))
          .to.be.revertedWithCustomError(m.market, "MarketInvalidOrder")
          .withArgs(b32("escrow"), 0n);
      });

      describe("without an allowance or balance", function () {
        it("fails in the token transfer and lists nothing", async function () {
          const m = await loadFixture(unfundedFixture);
          const escrow = amount(BID, 1n);
          await expect(list(m, m.poor, consumerOrder(1n, BID)))
            .to.be.revertedWithCustomError(m.token, "ERC20InsufficientAllowance")
            .withArgs(await m.market.getAddress(), 0n, escrow);
          await m.token.connect(m.poor).approve(await m.market.getAddress(), MaxUint256);
          await expect(list(m, m.poor, consumerOrder(1n, BID)))
            .to.be.revertedWithCustomError(m.token, "ERC20InsufficientBalance")
            .withArgs(m.poor.address, 0n, escrow);
          expect((await m.market.round(1n)).endOrderId).to.equal(1n);
        });
      });
    });

    it("lists a wind order without moving tokens", async function () {
      const m = await loadFixture(listingFixture);
      const tx = list(m, m.wind, windOrder(50n, ASK), { salt: id("w") });
      const commitment = commitmentOf(await m.market.getAddress(), 1n, m.wind.address, windOrder(50n, ASK), id("w"));
      await expect(tx).to.emit(m.market, "MarketOrderListed").withArgs(1n, 1n, m.wind.address, Kind.Wind, commitment, 0n);
      await expect(tx).to.changeTokenBalances(m.token, [m.wind, m.market], [0n, 0n]);
      const o = await m.market.order(1n);
      expect([o.kind, o.region, o.price, o.quantityMwh, o.escrow, o.revealed]).to.deep.equal([Kind.Wind, 0n, 0n, 0n, 0n, false]);
    });

    for (const who of ["wind", "thermal"] as const) {
      it(`refuses escrow from a ${who} generator`, async function () {
        const m = await loadFixture(listingFixture);
        await expect(list(m, m[who], windOrder(1n, ASK), { escrow: 1n }))
          .to.be.revertedWithCustomError(m.market, "MarketInvalidOrder")
          .withArgs(b32("escrow"), 1n);
      });
    }

    it("refuses an empty commitment", async function () {
      const m = await loadFixture(listingFixture);
      await expect(m.market.connect(m.wind).PAYMENT(ZeroHash, 0n))
        .to.be.revertedWithCustomError(m.market, "MarketInvalidOrder")
        .withArgs(b32("commitment"), 0n);
    });

    it("numbers orders from 1 in listing order", async function () {
      const m = await loadFixture(listedFixture);
      await expect(list(m, m.thermal, thermalOrder(1n, ASK)))
        .to.emit(m.market, "MarketOrderListed")
        .withArgs(1n, 3n, m.thermal.address, Kind.Thermal, anyValue, 0n);
      const r = await m.market.round(1n);
      expect([r.firstOrderId, r.endOrderId]).to.deep.equal([1n, 4n]);
    });

    describe("by an account that may not list", function () {
      for (const who of ["stranger", "pending", "rejected"] as const) {
        it(`refuses a ${who} account`, async function () {
          const m = await loadFixture(listingFixture);
          await expect(list(m, m[who], windOrder(1n, ASK)))
            .to.be.revertedWithCustomError(m.market, "MarketNotApproved")
            .withArgs(m[who].address);
        });
      }

      it("refuses a participant whose region the grid does not know", async function () {
        const m = await loadFixture(listingFixture);
        await expect(list(m, m.lost, windOrder(1n, ASK)))
          .to.be.revertedWithCustomError(m.market, "MarketUnknownRegion")
          .withArgs(b32("Z"));
      });
    });

    describe("when no round was opened", function () {
      it("refuses to list", async function () {
        const m = await loadFixture(deployMarketFixture);
        await expect(m.market.PAYMENT(id("sealed"), 0n))
          .to.be.revertedWithCustomError(m.market, "MarketWrongRoundState")
          .withArgs(0n, RoundState.None);
      });
    });

    describe("at or after the deadline", function () {
      it("refuses to list", async function () {
        const m = await loadFixture(listingFixture);
        await time.setNextBlockTimestamp(m.deadline);
        await expect(list(m, m.wind, windOrder(1n, ASK)))
          .to.be.revertedWithCustomError(m.market, "MarketListingClosed")
          .withArgs(1n, m.deadline);
      });

      it("still lists one second before it", async function () {
        const m = await loadFixture(listingFixture);
        await time.setNextBlockTimestamp(m.deadline - 1n);
        await expect(list(m, m.wind, windOrder(1n, ASK))).to.emit(m.market, "MarketOrderListed");
      });
    });

    describe("when the round is matched", function () {
      it("refuses to list", async function () {
        const m = await loadFixture(listedFixture);
        await passDeadline(m);
        await matchAll(m);
        await expect(list(m, m.wind, windOrder(1n, ASK)))
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
