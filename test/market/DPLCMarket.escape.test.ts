import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress } from "ethers";
import { InvertedPricing__factory, RevertingPricing__factory } from "../../typechain-types";
import {
  RoundState,
  allowPricing,
  b32,
  consumerOrder,
  deployMarketFixture,
  fund,
  matchAll,
  openRound,
  passDeadline,
  settleAll,
  setupBook,
  windOrder,
  type Book,
  type BookSpec,
  type System,
} from "../helpers/fixtures";
import { amount, price } from "../helpers/rules";

const YEAR = 365n * 24n * 3600n;
const DAY = 24n * 3600n;
const MAX_LISTING_SECONDS = 30n * DAY;
const MIN_REVEAL_SECONDS = 600n;
const MAX_REVEAL_SECONDS = 7n * DAY;
const STALL_SECONDS = 14n * DAY;

/** Two consumers (orders 1, 2) and a wind seller (order 3) in one region; 15 MWh can trade. */
const BOOK: BookSpec = {
  pairs: [{ seller: "A", buyer: "A" }],
  orders: [
    { kind: "consumer", region: "A", request: consumerOrder(10n, price("10"), 10n) },
    { kind: "consumer", region: "A", request: consumerOrder(5n, price("8"), 5n) },
    { kind: "wind", region: "A", request: windOrder(20n, price("4")) },
  ],
};
const ESCROW = [amount(price("10"), 10n), amount(price("8"), 5n)] as const;

async function listedFixture(): Promise<Book> {
  return setupBook(BOOK);
}

async function matchedFixture(): Promise<Book> {
  const b = await setupBook(BOOK);
  await passDeadline(b);
  await matchAll(b);
  return b;
}

/** An allowlisted rule that reverts on every quote: `matchOrders` can never finish. */
async function revertingFixture(): Promise<Book> {
  const [deployer] = await ethers.getSigners();
  const rule = await new RevertingPricing__factory(deployer).deploy();
  return setupBook(BOOK, async (sys) => ({ pricing: await allowPricing(sys, rule) }));
}

/** An allowlisted rule that answers seller price > buyer price: `matchOrders` reverts `MarketInvalidPrices`. */
async function invalidPricesFixture(): Promise<Book> {
  const [deployer] = await ethers.getSigners();
  const rule = await new InvertedPricing__factory(deployer).deploy();
  return setupBook(BOOK, async (sys) => ({ pricing: await allowPricing(sys, rule) }));
}

async function stuckFixture(): Promise<Book> {
  const b = await invalidPricesFixture();
  await passDeadline(b);
  return b;
}

async function cancelledFixture(): Promise<Book> {
  const b = await stuckFixture();
  await b.market.connect(b.tradingCentre).cancelRound();
  return b;
}

async function settlingFixture(): Promise<Book> {
  const b = await matchedFixture();
  await b.market.connect(b.dispatch).approveMatching();
  return b;
}

async function closedFixture(): Promise<Book> {
  const b = await settlingFixture();
  await settleAll(b);
  return b;
}

/** States no cancellation may leave: nothing to cancel, sellers already being paid, or already final. */
const UNCANCELLABLE = [
  ["no round exists", deployMarketFixture, RoundState.None],
  ["the round is settling", settlingFixture, RoundState.Settling],
  ["the round is closed", closedFixture, RoundState.Closed],
  ["the round is cancelled", cancelledFixture, RoundState.Cancelled],
] as const;

async function marketBalance(sys: System): Promise<bigint> {
  return sys.token.balanceOf(await sys.market.getAddress());
}

/** Moves the clock to the moment the current round counts as stalled. */
async function toStall(b: System): Promise<bigint> {
  const stalledAt = (await b.market.round(await b.market.currentRound())).revealDeadline + STALL_SECONDS;
  await time.increaseTo(stalledAt);
  return stalledAt;
}

async function refundAll(b: Book): Promise<void> {
  for (const id of b.orderIds.slice(0, 2)) await b.market.connect(b.keeper).refundCancelled(id);
}

describe("DPLCMarket: a way out of every state", function () {
  describe("pricing rule allowlist", function () {
    it("allows the two deployed rules", async function () {
      const m = await loadFixture(deployMarketFixture);
      for (const rule of Object.values(m.pricing)) {
        expect(await m.market.isPricingRuleAllowed(await rule.getAddress())).to.equal(true);
      }
    });

    describe("when a round names a contract off the allowlist", function () {
      it("refuses the token's address (which would make matchOrders revert for ever)", async function () {
        const m = await loadFixture(deployMarketFixture);
        const token = await m.token.getAddress();
        await expect(openRound(m, { pricing: token }))
          .to.be.revertedWithCustomError(m.market, "MarketPricingRuleNotAllowed")
          .withArgs(token);
      });

      it("refuses the zero address and an account without code", async function () {
        const m = await loadFixture(deployMarketFixture);
        for (const pricing of [ZeroAddress, m.users[0]!.address]) {
          await expect(openRound(m, { pricing }))
            .to.be.revertedWithCustomError(m.market, "MarketPricingRuleNotAllowed")
            .withArgs(pricing);
        }
      });

      it("refuses a rule the admin disallowed", async function () {
        const m = await loadFixture(deployMarketFixture);
        const rule = await m.pricing["paper-table"].getAddress();
        await expect(m.market.connect(m.admin).setPricingRule(rule, false))
          .to.emit(m.market, "MarketPricingRuleSet")
          .withArgs(rule, false);
        await expect(openRound(m, { pricing: rule }))
          .to.be.revertedWithCustomError(m.market, "MarketPricingRuleNotAllowed")
          .withArgs(rule);
      });
    });

    it("lets only the admin change the allowlist, and only with contracts", async function () {
      const m = await loadFixture(deployMarketFixture);
      const rule = await m.pricing["paper-table"].getAddress();
      await expect(m.market.connect(m.tradingCentre).setPricingRule(rule, false))
        .to.be.revertedWithCustomError(m.market, "AccessControlUnauthorizedAccount")
        .withArgs(m.tradingCentre.address, ethers.ZeroHash);
      await expect(m.market.connect(m.admin).setPricingRule(m.users[0]!.address, true))
        .to.be.revertedWithCustomError(m.market, "MarketPricingRuleNotContract")
        .withArgs(m.users[0]!.address);
    });

    describe("when the admin disallows the running round's rule", function () {
      it("lets the round finish with it", async function () {
        const b = await loadFixture(listedFixture);
        await b.market.connect(b.admin).setPricingRule(await b.pricing["surplus-split"].getAddress(), false);
        await passDeadline(b);
        await matchAll(b);
        expect((await b.market.round(b.roundId)).tradeCount).to.equal(2n);
      });
    });
  });

  describe("listing deadline bounds", function () {
    it("refuses a deadline 100 years ahead", async function () {
      const m = await loadFixture(deployMarketFixture);
      const now = BigInt(await time.latest());
      await time.setNextBlockTimestamp(now + 1n);
      const deadline = now + 100n * YEAR;
      await expect(openRound(m, { deadline }))
        .to.be.revertedWithCustomError(m.market, "MarketDeadlineTooFar")
        .withArgs(deadline, now + 1n + MAX_LISTING_SECONDS);
    });

    it("accepts the longest listing period exactly, and not one second more", async function () {
      const m = await loadFixture(deployMarketFixture);
      expect(await m.market.MAX_LISTING_SECONDS()).to.equal(MAX_LISTING_SECONDS);
      const now = BigInt(await time.latest());
      await time.setNextBlockTimestamp(now + 1n);
      await expect(openRound(m, { deadline: now + 2n + MAX_LISTING_SECONDS }))
        .to.be.revertedWithCustomError(m.market, "MarketDeadlineTooFar")
        .withArgs(now + 2n + MAX_LISTING_SECONDS, now + 1n + MAX_LISTING_SECONDS);
      await time.setNextBlockTimestamp(now + 2n);
      const { deadline } = await openRound(m, { deadline: now + 2n + MAX_LISTING_SECONDS });
      expect(deadline).to.equal(now + 2n + MAX_LISTING_SECONDS);
    });
  });

  describe("reveal window bounds", function () {
    it("accepts the shortest and the longest reveal window exactly, and nothing outside them", async function () {
      const m = await loadFixture(deployMarketFixture);
      expect([await m.market.MIN_REVEAL_SECONDS(), await m.market.MAX_REVEAL_SECONDS()]).to.deep.equal([MIN_REVEAL_SECONDS, MAX_REVEAL_SECONDS]);
      for (const revealSeconds of [0n, MIN_REVEAL_SECONDS - 1n, MAX_REVEAL_SECONDS + 1n]) {
        await expect(openRound(m, { revealSeconds }))
          .to.be.revertedWithCustomError(m.market, "MarketInvalidRoundConfig")
          .withArgs(b32("revealSeconds"));
      }
      const { roundId, deadline } = await openRound(m, { revealSeconds: MIN_REVEAL_SECONDS });
      expect((await m.market.round(roundId)).revealDeadline).to.equal(deadline + MIN_REVEAL_SECONDS);
      await m.market.connect(m.tradingCentre).cancelRound();
      const next = await openRound(m, { revealSeconds: MAX_REVEAL_SECONDS });
      expect((await m.market.round(next.roundId)).revealDeadline).to.equal(next.deadline + MAX_REVEAL_SECONDS);
    });
  });

  describe("cancelStalledRound", function () {
    for (const [what, fixture, from] of [
      ["whose rule reverts on every quote", stuckFixture, RoundState.Open],
      ["matched, the dispatch centre never answering", matchedFixture, RoundState.Matched],
      ["still listing when its trading centre went silent", listedFixture, RoundState.Open],
    ] as const) {
      describe(`when a round ${what} has stalled`, function () {
        it("lets a stranger cancel it at the stall time, not a second before, and every consumer is refunded", async function () {
          const b = await loadFixture(fixture);
          const stranger = b.users[13]!;
          const stalledAt = (await b.market.round(b.roundId)).revealDeadline + STALL_SECONDS;
          await time.setNextBlockTimestamp(stalledAt - 1n);
          await expect(b.market.connect(stranger).cancelStalledRound())
            .to.be.revertedWithCustomError(b.market, "MarketRoundNotStalled")
            .withArgs(b.roundId, stalledAt);
          await expect(b.market.connect(stranger).cancelStalledRound()).to.emit(b.market, "MarketRoundCancelled").withArgs(b.roundId, from);
          for (const [k, escrow] of ESCROW.entries()) {
            await expect(b.market.connect(stranger).refundCancelled(b.orderIds[k]!)).to.changeTokenBalance(b.token, b.owners[k]!, escrow);
          }
          expect(await marketBalance(b)).to.equal(0n);
        });
      });
    }

    for (const [what, fixture, state] of UNCANCELLABLE) {
      describe(`when ${what}`, function () {
        it("refuses to cancel, however long it has been", async function () {
          const m = await loadFixture(fixture);
          const roundId = await m.market.currentRound();
          await time.increase(MAX_LISTING_SECONDS + MAX_REVEAL_SECONDS + STALL_SECONDS);
          await expect(m.market.connect(m.users[13]!).cancelStalledRound())
            .to.be.revertedWithCustomError(m.market, "MarketWrongRoundState")
            .withArgs(roundId, state);
        });
      });
    }
  });

  describe("cancelRound", function () {
    for (const [what, fixture, from] of [
      ["while listing", listedFixture, RoundState.Open],
      ["when its rule reverts on every quote", revertingFixture, RoundState.Open],
      ["when its rule returns invalid prices", invalidPricesFixture, RoundState.Open],
      ["once matched, before approval", matchedFixture, RoundState.Matched],
    ] as const) {
      describe(`when the round is cancelled ${what}`, function () {
        it("refunds every consumer's escrow in full, leaves nothing in the market and lets a new round open", async function () {
          const b = await loadFixture(fixture);
          if (from === RoundState.Open && fixture !== listedFixture) {
            await passDeadline(b);
            await expect(b.market.connect(b.keeper).matchOrders(100n)).to.be.reverted;
            // Before: no way out (WITHDRAW is closed and no new round can open).
            await expect(b.market.connect(b.owners[0]!).WITHDRAW(1n))
              .to.be.revertedWithCustomError(b.market, "MarketListingClosed")
              .withArgs(b.roundId, b.deadline);
          }
          await expect(b.market.connect(b.tradingCentre).cancelRound())
            .to.emit(b.market, "MarketRoundCancelled")
            .withArgs(b.roundId, from);
          expect((await b.market.round(b.roundId)).state).to.equal(RoundState.Cancelled);
          for (const [k, escrow] of ESCROW.entries()) {
            await expect(b.market.connect(b.keeper).refundCancelled(b.orderIds[k]!)).to.changeTokenBalances(
              b.token,
              [b.owners[k]!, b.market],
              [escrow, -escrow],
            );
          }
          expect(await marketBalance(b)).to.equal(0n);
          expect((await openRound(b)).roundId).to.equal(b.roundId + 1n);
        });
      });
    }

    it("refuses anyone but the trading centre", async function () {
      const b = await loadFixture(stuckFixture);
      await expect(b.market.connect(b.dispatch).cancelRound())
        .to.be.revertedWithCustomError(b.market, "AccessControlUnauthorizedAccount")
        .withArgs(b.dispatch.address, await b.market.TRADING_CENTRE_ROLE());
    });

    for (const [what, fixture, state] of UNCANCELLABLE) {
      describe(`when ${what}`, function () {
        it("refuses to cancel", async function () {
          const m = await loadFixture(fixture);
          const roundId = await m.market.currentRound();
          await expect(m.market.connect(m.tradingCentre).cancelRound())
            .to.be.revertedWithCustomError(m.market, "MarketWrongRoundState")
            .withArgs(roundId, state);
        });
      });
    }
  });

  describe("refundCancelled", function () {
    it("pays the owner whoever calls, once, with an event", async function () {
      const b = await loadFixture(cancelledFixture);
      await expect(b.market.connect(b.keeper).refundCancelled(1n))
        .to.emit(b.market, "MarketEscrowRefunded")
        .withArgs(b.roundId, 1n, b.owners[0]!.address, ESCROW[0]);
      expect((await b.market.order(1n)).escrow).to.equal(0n);
      await expect(b.market.connect(b.owners[0]!).refundCancelled(1n))
        .to.be.revertedWithCustomError(b.market, "MarketNothingToRefund")
        .withArgs(1n);
    });

    it("has nothing to refund for a seller's order", async function () {
      const b = await loadFixture(cancelledFixture);
      await expect(b.market.refundCancelled(3n)).to.be.revertedWithCustomError(b.market, "MarketNothingToRefund").withArgs(3n);
    });

    describe("when the order was withdrawn before the cancellation", function () {
      it("has nothing left to refund", async function () {
        const b = await loadFixture(listedFixture);
        await expect(b.market.connect(b.owners[1]!).WITHDRAW(2n)).to.changeTokenBalance(b.token, b.owners[1]!, ESCROW[1]);
        await b.market.connect(b.tradingCentre).cancelRound();
        await expect(b.market.refundCancelled(2n)).to.be.revertedWithCustomError(b.market, "MarketNothingToRefund").withArgs(2n);
        await b.market.refundCancelled(1n);
        expect(await marketBalance(b)).to.equal(0n);
      });
    });

    it("refuses an order of a round that is not cancelled, and an unknown order", async function () {
      const b = await loadFixture(matchedFixture);
      await expect(b.market.refundCancelled(1n))
        .to.be.revertedWithCustomError(b.market, "MarketWrongRoundState")
        .withArgs(b.roundId, RoundState.Matched);
      await expect(b.market.refundCancelled(9n)).to.be.revertedWithCustomError(b.market, "MarketOrderNotFound").withArgs(9n);
    });

    describe("when later rounds have opened", function () {
      it("still refunds the cancelled round's orders", async function () {
        const b = await loadFixture(cancelledFixture);
        await openRound(b);
        await expect(b.market.refundCancelled(2n)).to.changeTokenBalance(b.token, b.owners[1]!, ESCROW[1]);
      });
    });
  });

  describe("sweepSurplus", function () {
    describe("when tokens were sent to the market outside PAYMENT", function () {
      it("lets the admin send exactly those tokens on, leaving every escrow in place", async function () {
        const b = await loadFixture(listedFixture);
        const stray = 7n * 10n ** 18n;
        await fund(b, b.users[8]!, stray);
        await b.token.connect(b.users[8]!).transfer(await b.market.getAddress(), stray);
        expect(await b.market.escrowHeld()).to.equal(ESCROW[0] + ESCROW[1]);
        const to = b.users[9]!;
        const tx = b.market.connect(b.admin).sweepSurplus(to.address);
        await expect(tx).to.emit(b.market, "MarketSurplusSwept").withArgs(to.address, stray);
        await expect(tx).to.changeTokenBalances(b.token, [to, b.market], [stray, -stray]);
        await expect(b.market.connect(b.admin).sweepSurplus(to.address)).to.be.revertedWithCustomError(
          b.market,
          "MarketNoSurplus",
        );
        await passDeadline(b);
        await matchAll(b);
        await b.market.connect(b.dispatch).approveMatching();
        await settleAll(b);
        expect(await marketBalance(b)).to.equal(0n);
      });
    });

    it("refuses anyone but the admin", async function () {
      const b = await loadFixture(listedFixture);
      await expect(b.market.connect(b.tradingCentre).sweepSurplus(b.tradingCentre.address))
        .to.be.revertedWithCustomError(b.market, "AccessControlUnauthorizedAccount")
        .withArgs(b.tradingCentre.address, ethers.ZeroHash);
    });
  });

  describe("no reachable state holds tokens that cannot leave", function () {
    for (const [path, fixture, leave] of [
      ["withdrawn while listing", listedFixture, async (b: Book) => {
        for (const k of [0, 1]) await b.market.connect(b.owners[k]!).WITHDRAW(b.orderIds[k]!);
      }],
      ["matched, approved and settled", settlingFixture, (b: Book) => settleAll(b).then(() => undefined)],
      ["cancelled while listing", listedFixture, async (b: Book) => {
        await b.market.connect(b.tradingCentre).cancelRound();
        await refundAll(b);
      }],
      ["cancelled while matching cannot finish", stuckFixture, async (b: Book) => {
        await b.market.connect(b.tradingCentre).cancelRound();
        await refundAll(b);
      }],
      ["cancelled once matched", matchedFixture, async (b: Book) => {
        await b.market.connect(b.tradingCentre).cancelRound();
        await refundAll(b);
      }],
      ["stalled and cancelled by a stranger", stuckFixture, async (b: Book) => {
        await toStall(b);
        await b.market.connect(b.users[13]!).cancelStalledRound();
        await refundAll(b);
      }],
      ["left unrevealed", listedFixture, async (b: Book) => {
        await time.increaseTo((await b.market.round(b.roundId)).revealDeadline);
        for (const k of [0, 1]) await b.market.connect(b.users[13]!).refundUnrevealed(b.orderIds[k]!);
      }],
      ["left unrevealed, then settled", listedFixture, async (b: Book) => {
        await time.increaseTo((await b.market.round(b.roundId)).revealDeadline);
        await matchAll(b);
        await b.market.connect(b.dispatch).approveMatching();
        await settleAll(b);
      }],
    ] as const) {
      it(`empties the market when the round is ${path}`, async function () {
        const b = await loadFixture(fixture);
        const supply = await b.token.totalSupply();
        expect(await marketBalance(b)).to.equal(ESCROW[0] + ESCROW[1]);
        expect(await b.market.escrowHeld()).to.equal(await marketBalance(b));
        await leave(b);
        expect(await marketBalance(b)).to.equal(0n);
        expect(await b.market.escrowHeld()).to.equal(0n);
        expect(await b.token.totalSupply()).to.equal(supply);
      });
    }
  });
});
