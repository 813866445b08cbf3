import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { b32, consumerOrder, list, listingFixture, matchAll, passDeadline, reveal, toRevealWindow, windOrder, type ListingMarket } from "../helpers/fixtures";
import { amount, price } from "../helpers/rules";

const BID = price("5");
const ESCROW = amount(BID, 10n);

/** Round 1: the consumer's order 1 (10 MWh at 5) and the wind seller's order 2. */
async function listedFixture(): Promise<ListingMarket> {
  const m = await listingFixture();
  await list(m, m.consumer, consumerOrder(10n, BID, 10n));
  await list(m, m.wind, windOrder(10n, price("1")));
  return m;
}

/** The same; then the consumer is revoked. */
async function revokedFixture(): Promise<ListingMarket> {
  const m = await listedFixture();
  await m.registry.connect(m.tradingCentre).revoke(m.consumer.address, b32("fraud"));
  return m;
}

describe("DPLCMarket: revoked participants", function () {
  describe("when the trading centre revoked an approved participant", function () {
    it("refuses its new listings", async function () {
      // The finding: an approved participant could never be revoked (`reject` gave RegistryNotPending).
      const m = await loadFixture(revokedFixture);
      expect(await m.registry.isApproved(m.consumer.address)).to.equal(false);
      await expect(list(m, m.consumer, consumerOrder(1n, BID, 0n)))
        .to.be.revertedWithCustomError(m.market, "MarketNotApproved")
        .withArgs(m.consumer.address);
    });

    it("lets anyone remove its open order while listing, refunding the escrow in full to it", async function () {
      const m = await loadFixture(revokedFixture);
      const tx = m.market.connect(m.stranger).removeRevoked(1n);
      await expect(tx).to.emit(m.market, "MarketOrderWithdrawn").withArgs(m.roundId, 1n, m.consumer.address, ESCROW);
      await expect(tx).to.changeTokenBalances(m.token, [m.consumer, m.stranger, m.market], [ESCROW, 0n, -ESCROW]);
      expect((await m.market.order(1n)).active).to.equal(false);
      await expect(m.market.removeRevoked(1n)).to.be.revertedWithCustomError(m.market, "MarketOrderInactive").withArgs(1n);
    });

    it("still lets it withdraw its order itself", async function () {
      const m = await loadFixture(revokedFixture);
      await expect(m.market.connect(m.consumer).WITHDRAW(1n)).to.changeTokenBalance(m.token, m.consumer, ESCROW);
    });

    describe("when the deadline has passed", function () {
      it("no longer removes the order, but the owner cannot reveal it: it drops out, refunded in full", async function () {
        const m = await loadFixture(revokedFixture);
        await toRevealWindow(m);
        await expect(m.market.removeRevoked(1n))
          .to.be.revertedWithCustomError(m.market, "MarketListingClosed")
          .withArgs(m.roundId, m.deadline);
        await expect(reveal(m, 1n)).to.be.revertedWithCustomError(m.market, "MarketNotApproved").withArgs(m.consumer.address);
        await reveal(m, 2n);
        await time.increaseTo((await m.market.round(m.roundId)).revealDeadline);
        await expect(m.market.refundUnrevealed(1n)).to.changeTokenBalance(m.token, m.consumer, ESCROW);
        await matchAll(m);
        expect((await m.market.round(m.roundId)).tradeCount).to.equal(0n);
      });

      it("keeps an order revealed before the revocation in matching (or the trading centre cancels the round)", async function () {
        const m = await loadFixture(listedFixture);
        await toRevealWindow(m);
        await reveal(m, 1n);
        await m.registry.connect(m.tradingCentre).revoke(m.consumer.address, b32("late"));
        await passDeadline(m);
        await matchAll(m);
        expect((await m.market.round(m.roundId)).tradeCount).to.equal(1n);
      });
    });
  });

  describe("when the owner is still approved", function () {
    it("refuses to remove its order", async function () {
      const m = await loadFixture(revokedFixture);
      await expect(m.market.connect(m.consumer).removeRevoked(2n))
        .to.be.revertedWithCustomError(m.market, "MarketOwnerStillApproved")
        .withArgs(2n, m.wind.address);
    });
  });

  it("refuses an unknown order", async function () {
    const m = await loadFixture(revokedFixture);
    await expect(m.market.removeRevoked(7n)).to.be.revertedWithCustomError(m.market, "MarketOrderNotFound").withArgs(7n);
  });
});
