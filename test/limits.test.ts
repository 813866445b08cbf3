import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { encodeBytes32String } from "ethers";
import { MAX_CODE_BYTES, MAX_REGIONS } from "../src/limits";
import { MAX_MWH, MAX_PRICE, MAX_RATIO_BPS } from "../src/units";
import { b32, consumerOrder, deployMarketFixture, fund, join, Kind, list, openRound, reveal, setPairs, toRevealWindow } from "./helpers/fixtures";

/**
 * src/limits.ts and src/units.ts mirror what the contracts accept, so that a market directory or a task argument is
 * refused before anything is deployed. Each bound is checked here against the contracts at the bound and one past it.
 */
describe("limits mirrored from the contracts (src/limits.ts, src/units.ts)", function () {
  it("MAX_REGIONS: the grid takes that many regions and refuses one more", async function () {
    const sys = await loadFixture(deployMarketFixture);
    const regions = Array.from({ length: MAX_REGIONS }, (_, k) => `R${k + 1}`);
    await setPairs(sys, regions.map((r) => ({ seller: r, buyer: r })));
    await expect(setPairs(sys, [{ seller: "R1", buyer: "R99" }]))
      .to.be.revertedWithCustomError(sys.grid, "GridTooManyRegions")
      .withArgs(b32("R99"));
  });

  it("MAX_RATIO_BPS: a round opens at that bundling ratio and is refused one basis point above", async function () {
    const sys = await loadFixture(deployMarketFixture);
    await expect(openRound(sys, { bundlingRatioBps: MAX_RATIO_BPS + 1n }))
      .to.be.revertedWithCustomError(sys.market, "MarketInvalidRoundConfig")
      .withArgs(b32("bundlingRatioBps"));
    await openRound(sys, { bundlingRatioBps: MAX_RATIO_BPS });
    expect((await sys.market.round(1n)).bundlingRatioBps).to.equal(MAX_RATIO_BPS);
  });

  it("a bid must be at least 1 and at most MAX_PRICE; a quantity at most MAX_MWH", async function () {
    const sys = await loadFixture(deployMarketFixture);
    const [buyer] = sys.users;
    await setPairs(sys, [{ seller: "A", buyer: "B" }]);
    await join(sys, buyer!, Kind.Consumer, "B");
    await fund(sys, buyer!, 1n);
    await openRound(sys);
    const market = sys.market.connect(buyer!);
    const orders: bigint[] = [];
    const cases = [
      [consumerOrder(1n, 0n), "price", 0n],
      [consumerOrder(1n, MAX_PRICE + 1n), "price", MAX_PRICE + 1n],
      [consumerOrder(MAX_MWH + 1n, 1n), "quantityMwh", MAX_MWH + 1n],
    ] as const;
    // Fields are checked when the order is revealed; the escrow of 1 wei is below any valid liability anyway.
    for (const [order] of cases) {
      await (await list(sys, buyer!, order, { escrow: 1n })).wait();
      orders.push((await sys.market.round(await sys.market.currentRound())).endOrderId - 1n);
    }
    await toRevealWindow(sys);
    for (const [k, [, field, value]] of cases.entries()) {
      await expect(reveal(sys, orders[k]!)).to.be.revertedWithCustomError(sys.market, "MarketInvalidOrder").withArgs(b32(field), value);
    }
  });

  it("MAX_CODE_BYTES: the longest text a bytes32 code holds and decodes back", function () {
    expect(() => encodeBytes32String("x".repeat(MAX_CODE_BYTES))).not.to.throw();
    expect(() => encodeBytes32String("x".repeat(MAX_CODE_BYTES + 1))).to.throw(/less than 32 bytes/);
  });
});
