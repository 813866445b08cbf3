import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, id } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { DPLCToken__factory, type DPLCToken } from "../../typechain-types";
import { WAD } from "../helpers/rules";

const RECEIPT = id("receipt-1");
const DELAY = 7n * 24n * 3600n;

async function tokenFixture() {
  const [admin, cashier, alice, bob, other] = await ethers.getSigners();
  const token = await new DPLCToken__factory(admin).deploy(admin.address, cashier.address);
  return { token, admin, cashier, alice, bob, other };
}

async function fundedFixture() {
  const f = await tokenFixture();
  // 100 RMB at the default 10 tokens per RMB = 1000 tokens.
  await f.token.connect(f.cashier).deposit(f.alice.address, 100n * WAD, RECEIPT);
  return f;
}

/** Announces `rate` and waits out the delay, so it is in force. */
async function setRate(token: DPLCToken, admin: HardhatEthersSigner, rate: bigint): Promise<void> {
  await token.connect(admin).scheduleTokensPerRmb(rate);
  await time.increase(DELAY);
}

describe("DPLCToken", function () {
  describe("deployment", function () {
    it("is an 18-decimal ERC-20 named DPLC with a rate of 10 tokens per RMB", async function () {
      const { token } = await loadFixture(tokenFixture);
      expect(await token.name()).to.equal("DPLC Token");
      expect(await token.symbol()).to.equal("DPLC");
      expect(await token.decimals()).to.equal(18n);
      expect(await token.totalSupply()).to.equal(0n);
      expect(await token.tokensPerRmb()).to.equal(10n * WAD);
    });

    it("grants the admin and cashier roles and announces the initial rate", async function () {
      const { token, admin, cashier } = await loadFixture(tokenFixture);
      expect(await token.hasRole(await token.DEFAULT_ADMIN_ROLE(), admin.address)).to.equal(true);
      expect(await token.hasRole(await token.CASHIER_ROLE(), cashier.address)).to.equal(true);
      await expect(token.deploymentTransaction())
        .to.emit(token, "DPLCTokenRateChanged")
        .withArgs(0n, 10n * WAD);
    });

    it("refuses a zero admin", async function () {
      const { token, admin, cashier } = await loadFixture(tokenFixture);
      await expect(new DPLCToken__factory(admin).deploy(ZeroAddress, cashier.address)).to.be.revertedWithCustomError(
        token,
        "DPLCTokenZeroAccount",
      );
    });

    describe("when the cashier is the zero address", function () {
      it("deploys without any cashier", async function () {
        const { admin } = await loadFixture(tokenFixture);
        const token = await new DPLCToken__factory(admin).deploy(admin.address, ZeroAddress);
        expect(await token.hasRole(await token.CASHIER_ROLE(), ZeroAddress)).to.equal(false);
        await expect(token.connect(admin).deposit(admin.address, WAD, RECEIPT))
          .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
          .withArgs(admin.address, await token.CASHIER_ROLE());
      });
    });
  });

  describe("scheduleTokensPerRmb", function () {
    it("lets the admin announce a rate that takes effect after the delay, with events", async function () {
      const { token, admin } = await loadFixture(tokenFixture);
      expect(await token.RATE_CHANGE_DELAY()).to.equal(DELAY);
      const now = BigInt(await time.latest());
      await time.setNextBlockTimestamp(now + 1n);
      await expect(token.connect(admin).scheduleTokensPerRmb(7n * WAD))
        .to.emit(token, "DPLCTokenRateScheduled")
        .withArgs(10n * WAD, 7n * WAD, now + 1n + DELAY);
      expect(await token.tokensPerRmb()).to.equal(10n * WAD);
      expect(await token.pendingTokensPerRmb()).to.deep.equal([7n * WAD, now + 1n + DELAY]);
      await time.increaseTo(now + DELAY);
      expect(await token.tokensPerRmb()).to.equal(10n * WAD);
      await time.increaseTo(now + 1n + DELAY);
      expect(await token.tokensPerRmb()).to.equal(7n * WAD);
      expect(await token.pendingTokensPerRmb()).to.deep.equal([0n, 0n]);
    });

    it("refuses a zero rate", async function () {
      const { token, admin } = await loadFixture(tokenFixture);
      await expect(token.connect(admin).scheduleTokensPerRmb(0n)).to.be.revertedWithCustomError(token, "DPLCTokenZeroRate");
    });

    it("refuses anyone but the admin", async function () {
      const { token, cashier } = await loadFixture(tokenFixture);
      await expect(token.connect(cashier).scheduleTokensPerRmb(WAD))
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
        .withArgs(cashier.address, await token.DEFAULT_ADMIN_ROLE());
    });

    describe("when a holder redeems right after the announcement", function () {
      it("burns at the old rate: 50 RMB cost 500 tokens, not 1,000", async function () {
        // The finding: the change applied at once, so redeeming just before it paid 500 and just after 1,000.
        const { token, admin, alice } = await loadFixture(fundedFixture);
        await token.connect(admin).scheduleTokensPerRmb(20n * WAD);
        await expect(token.connect(alice).redeem(50n * WAD)).to.changeTokenBalance(token, alice, -500n * WAD);
      });
    });

    describe("when the announced rate is in effect", function () {
      it("applies it to deposits and redemptions, and the first of them emits the change", async function () {
        const { token, admin, cashier, alice } = await loadFixture(fundedFixture);
        await token.connect(admin).scheduleTokensPerRmb(2n * WAD);
        await time.increase(DELAY);
        // 5 RMB at 2 tokens per RMB = 10 tokens.
        const tx = token.connect(cashier).deposit(alice.address, 5n * WAD, id("receipt-2"));
        await expect(tx).to.emit(token, "DPLCTokenRateChanged").withArgs(10n * WAD, 2n * WAD);
        await expect(tx).to.changeTokenBalances(token, [alice], [10n * WAD]);
        // Redeeming 3 RMB burns 6 tokens; the change was already recorded.
        const redeem = token.connect(alice).redeem(3n * WAD);
        await expect(redeem).to.changeTokenBalances(token, [alice], [-6n * WAD]);
        await expect(redeem).not.to.emit(token, "DPLCTokenRateChanged");
        expect(await token.rmbToTokens(WAD)).to.equal(2n * WAD);
      });
    });

    describe("when a change is announced again before it took effect", function () {
      it("replaces it, with a fresh delay", async function () {
        const { token, admin } = await loadFixture(tokenFixture);
        await token.connect(admin).scheduleTokensPerRmb(7n * WAD);
        await time.increase(DELAY / 2n);
        await token.connect(admin).scheduleTokensPerRmb(10n * WAD);
        await time.increase(DELAY / 2n + 1n);
        expect(await token.tokensPerRmb()).to.equal(10n * WAD);
      });
    });

    describe("when a change is announced after an earlier one took effect unnoticed", function () {
      it("puts the earlier one in force first", async function () {
        const { token, admin } = await loadFixture(tokenFixture);
        await token.connect(admin).scheduleTokensPerRmb(7n * WAD);
        await time.increase(DELAY);
        const tx = token.connect(admin).scheduleTokensPerRmb(3n * WAD);
        await expect(tx).to.emit(token, "DPLCTokenRateChanged").withArgs(10n * WAD, 7n * WAD);
        await expect(tx).to.emit(token, "DPLCTokenRateScheduled");
        expect(await token.tokensPerRmb()).to.equal(7n * WAD);
      });
    });
  });

  describe("deposit", function () {
    it("mints rmb × rate to the depositor and records the receipt", async function () {
      const { token, cashier, alice } = await loadFixture(tokenFixture);
      // 12.5 RMB × 10 = 125 tokens.
      const rmb = 125n * WAD / 10n;
      expect(await token.connect(cashier).deposit.staticCall(alice.address, rmb, RECEIPT)).to.equal(125n * WAD);
      const tx = token.connect(cashier).deposit(alice.address, rmb, RECEIPT);
      await expect(tx).to.emit(token, "DPLCTokenDeposited").withArgs(alice.address, RECEIPT, rmb, 125n * WAD);
      await expect(tx).to.changeTokenBalances(token, [alice, cashier], [125n * WAD, 0n]);
      expect(await token.totalSupply()).to.equal(125n * WAD);
    });

    it("converts each receipt only once", async function () {
      const { token, cashier, alice, bob } = await loadFixture(fundedFixture);
      await expect(token.connect(cashier).deposit(bob.address, WAD, RECEIPT))
        .to.be.revertedWithCustomError(token, "DPLCTokenDuplicateReceipt")
        .withArgs(RECEIPT);
      expect(await token.balanceOf(alice.address)).to.equal(1000n * WAD);
    });

    it("refuses the zero account", async function () {
      const { token, cashier } = await loadFixture(tokenFixture);
      await expect(token.connect(cashier).deposit(ZeroAddress, WAD, RECEIPT)).to.be.revertedWithCustomError(
        token,
        "DPLCTokenZeroAccount",
      );
    });

    it("refuses a zero RMB amount", async function () {
      const { token, cashier, alice } = await loadFixture(tokenFixture);
      await expect(token.connect(cashier).deposit(alice.address, 0n, RECEIPT)).to.be.revertedWithCustomError(
        token,
        "DPLCTokenZeroAmount",
      );
    });

    describe("when the deposit is worth less than one token wei", function () {
      it("refuses it and leaves the receipt unused", async function () {
        const { token, admin, cashier, alice } = await loadFixture(tokenFixture);
        // 1 wei of token per RMB: 0.5 RMB (5e17) × 1 / 1e18 floors to 0.
        await setRate(token, admin, 1n);
        await expect(token.connect(cashier).deposit(alice.address, WAD / 2n, RECEIPT)).to.be.revertedWithCustomError(
          token,
          "DPLCTokenZeroAmount",
        );
        await expect(token.connect(cashier).deposit(alice.address, WAD, RECEIPT)).to.changeTokenBalances(
          token,
          [alice],
          [1n],
        );
      });
    });

    it("refuses anyone but the cashier", async function () {
      const { token, alice } = await loadFixture(tokenFixture);
      await expect(token.connect(alice).deposit(alice.address, WAD, RECEIPT))
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
        .withArgs(alice.address, await token.CASHIER_ROLE());
    });
  });

  describe("redeem", function () {
    it("burns rmb × rate from the caller with an event", async function () {
      const { token, alice } = await loadFixture(fundedFixture);
      // 40 RMB × 10 = 400 tokens.
      expect(await token.connect(alice).redeem.staticCall(40n * WAD)).to.equal(400n * WAD);
      const tx = token.connect(alice).redeem(40n * WAD);
      await expect(tx).to.emit(token, "DPLCTokenRedeemed").withArgs(alice.address, 400n * WAD, 40n * WAD);
      await expect(tx).to.changeTokenBalances(token, [alice], [-400n * WAD]);
      expect(await token.totalSupply()).to.equal(600n * WAD);
    });

    describe("when the conversion is not exact", function () {
      it("rounds the burn up while deposits round down", async function () {
        const { token, admin, cashier, alice } = await loadFixture(tokenFixture);
        // 1.5 tokens per RMB: 1 RMB-wei is worth 1.5 token-wei.
        await setRate(token, admin, 3n * WAD / 2n);
        expect(await token.rmbToTokens(1n)).to.equal(1n); // floor(1.5)
        await token.connect(cashier).deposit(alice.address, 3n, RECEIPT); // floor(4.5) = 4
        expect(await token.balanceOf(alice.address)).to.equal(4n);
        await expect(token.connect(alice).redeem(1n)).to.changeTokenBalances(token, [alice], [-2n]); // ceil(1.5)
        await expect(token.connect(alice).redeem(1n)).to.changeTokenBalances(token, [alice], [-2n]);
        // Two redemptions of 1 RMB-wei burned 4 token-wei: more than the 3 the 2 RMB-wei are worth, never less.
        expect(await token.balanceOf(alice.address)).to.equal(0n);
      });
    });

    it("refuses a zero amount", async function () {
      const { token, alice } = await loadFixture(fundedFixture);
      await expect(token.connect(alice).redeem(0n)).to.be.revertedWithCustomError(token, "DPLCTokenZeroAmount");
    });

    it("refuses to burn more than the balance", async function () {
      const { token, bob } = await loadFixture(fundedFixture);
      // 1 RMB needs 10 tokens; bob has none.
      await expect(token.connect(bob).redeem(WAD))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
        .withArgs(bob.address, 0n, 10n * WAD);
    });
  });

  describe("rmbToTokens", function () {
    it("quotes at the current rate, rounding down", async function () {
      const { token, admin } = await loadFixture(tokenFixture);
      expect(await token.rmbToTokens(3n * WAD)).to.equal(30n * WAD);
      await setRate(token, admin, WAD / 3n); // 0.333… tokens per RMB
      // 10 RMB × 333333333333333333 / 1e18 = 3.33… tokens, floored to the wei.
      expect(await token.rmbToTokens(10n * WAD)).to.equal((10n * WAD * (WAD / 3n)) / WAD);
    });
  });
});
