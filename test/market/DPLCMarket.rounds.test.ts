import { expect } from "chai";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  RoundState,
  b32,
  consumerOrder,
  deployMarketFixture,
  listingFixture,
  matchAll,
  passDeadline,
  settleAll,
  windOrder,
  type ListingMarket,
  list,
  revealAll,
  toRevealWindow,
} from "../helpers/fixtures";
import { MAX_MWH, MAX_PRICE, price } from "../helpers/rules";

const MAX_RATIO_BPS = 10_000_000n;

/** Round 1 with one consumer (order 1) and one wind order (order 2) that will trade 10 MWh. */
async function listedFixture(): Promise<ListingMarket> {
  const m = await listingFixture();
  await list(m, m.consumer, consumerOrder(10n, price("5"), 10n));
  await list(m, m.wind, windOrder(10n, price("1")));
  return m;
}

async function matchedFixture(): Promise<ListingMarket> {
  const m = await listedFixture();
  await passDeadline(m);
  await matchAll(m);
  return m;
}

async function settlingFixture(): Promise<ListingMarket> {
  const m = await matchedFixture();
  await m.market.connect(m.dispatch).approveMatching();
  return m;
}

async function closedFixture(): Promise<ListingMarket> {
  const m = await settlingFixture();
  await settleAll(m);
  return m;
}

async function config(m: { pricing: ListingMarket["pricing"] }, deadline: bigint) {
  return {
    deadline,
    bundlingRatioBps: 30_000n,
    windCertCost: 0n,
    thermalCertCost: 0n,
    pricing: await m.pricing["surplus-split"].getAddress(),
    minOrderMwh: 1n,
    revealSeconds: 3_600,
  };
}

describe("DPLCMarket: rounds", function () {
  describe("deployment", function () {
    it("wires the token, registry and grid and grants the operator roles", async function () {
      const m = await loadFixture(deployMarketFixture);
      expect(await m.market.components()).to.deep.equal([
        await m.token.getAddress(),
        await m.registry.getAddress(),
        await m.grid.getAddress(),
      ]);
      expect(await m.market.hasRole(await m.market.DEFAULT_ADMIN_ROLE(), m.admin.address)).to.equal(true);
      expect(await m.market.hasRole(await m.market.TRADING_CENTRE_ROLE(), m.tradingCentre.address)).to.equal(true);
      expect(await m.market.hasRole(await m.market.DISPATCH_ROLE(), m.dispatch.address)).to.equal(true);
    });

    it("has no round yet", async function () {
      const m = await loadFixture(deployMarketFixture);
      expect(await m.market.currentRound()).to.equal(0n);
      const r = await m.market.round(0n);
      expect(r.state).to.equal(RoundState.None);
      expect(r.listing).to.equal(false);
    });
  });

  describe("openRound", function () {
    it("opens round 1 with the given configuration", async function () {
      const m = await loadFixture(deployMarketFixture);
      const deadline = BigInt(await time.latest()) + 600n;
      const pricing = await m.pricing["paper-table"].getAddress();
      const cfg = { deadline, bundlingRatioBps: 25_000n, windCertCost: 7n, thermalCertCost: 9n, pricing, minOrderMwh: 5n, revealSeconds: 900 };
      expect(await m.market.connect(m.tradingCentre).openRound.staticCall(cfg)).to.equal(1n);
      await expect(m.market.connect(m.tradingCentre).openRound(cfg))
        .to.emit(m.market, "MarketRoundOpened")
        .withArgs(1n, deadline, 25_000n, pricing);
      expect(await m.market.currentRound()).to.equal(1n);
      const r = await m.market.round(1n);
      expect(r.state).to.equal(RoundState.Open);
      expect(r.listing).to.equal(true);
      expect([r.deadline, r.bundlingRatioBps, r.windCertCost, r.thermalCertCost, r.pricing, r.minOrderMwh]).to.deep.equal([
        deadline,
        25_000n,
        7n,
        9n,
        pricing,
        5n,
      ]);
      expect([r.firstOrderId, r.endOrderId, r.windTotalMwh, r.thermalTotalMwh]).to.deep.equal([1n, 1n, 0n, 0n]);
      expect([r.tradeCount, r.settledTrades, r.gridFees]).to.deep.equal([0n, 0n, 0n]);
    });

    it("accepts the largest ratio and certificate costs", async function () {
      const m = await loadFixture(deployMarketFixture);
      const cfg = {
        ...(await config(m, BigInt(await time.latest()) + 600n)),
        bundlingRatioBps: MAX_RATIO_BPS,
        windCertCost: MAX_PRICE,
        thermalCertCost: MAX_PRICE,
      };
      await expect(m.market.connect(m.tradingCentre).openRound(cfg)).to.emit(m.market, "MarketRoundOpened");
    });

    it("refuses anyone but the trading centre", async function () {
      const m = await loadFixture(deployMarketFixture);
      const cfg = await config(m, BigInt(await time.latest()) + 600n);
      await expect(m.market.connect(m.dispatch).openRound(cfg))
        .to.be.revertedWithCustomError(m.market, "AccessControlUnauthorizedAccount")
        .withArgs(m.dispatch.address, await m.market.TRADING_CENTRE_ROLE());
    });

    it("refuses a deadline that is not in the future", async function () {
      const m = await loadFixture(deployMarketFixture);
      const next = BigInt(await time.latest()) + 10n;
      await time.setNextBlockTimestamp(next);
      await expect(m.market.connect(m.tradingCentre).openRound(await config(m, next)))
        .to.be.revertedWithCustomError(m.market, "MarketInvalidDeadline")
        .withArgs(next);
      await time.setNextBlockTimestamp(next + 1n);
      await expect(m.market.connect(m.tradingCentre).openRound(await config(m, next + 2n))).to.emit(
        m.market,
        "MarketRoundOpened",
      );
    });

    it("refuses a bundling ratio above 1000", async function () {
      const m = await loadFixture(deployMarketFixture);
      const cfg = await config(m, BigInt(await time.latest()) + 600n);
      await expect(m.market.connect(m.tradingCentre).openRound({ ...cfg, bundlingRatioBps: MAX_RATIO_BPS + 1n }))
        .to.be.revertedWithCustomError(m.market, "MarketInvalidRoundConfig")
        .withArgs(b32("bundlingRatioBps"));
    });

    it("refuses a minimum order size of 0 MWh or above the quantity bound", async function () {
      const m = await loadFixture(deployMarketFixture);
      const cfg = await config(m, BigInt(await time.latest()) + 600n);
      for (const minOrderMwh of [0n, MAX_MWH + 1n]) {
        await expect(m.market.connect(m.tradingCentre).openRound({ ...cfg, minOrderMwh }))
          .to.be.revertedWithCustomError(m.market, "MarketInvalidRoundConfig")
          .withArgs(b32("minOrderMwh"));
      }
      await expect(m.market.connect(m.tradingCentre).openRound({ ...cfg, minOrderMwh: MAX_MWH })).to.emit(
        m.market,
        "MarketRoundOpened",
      );
    });

    it("refuses certificate costs above the price bound", async function () {
      const m = await loadFixture(deployMarketFixture);
      const cfg = await config(m, BigInt(await time.latest()) + 600n);
      await expect(m.market.connect(m.tradingCentre).openRound({ ...cfg, windCertCost: MAX_PRICE + 1n }))
        .to.be.revertedWithCustomError(m.market, "MarketInvalidRoundConfig")
        .withArgs(b32("windCertCost"));
      await expect(m.market.connect(m.tradingCentre).openRound({ ...cfg, thermalCertCost: MAX_PRICE + 1n }))
        .to.be.revertedWithCustomError(m.market, "MarketInvalidRoundConfig")
        .withArgs(b32("thermalCertCost"));
    });

    for (const [stage, fixture] of [
      ["open", listedFixture],
      ["matched", matchedFixture],
      ["settling", settlingFixture],
    ] as const) {
      describe(`when the current round is ${stage}`, function () {
        it("refuses to open another", async function () {
          const m = await loadFixture(fixture);
          const cfg = await config(m, BigInt(await time.latest()) + 600n);
          await expect(m.market.connect(m.tradingCentre).openRound(cfg))
            .to.be.revertedWithCustomError(m.market, "MarketRoundInProgress")
            .withArgs(1n);
        });
      });
    }

    describe("when the current round is closed", function () {
      it("opens the next one, continuing the order ids", async function () {
        const m = await loadFixture(closedFixture);
        const cfg = await config(m, BigInt(await time.latest()) + 600n);
        await expect(m.market.connect(m.tradingCentre).openRound(cfg))
          .to.emit(m.market, "MarketRoundOpened")
          .withArgs(2n, cfg.deadline, 30_000n, cfg.pricing);
        const r = await m.market.round(2n);
        expect([r.state, r.firstOrderId, r.endOrderId]).to.deep.equal([RoundState.Open, 3n, 3n]);
        await expect(list(m, m.wind, windOrder(1n, 1n)))
          .to.emit(m.market, "MarketOrderListed")
          .withArgs(2n, 3n, m.wind.address, 2n, anyValue, 0n);
        // The closed round keeps its record.
        expect((await m.market.round(1n)).state).to.equal(RoundState.Closed);
      });
    });
  });

  describe("the listing flag", function () {
    it("turns off at the deadline", async function () {
      const m = await loadFixture(listedFixture);
      await time.increaseTo(m.deadline - 1n);
      expect((await m.market.round(1n)).listing).to.equal(true);
      await time.increaseTo(m.deadline);
      expect((await m.market.round(1n)).listing).to.equal(false);
      expect((await m.market.round(1n)).state).to.equal(RoundState.Open);
    });
  });

  describe("matchOrders", function () {
    it("refuses a zero step budget", async function () {
      const m = await loadFixture(listedFixture);
      await passDeadline(m);
      await expect(m.market.matchOrders(0n)).to.be.revertedWithCustomError(m.market, "MarketZeroSteps");
    });

    it("refuses when no round exists", async function () {
      const m = await loadFixture(deployMarketFixture);
      await expect(m.market.matchOrders(1n))
        .to.be.revertedWithCustomError(m.market, "MarketWrongRoundState")
        .withArgs(0n, RoundState.None);
    });

    describe("before the reveal deadline", function () {
      it("refuses to match, while listing and while revealing", async function () {
        const m = await loadFixture(listedFixture);
        const end = (await m.market.round(1n)).revealDeadline;
        await time.setNextBlockTimestamp(m.deadline - 1n);
        await expect(m.market.connect(m.keeper).matchOrders(100n))
          .to.be.revertedWithCustomError(m.market, "MarketRevealOpen")
          .withArgs(1n, end);
        await time.setNextBlockTimestamp(end - 1n);
        await expect(m.market.connect(m.keeper).matchOrders(100n))
          .to.be.revertedWithCustomError(m.market, "MarketRevealOpen")
          .withArgs(1n, end);
      });
    });

    describe("at the reveal deadline", function () {
      it("lets anyone match and completes the round's matching", async function () {
        const m = await loadFixture(listedFixture);
        await toRevealWindow(m);
        await revealAll(m);
        await time.setNextBlockTimestamp((await m.market.round(1n)).revealDeadline);
        const tx = m.market.connect(m.stranger).matchOrders(100n);
        await expect(tx).to.emit(m.market, "MarketMatchingCompleted").withArgs(1n, 1n, 10n, 0n);
        expect((await m.market.round(1n)).state).to.equal(RoundState.Matched);
      });
    });

    describe("when the round has no orders", function () {
      it("completes with no trades after one step per phase", async function () {
        const m = await loadFixture(listingFixture);
        await passDeadline(m);
        // Step 1 ends the wind phase (the empty trim costs nothing); step 2 ends the thermal phase.
        expect(await m.market.matchOrders.staticCall(1n)).to.equal(false);
        await expect(m.market.matchOrders(1n)).not.to.emit(m.market, "MarketMatchingCompleted");
        expect((await m.market.round(1n)).state).to.equal(RoundState.Open);
        expect(await m.market.matchOrders.staticCall(1n)).to.equal(true);
        await expect(m.market.matchOrders(1n)).to.emit(m.market, "MarketMatchingCompleted").withArgs(1n, 0n, 0n, 0n);
      });
    });

    describe("when matching is complete", function () {
      it("refuses to match again", async function () {
        const m = await loadFixture(matchedFixture);
        await expect(m.market.matchOrders(1n))
          .to.be.revertedWithCustomError(m.market, "MarketWrongRoundState")
          .withArgs(1n, RoundState.Matched);
      });
    });
  });

  describe("approveMatching", function () {
    it("lets the dispatch centre approve a matched round", async function () {
      const m = await loadFixture(matchedFixture);
      await expect(m.market.connect(m.dispatch).approveMatching())
        .to.emit(m.market, "MarketMatchingApproved")
        .withArgs(1n, m.dispatch.address);
      expect((await m.market.round(1n)).state).to.equal(RoundState.Settling);
    });

    it("refuses anyone but the dispatch centre", async function () {
      const m = await loadFixture(matchedFixture);
      await expect(m.market.connect(m.tradingCentre).approveMatching())
        .to.be.revertedWithCustomError(m.market, "AccessControlUnauthorizedAccount")
        .withArgs(m.tradingCentre.address, await m.market.DISPATCH_ROLE());
    });

    it("refuses before matching completed", async function () {
      const m = await loadFixture(listedFixture);
      await expect(m.market.connect(m.dispatch).approveMatching())
        .to.be.revertedWithCustomError(m.market, "MarketWrongRoundState")
        .withArgs(1n, RoundState.Open);
    });

    it("refuses a second approval", async function () {
      const m = await loadFixture(settlingFixture);
      await expect(m.market.connect(m.dispatch).approveMatching())
        .to.be.revertedWithCustomError(m.market, "MarketWrongRoundState")
        .withArgs(1n, RoundState.Settling);
    });
  });

  describe("TRANS", function () {
    it("refuses a zero step budget", async function () {
      const m = await loadFixture(settlingFixture);
      await expect(m.market.TRANS(0n)).to.be.revertedWithCustomError(m.market, "MarketZeroSteps");
    });

    it("refuses before the dispatch centre approved", async function () {
      const m = await loadFixture(matchedFixture);
      await expect(m.market.TRANS(10n))
        .to.be.revertedWithCustomError(m.market, "MarketWrongRoundState")
        .withArgs(1n, RoundState.Matched);
    });

    it("lets anyone settle an approved round and closes it", async function () {
      const m = await loadFixture(settlingFixture);
      expect(await m.market.connect(m.stranger).TRANS.staticCall(10n)).to.equal(true);
      await expect(m.market.connect(m.stranger).TRANS(10n)).to.emit(m.market, "MarketRoundSettled");
      expect((await m.market.round(1n)).state).to.equal(RoundState.Closed);
    });

    describe("when the round is closed", function () {
      it("refuses to settle again", async function () {
        const m = await loadFixture(closedFixture);
        await expect(m.market.TRANS(10n))
          .to.be.revertedWithCustomError(m.market, "MarketWrongRoundState")
          .withArgs(1n, RoundState.Closed);
      });
    });
  });

  describe("views", function () {
    it("refuses an unknown order", async function () {
      const m = await loadFixture(listedFixture);
      await expect(m.market.order(3n)).to.be.revertedWithCustomError(m.market, "MarketOrderNotFound").withArgs(3n);
      await expect(m.market.order(0n)).to.be.revertedWithCustomError(m.market, "MarketOrderNotFound").withArgs(0n);
    });

    it("refuses an unknown trade", async function () {
      const m = await loadFixture(matchedFixture);
      expect((await m.market.trade(1n, 0n)).mwh).to.equal(10n);
      await expect(m.market.trade(1n, 1n)).to.be.revertedWithCustomError(m.market, "MarketTradeNotFound").withArgs(1n);
      await expect(m.market.trade(2n, 0n)).to.be.revertedWithCustomError(m.market, "MarketTradeNotFound").withArgs(0n);
    });
  });

  it("lets the admin grant the operator roles", async function () {
    const m = await loadFixture(deployMarketFixture);
    const who = m.users[0]!;
    await expect(m.market.connect(m.admin).grantRole(await m.market.DISPATCH_ROLE(), who.address))
      .to.emit(m.market, "RoleGranted")
      .withArgs(await m.market.DISPATCH_ROLE(), who.address, m.admin.address);
    await expect(m.market.connect(who).grantRole(await m.market.DISPATCH_ROLE(), who.address))
      .to.be.revertedWithCustomError(m.market, "AccessControlUnauthorizedAccount")
      .withArgs(who.address, ethers.ZeroHash);
  });
});
