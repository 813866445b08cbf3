import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { MaxUint256, id } from "ethers";
import {
  RoundState,
  b32,
  commitmentOf,
  consumerOrder,
  fund,
  list,
  listingFixture,
  matchAll,
  openRound,
  passDeadline,
  reveal,
  sealOf,
  settleAll,
  thermalOrder,
  toRevealWindow,
  windOrder,
  type ListingMarket,
  type OrderRequest,
} from "../helpers/fixtures";
import { MAX_MWH, MAX_PRICE, amount, price, surplusSplit } from "../helpers/rules";

const BID = price("4.5");
const ASK = price("3.2");
/** More than the consumer's 100 MWh at 4.5 (450 000 tokens) can cost: the escrow does not give the bid away. */
const ESCROW = 600_000n * 10n ** 18n;

/** Round 1 listing: the consumer's order 1 (100 MWh at 4.5, 30 green, escrow 600 000) and the wind order 2 (50 at 3.2). */
async function sealedFixture(): Promise<ListingMarket> {
  const m = await listingFixture();
  await list(m, m.consumer, consumerOrder(100n, BID, 30n), { escrow: ESCROW, salt: id("consumer salt") });
  await list(m, m.wind, windOrder(50n, ASK), { salt: id("wind salt") });
  return m;
}

/** The same, in the reveal window. */
async function revealingFixture(): Promise<ListingMarket> {
  const m = await sealedFixture();
  await toRevealWindow(m);
  return m;
}

/** Round 1 cancelled at once; round 2 open with a minimum order of 10 MWh. */
async function minOrderFixture(): Promise<ListingMarket> {
  const m = await listingFixture();
  await m.market.connect(m.tradingCentre).cancelRound();
  const { roundId, deadline } = await openRound(m, { minOrderMwh: 10n });
  return { ...m, roundId, deadline };
}

async function revealDeadline(m: ListingMarket): Promise<bigint> {
  return (await m.market.round(m.roundId)).revealDeadline;
}

describe("DPLCMarket: sealed listings (commit, reveal)", function () {
  describe("revealOrder", function () {
    describe("in the reveal window", function () {
      it("discloses a consumer order, keeps its whole escrow and folds the salt into the tie seed", async function () {
        const m = await loadFixture(revealingFixture);
        await expect(reveal(m, 1n)).to.emit(m.market, "MarketOrderRevealed").withArgs(1n, 1n, m.consumer.address, 100n, BID);
        const o = await m.market.order(1n);
        expect([o.revealed, o.active, o.price, o.quantityMwh, o.greenDemandMwh, o.escrow]).to.deep.equal([true, true, BID, 100n, 30n, ESCROW]);
        expect((await m.market.round(1n)).tieSeed).to.equal(id("consumer salt"));
        await reveal(m, 2n);
        const seed = BigInt(id("consumer salt")) ^ BigInt(id("wind salt"));
        expect(BigInt((await m.market.round(1n)).tieSeed)).to.equal(seed);
      });

      it("discloses a thermal order with W = environmental + cross-subsidy price", async function () {
        const m = await loadFixture(listingFixture);
        await list(m, m.thermal, thermalOrder(80n, ASK, price("0.25"), price("0.15")));
        await toRevealWindow(m);
        await reveal(m, 1n);
        const o = await m.market.order(1n);
        expect([o.price, o.envSubsidy, o.quantityMwh, o.escrow]).to.deep.equal([ASK, price("0.4"), 80n, 0n]);
      });

      it("accepts the largest quantities and prices, and an escrow beyond 128 bits", async function () {
        const m = await loadFixture(listingFixture);
        // 10^24 × 10^12 × 1000 = 10^39 > 2^128 − 1: each field is in range, the liability is not a uint128.
        const escrow = amount(MAX_PRICE, MAX_MWH);
        await fund(m, m.consumer, escrow);
        await list(m, m.wind, windOrder(MAX_MWH, MAX_PRICE));
        await list(m, m.thermal, thermalOrder(MAX_MWH, MAX_PRICE, MAX_PRICE, MAX_PRICE));
        await list(m, m.consumer, consumerOrder(MAX_MWH, MAX_PRICE));
        await toRevealWindow(m);
        for (const orderId of [1n, 2n, 3n]) await reveal(m, orderId);
        expect((await m.market.order(2n)).envSubsidy).to.equal(2n * MAX_PRICE);
        expect([(await m.market.order(3n)).quantityMwh, (await m.market.order(3n)).escrow]).to.deep.equal([MAX_MWH, escrow]);
      });

      it("opens at the deadline and closes at the reveal deadline", async function () {
        const m = await loadFixture(sealedFixture);
        expect((await m.market.round(1n)).listing).to.equal(true);
        await time.setNextBlockTimestamp(m.deadline - 1n);
        await expect(reveal(m, 1n)).to.be.revertedWithCustomError(m.market, "MarketListingOpen").withArgs(1n, m.deadline);
        await expect(reveal(m, 1n)).to.emit(m.market, "MarketOrderRevealed");
        expect([(await m.market.round(1n)).listing, (await m.market.round(1n)).revealing]).to.deep.equal([false, true]);
        const end = await revealDeadline(m);
        await time.setNextBlockTimestamp(end - 1n);
        await expect(reveal(m, 2n)).to.emit(m.market, "MarketOrderRevealed");
        await time.increaseTo(end);
        expect((await m.market.round(1n)).revealing).to.equal(false);
      });
    });

    describe("after the reveal deadline", function () {
      it("refuses a late reveal", async function () {
        const m = await loadFixture(sealedFixture);
        const end = await revealDeadline(m);
        await time.setNextBlockTimestamp(end);
        await expect(reveal(m, 1n)).to.be.revertedWithCustomError(m.market, "MarketRevealClosed").withArgs(1n, end);
      });
    });

    describe("when the reveal does not match the commitment", function () {
      for (const [what, change] of [
        ["another price", (q: OrderRequest, s: string) => [{ ...q, price: BigInt(q.price) - 1n }, s] as const],
        ["another quantity", (q: OrderRequest, s: string) => [{ ...q, quantityMwh: 99n }, s] as const],
        ["another salt", (q: OrderRequest) => [q, id("guess")] as const],
      ] as const) {
        it(`refuses ${what} and leaves the order unrevealed, refundable in full`, async function () {
          const m = await loadFixture(revealingFixture);
          const seal = await sealOf(m, 1n);
          const [request, salt] = change(seal.request, seal.salt);
          const commitment = (await m.market.order(1n)).commitment;
          const revealed = commitmentOf(await m.market.getAddress(), 1n, m.consumer.address, request, salt);
          await expect(m.market.connect(m.consumer).revealOrder(1n, request, salt))
            .to.be.revertedWithCustomError(m.market, "MarketCommitmentMismatch")
            .withArgs(1n, commitment, revealed);
          await time.increaseTo(await revealDeadline(m));
          await expect(m.market.refundUnrevealed(1n)).to.changeTokenBalances(m.token, [m.consumer, m.market], [ESCROW, -ESCROW]);
        });
      }

      it("refuses a copied commitment revealed with its author's order and salt", async function () {
        const m = await loadFixture(sealedFixture);
        // consumerB copies the consumer's commitment while listing, then replays the consumer's reveal.
        await m.market.connect(m.consumerB).PAYMENT((await m.market.order(1n)).commitment, ESCROW);
        await toRevealWindow(m);
        await reveal(m, 1n);
        const { request, salt } = await sealOf(m, 1n);
        await expect(m.market.connect(m.consumerB).revealOrder(3n, request, salt)).to.be.revertedWithCustomError(m.market, "MarketCommitmentMismatch");
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
          await list(m, m[who], request, who === "consumer" ? { escrow: 1n } : {});
          await toRevealWindow(m);
          await expect(reveal(m, 1n)).to.be.revertedWithCustomError(m.market, "MarketInvalidOrder").withArgs(b32(field), value);
        });
      }
    });

    describe("when the round has a minimum order size", function () {
      for (const who of ["consumer", "wind", "thermal"] as const) {
        it(`refuses a ${who} order below it and accepts one of exactly that size`, async function () {
          const m = await loadFixture(minOrderFixture);
          const request = (mwh: bigint) => (who === "consumer" ? consumerOrder(mwh, BID, 0n) : windOrder(mwh, ASK));
          await list(m, m[who], request(9n));
          await list(m, m[who], request(10n));
          await toRevealWindow(m);
          const [small, exact] = [(await m.market.round(m.roundId)).firstOrderId, (await m.market.round(m.roundId)).firstOrderId + 1n];
          await expect(reveal(m, small)).to.be.revertedWithCustomError(m.market, "MarketOrderTooSmall").withArgs(9n, 10n);
          await expect(reveal(m, exact)).to.emit(m.market, "MarketOrderRevealed");
        });
      }
    });

    describe("when the consumer's escrow does not cover the revealed order", function () {
      it("refuses the reveal, naming escrow and liability; the order drops out with its escrow refundable", async function () {
        const m = await loadFixture(listingFixture);
        const liability = amount(BID, 100n);
        await list(m, m.consumer, consumerOrder(100n, BID), { escrow: liability - 1n });
        await toRevealWindow(m);
        await expect(reveal(m, 1n)).to.be.revertedWithCustomError(m.market, "MarketEscrowTooLow").withArgs(1n, liability - 1n, liability);
        await time.increaseTo(await revealDeadline(m));
        await expect(m.market.refundUnrevealed(1n)).to.changeTokenBalance(m.token, m.consumer, liability - 1n);
      });
    });

    it("refuses anyone but the owner", async function () {
      const m = await loadFixture(revealingFixture);
      const { request, salt } = await sealOf(m, 1n);
      await expect(m.market.connect(m.wind).revealOrder(1n, request, salt))
        .to.be.revertedWithCustomError(m.market, "MarketNotOrderOwner")
        .withArgs(1n, m.wind.address);
    });

    it("refuses a second reveal", async function () {
      const m = await loadFixture(revealingFixture);
      await reveal(m, 1n);
      await expect(reveal(m, 1n)).to.be.revertedWithCustomError(m.market, "MarketOrderAlreadyRevealed").withArgs(1n);
    });

    it("refuses a withdrawn order", async function () {
      const m = await loadFixture(sealedFixture);
      await m.market.connect(m.consumer).WITHDRAW(1n);
      await toRevealWindow(m);
      await expect(reveal(m, 1n)).to.be.revertedWithCustomError(m.market, "MarketOrderInactive").withArgs(1n);
    });

    describe("when the owner was revoked", function () {
      it("refuses the reveal: the order drops out and its escrow comes back in full", async function () {
        const m = await loadFixture(revealingFixture);
        await m.registry.connect(m.tradingCentre).revoke(m.consumer.address, b32("revoked"));
        await expect(reveal(m, 1n)).to.be.revertedWithCustomError(m.market, "MarketNotApproved").withArgs(m.consumer.address);
        await time.increaseTo(await revealDeadline(m));
        await expect(m.market.refundUnrevealed(1n)).to.changeTokenBalance(m.token, m.consumer, ESCROW);
      });
    });
  });

  describe("refundUnrevealed", function () {
    it("returns an unrevealed order's escrow in full to its owner, whoever calls; matching ignores the order", async function () {
      const m = await loadFixture(revealingFixture);
      await reveal(m, 2n);
      await time.increaseTo(await revealDeadline(m));
      const tx = m.market.connect(m.stranger).refundUnrevealed(1n);
      await expect(tx).to.emit(m.market, "MarketEscrowRefunded").withArgs(1n, 1n, m.consumer.address, ESCROW);
      await expect(tx).to.changeTokenBalances(m.token, [m.consumer, m.market], [ESCROW, -ESCROW]);
      const o = await m.market.order(1n);
      expect([o.active, o.escrow]).to.deep.equal([false, 0n]);
      expect(await m.market.escrowHeld()).to.equal(0n);
      await matchAll(m);
      expect((await m.market.round(1n)).tradeCount).to.equal(0n);
      await expect(m.market.refundUnrevealed(1n)).to.be.revertedWithCustomError(m.market, "MarketNothingToRefund").withArgs(1n);
    });

    it("waits for the reveal deadline: until then the owner may still reveal", async function () {
      const m = await loadFixture(revealingFixture);
      const end = await revealDeadline(m);
      await time.setNextBlockTimestamp(end - 1n);
      await expect(m.market.refundUnrevealed(1n)).to.be.revertedWithCustomError(m.market, "MarketRevealOpen").withArgs(1n, end);
    });

    it("refuses a revealed order, whose escrow settlement returns", async function () {
      const m = await loadFixture(revealingFixture);
      await reveal(m, 1n);
      await time.increaseTo(await revealDeadline(m));
      await expect(m.market.refundUnrevealed(1n)).to.be.revertedWithCustomError(m.market, "MarketOrderAlreadyRevealed").withArgs(1n);
    });

    it("has nothing to refund for a seller", async function () {
      const m = await loadFixture(sealedFixture);
      await time.increaseTo(await revealDeadline(m));
      await expect(m.market.refundUnrevealed(2n)).to.be.revertedWithCustomError(m.market, "MarketNothingToRefund").withArgs(2n);
    });

    describe("when nobody pulls the refund", function () {
      it("settlement returns the unrevealed escrow, and the revealed order's surplus escrow, at the end", async function () {
        const m = await loadFixture(listingFixture);
        await list(m, m.consumer, consumerOrder(10n, BID, 10n), { escrow: ESCROW });
        await list(m, m.consumerB, consumerOrder(10n, BID, 10n), { escrow: ESCROW });
        await list(m, m.wind, windOrder(10n, ASK));
        await toRevealWindow(m);
        await reveal(m, 1n);
        await reveal(m, 3n);
        await time.increaseTo(await revealDeadline(m));
        await matchAll(m);
        await m.market.connect(m.dispatch).approveMatching();
        const paid = (await m.market.trade(1n, 0n)).buyerPrice * 10n * 1000n;
        const before = [await m.token.balanceOf(m.consumer.address), await m.token.balanceOf(m.consumerB.address)];
        await settleAll(m);
        const after = [await m.token.balanceOf(m.consumer.address), await m.token.balanceOf(m.consumerB.address)];
        expect([after[0]! - before[0]!, after[1]! - before[1]!]).to.deep.equal([ESCROW - paid, ESCROW]);
        expect(await m.token.balanceOf(await m.market.getAddress())).to.equal(0n);
      });
    });

    describe("when the round was cancelled", function () {
      it("refunds an unrevealed order once, through either refund", async function () {
        const m = await loadFixture(sealedFixture);
        await m.market.connect(m.tradingCentre).cancelRound();
        await expect(m.market.refundUnrevealed(1n)).to.changeTokenBalance(m.token, m.consumer, ESCROW);
        await expect(m.market.refundCancelled(1n)).to.be.revertedWithCustomError(m.market, "MarketNothingToRefund").withArgs(1n);
        expect((await m.market.round(1n)).state).to.equal(RoundState.Cancelled);
      });
    });
  });

  describe("sniping", function () {
    it("gives a seller nothing to undercut: bids cannot be read while listing, and orders cannot change after it", async function () {
      const m = await loadFixture(sealedFixture);
      // What a seller can see of the consumer's order while listing: the owner, its kind and region, a hash, and
      // an escrow that only bounds price × quantity from above.
      const seen = await m.market.order(1n);
      expect([seen.price, seen.quantityMwh, seen.greenDemandMwh]).to.deep.equal([0n, 0n, 0n]);
      expect(seen.escrow).to.equal(ESCROW);
      // Withdrawing and relisting costs nothing but tells nothing either; at the deadline listing closes for good.
      await m.market.connect(m.wind).WITHDRAW(2n);
      await list(m, m.wind, windOrder(50n, ASK), { salt: id("relisted") });
      await toRevealWindow(m);
      await reveal(m, 1n);
      // Now the bid is public (4.5), but the seller's order is fixed: it cannot relist at 4.4999…, nor reveal an ask
      // other than the one it committed to.
      await expect(list(m, m.wind, windOrder(50n, BID - 1n))).to.be.revertedWithCustomError(m.market, "MarketListingClosed");
      await expect(m.market.connect(m.wind).revealOrder(3n, windOrder(50n, BID - 1n), id("relisted"))).to.be.revertedWithCustomError(
        m.market,
        "MarketCommitmentMismatch",
      );
      await reveal(m, 3n);
      await time.increaseTo(await revealDeadline(m));
      await matchAll(m);
      // It sells at its committed ask's surplus-split price: 3.2 + (4.5 − 3.2) / 2 = 3.85.
      expect((await m.market.trade(1n, 0n)).sellerPrice).to.equal(surplusSplit(BID, ASK, 0n, 0n, BID - ASK).seller);
      expect(surplusSplit(BID, ASK, 0n, 0n, BID - ASK).seller).to.equal(price("3.85"));
    });
  });

  describe("matching", function () {
    it("uses only revealed orders", async function () {
      const m = await loadFixture(listingFixture);
      await list(m, m.consumer, consumerOrder(10n, BID, 10n));
      await list(m, m.wind, windOrder(10n, ASK));
      await list(m, m.thermal, thermalOrder(10n, price("1")));
      await toRevealWindow(m);
      await reveal(m, 1n);
      await reveal(m, 2n);
      await passDeadline(m);
      await matchAll(m);
      expect((await m.market.round(1n)).tradeCount).to.equal(1n);
      expect((await m.market.trade(1n, 0n)).sellerOrderId).to.equal(2n);
    });

    it("starts only at the reveal deadline", async function () {
      const m = await loadFixture(revealingFixture);
      const end = await revealDeadline(m);
      await time.setNextBlockTimestamp(end - 1n);
      await expect(m.market.matchOrders(10n)).to.be.revertedWithCustomError(m.market, "MarketRevealOpen").withArgs(1n, end);
    });
  });
});
