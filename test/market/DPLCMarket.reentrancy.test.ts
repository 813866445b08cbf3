import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { MaxUint256 } from "ethers";
import {
  DPLCMarket__factory,
  DPLCRegistry__factory,
  GridParameters__factory,
  Matching__factory,
  ReentrantToken__factory,
  SurplusSplitPricing__factory,
} from "../../typechain-types";
import { Kind, b32, consumerOrder, list, passDeadline, windOrder } from "../helpers/fixtures";
import { UNLIMITED, amount, price } from "../helpers/rules";

/** A market whose settlement token calls back into the market when armed. */
async function reentrantMarketFixture() {
  const [admin, tradingCentre, dispatch, gridCompany, consumer, wind] = await ethers.getSigners();
  const token = await new ReentrantToken__factory(admin).deploy();
  const registry = await new DPLCRegistry__factory(admin).deploy(admin.address, tradingCentre.address);
  const grid = await new GridParameters__factory(admin).deploy(admin.address, gridCompany.address);
  const matching = await new Matching__factory(admin).deploy();
  const libraries = { "contracts/libraries/Matching.sol:Matching": await matching.getAddress() };
  const market = await new DPLCMarket__factory(libraries, admin).deploy(
    await token.getAddress(),
    await registry.getAddress(),
    await grid.getAddress(),
    admin.address,
  );
  const pricing = await new SurplusSplitPricing__factory(admin).deploy();
  await market.setPricingRule(await pricing.getAddress(), true);
  await market.grantRole(await market.TRADING_CENTRE_ROLE(), tradingCentre.address);
  await market.grantRole(await market.DISPATCH_ROLE(), dispatch.address);
  await grid.connect(gridCompany).setPair(b32("A"), b32("A"), 0n, 0n, UNLIMITED);
  for (const [who, kind] of [
    [consumer, Kind.Consumer],
    [wind, Kind.Wind],
  ] as const) {
    await registry.connect(who).Regis(kind, b32("A"), b32("code"));
    await registry.connect(tradingCentre).approve(who.address);
  }
  await token.mint(consumer.address, amount(price("10"), 1_000n));
  await token.connect(consumer).approve(await market.getAddress(), MaxUint256);
  const deadline = BigInt(await time.latest()) + 3_600n;
  await market.connect(tradingCentre).openRound({
    deadline,
    bundlingRatioBps: 30_000,
    windCertCost: 0n,
    thermalCertCost: 0n,
    pricing: await pricing.getAddress(),
    minOrderMwh: 1n,
    revealSeconds: 3_600,
  });
  return { token, market, registry, dispatch, consumer, wind, deadline };
}

type ReentrantMarket = Awaited<ReturnType<typeof reentrantMarketFixture>>;

/** The consumer bids for 10 MWh at 10, the wind seller offers `windMwh` at 4; matched and approved (one trade). */
async function approvedRound(m: ReentrantMarket, windMwh: bigint): Promise<void> {
  await list(m, m.consumer, consumerOrder(10n, price("10"), 10n));
  await list(m, m.wind, windOrder(windMwh, price("4")));
  await passDeadline(m);
  await m.market.matchOrders(100n);
  await m.market.connect(m.dispatch).approveMatching();
}

describe("DPLCMarket: reentrancy", function () {
  it("refuses reentry from the escrow transfer of PAYMENT", async function () {
    const m = await loadFixture(reentrantMarketFixture);
    await m.token.arm(await m.market.getAddress(), m.market.interface.encodeFunctionData("WITHDRAW", [1n]));
    await expect(list(m, m.consumer, consumerOrder(10n, price("10"), 10n))).to.be.revertedWithCustomError(
      m.market,
      "ReentrancyGuardReentrantCall",
    );
  });

  it("refuses reentry from the refund of WITHDRAW", async function () {
    const m = await loadFixture(reentrantMarketFixture);
    await list(m, m.consumer, consumerOrder(10n, price("10"), 10n));
    await m.token.arm(
      await m.market.getAddress(),
      m.market.interface.encodeFunctionData("PAYMENT", [ethers.id("sealed"), 0n]),
    );
    await expect(m.market.connect(m.consumer).WITHDRAW(1n)).to.be.revertedWithCustomError(
      m.market,
      "ReentrancyGuardReentrantCall",
    );
    expect((await m.market.order(1n)).active).to.equal(true);
  });

  it("refuses reentry from the refund of refundUnrevealed, then refunds once", async function () {
    const m = await loadFixture(reentrantMarketFixture);
    await list(m, m.consumer, consumerOrder(10n, price("10"), 10n));
    const escrow = (await m.market.order(1n)).escrow;
    await time.increaseTo((await m.market.round(1n)).revealDeadline);
    await m.token.arm(await m.market.getAddress(), m.market.interface.encodeFunctionData("refundUnrevealed", [1n]));
    await expect(m.market.refundUnrevealed(1n)).to.be.revertedWithCustomError(m.market, "ReentrancyGuardReentrantCall");
    expect((await m.market.order(1n)).escrow).to.equal(escrow);
    await m.token.arm(ethers.ZeroAddress, "0x");
    await expect(m.market.refundUnrevealed(1n)).to.changeTokenBalance(m.token, m.consumer, escrow);
  });

  it("refuses reentry from a payment of TRANS", async function () {
    const m = await loadFixture(reentrantMarketFixture);
    await approvedRound(m, 10n);
    await m.token.arm(await m.market.getAddress(), m.market.interface.encodeFunctionData("TRANS", [1n]));
    await expect(m.market.TRANS(1n)).to.be.revertedWithCustomError(m.market, "ReentrancyGuardReentrantCall");
    expect((await m.market.round(1n)).settledTrades).to.equal(0n);
    // Disarmed, the same call settles.
    await m.token.arm(ethers.ZeroAddress, "0x");
    await expect(m.market.TRANS(1n)).to.emit(m.market, "MarketTradeSettled");
  });

  it("refuses reentry from an escrow refund of TRANS, then refunds once", async function () {
    const m = await loadFixture(reentrantMarketFixture);
    // 4 MWh sold of 10 bid for: the consumer's escrow for the other 6 MWh comes back as a refund.
    await approvedRound(m, 4n);
    await m.market.TRANS(1n);
    const refund = (await m.market.order(1n)).escrow;
    expect(refund).to.be.greaterThan(0n);
    await m.token.arm(await m.market.getAddress(), m.market.interface.encodeFunctionData("TRANS", [1n]));
    await expect(m.market.TRANS(1n)).to.be.revertedWithCustomError(m.market, "ReentrancyGuardReentrantCall");
    expect((await m.market.order(1n)).escrow).to.equal(refund);
    await m.token.arm(ethers.ZeroAddress, "0x");
    await expect(m.market.TRANS(10n)).to.changeTokenBalance(m.token, m.consumer, refund);
    expect((await m.market.round(1n)).state).to.equal(4n); // Closed
    expect(await m.token.balanceOf(await m.market.getAddress())).to.equal(0n);
  });
});
