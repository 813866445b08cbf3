import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { fundDplc, reportedRoundFixture, type Certificates } from "../bridge/fixtures";
import { relay } from "../bridge/helpers";
import { certificateId } from "../bridge/reports";
import { WAD } from "../helpers/rules";

const UNITS = 1_000n;
const PRICE = 300n * WAD; // wrapped DPLC per certificate
const Purpose = { Voluntary: 0n, ThermalObligation: 1n, ConsumerQuota: 2n } as const;

/** Certificates issued and obligations recorded; T1 holds 10,000 wrapped DPLC, approvals in place. */
async function marketFixture(): Promise<Certificates> {
  const f = await reportedRoundFixture();
  const [t1, t2] = f.thermals;
  const market = await f.certMarket.getAddress();
  for (const t of [t1!, t2!]) {
    await fundDplc(f.book.token, f.book.cashier, t.address, 10_000n * WAD);
    await (await f.book.token.connect(t).approve(await f.vault.getAddress(), ethers.MaxUint256)).wait();
    await relay(f.g.main, f.g.side, f.vault.connect(t).lock(10_000n * WAD, t.address));
    await (await f.wrapped.connect(t).approve(market, ethers.MaxUint256)).wait();
  }
  for (const w of f.winds) await (await f.certificates.connect(w).setApprovalForAll(market, true)).wait();
  return f;
}

/** {marketFixture} with W1 listing 15 certificates of trade 0 at PRICE. */
async function listedFixture(): Promise<Certificates & { id: bigint }> {
  const f = await marketFixture();
  const id = certificateId(f.book.roundId, 0n);
  await (await f.certMarket.connect(f.winds[0]!).list(id, 15n * UNITS, PRICE)).wait();
  return { ...f, id };
}

describe("CertificateMarket", function () {
  describe("list", function () {
    it("escrows the certificates and records the listing", async function () {
      const f = await loadFixture(marketFixture);
      const w1 = f.winds[0]!;
      const id = certificateId(f.book.roundId, 0n);
      const market = await f.certMarket.getAddress();
      await expect(f.certMarket.connect(w1).list(id, 15n * UNITS, PRICE))
        .to.emit(f.certMarket, "CertificateMarketListed")
        .withArgs(1n, w1.address, id, 15n * UNITS, PRICE)
        .and.to.emit(f.certificates, "TransferSingle")
        .withArgs(market, w1.address, market, id, 15n * UNITS);
      expect(await f.certificates.balanceOf(w1.address, id)).to.equal(5n * UNITS);
      expect(await f.certificates.balanceOf(market, id)).to.equal(15n * UNITS);
      const l = await f.certMarket.listing(1n);
      expect([l.seller, l.certificateId, l.remaining, l.pricePerCertificate]).to.deep.equal([w1.address, id, 15n * UNITS, PRICE]);
      expect(await f.certMarket.listingCount()).to.equal(1n);
      expect(await f.certMarket.components()).to.deep.equal([await f.certificates.getAddress(), await f.wrapped.getAddress()]);
    });

    describe("when the amount or price is zero, or the seller lacks the certificates", function () {
      it("reverts", async function () {
        const f = await loadFixture(marketFixture);
        const w1 = f.winds[0]!;
        const id = certificateId(f.book.roundId, 0n);
        await expect(f.certMarket.connect(w1).list(id, 0n, PRICE)).to.be.revertedWithCustomError(f.certMarket, "CertificateMarketZeroAmount");
        await expect(f.certMarket.connect(w1).list(id, 1n, 0n)).to.be.revertedWithCustomError(f.certMarket, "CertificateMarketZeroPrice");
        await expect(f.certMarket.connect(w1).list(id, 20n * UNITS + 1n, PRICE))
          .to.be.revertedWithCustomError(f.certificates, "ERC1155InsufficientBalance")
          .withArgs(w1.address, 20n * UNITS, 20n * UNITS + 1n, id);
      });
    });

    describe("when certificates are sent to the market directly", function () {
      it("refuses them", async function () {
        const f = await loadFixture(marketFixture);
        const w1 = f.winds[0]!;
        const id = certificateId(f.book.roundId, 0n);
        const market = await f.certMarket.getAddress();
        await expect(f.certificates.connect(w1).safeTransferFrom(w1.address, market, id, 1n, "0x"))
          .to.be.revertedWithCustomError(f.certMarket, "CertificateMarketUnsolicitedTransfer")
          .withArgs(w1.address, w1.address);
        await expect(f.certificates.connect(w1).safeBatchTransferFrom(w1.address, market, [id], [1n], "0x"))
          .to.be.revertedWithCustomError(f.certMarket, "CertificateMarketUnsolicitedTransfer")
          .withArgs(w1.address, w1.address);
      });
    });
  });

  describe("buy", function () {
    it("pays the seller in wrapped DPLC and hands over the certificates", async function () {
      const f = await loadFixture(listedFixture);
      const [w1] = f.winds;
      const [t1] = f.thermals;
      const cost = 10n * PRICE;
      expect(await f.certMarket.quote(1n, 10n * UNITS)).to.equal(cost);
      const tx = f.certMarket.connect(t1!).buy(1n, 10n * UNITS);
      await expect(tx).to.changeTokenBalances(f.wrapped, [t1!, w1!], [-cost, cost]);
      await expect(tx)
        .to.emit(f.certMarket, "CertificateMarketBought")
        .withArgs(1n, t1!.address, w1!.address, 10n * UNITS, cost);
      expect(await f.certificates.balanceOf(t1!.address, f.id)).to.equal(10n * UNITS);
      expect((await f.certMarket.listing(1n)).remaining).to.equal(5n * UNITS);
      expect(await f.certMarket.totalTraded()).to.equal(10n * UNITS);
    });

    it("lets a thermal generator meet its obligation with bought certificates", async function () {
      const f = await loadFixture(listedFixture);
      const t1 = f.thermals[0]!;
      await (await f.certMarket.connect(t1).buy(1n, 10n * UNITS)).wait();
      await (await f.certificates.connect(t1).retire(f.id, 10n * UNITS, Purpose.ThermalObligation)).wait();
      expect(await f.certificates.compliance(t1.address, f.book.roundId)).to.deep.equal([10n * UNITS, 10n * UNITS, true]);
    });

    it("sells fractions, rounding the price up, and sells out", async function () {
      const f = await loadFixture(marketFixture);
      const w2 = f.winds[1]!;
      const t2 = f.thermals[1]!;
      const id = certificateId(f.book.roundId, 2n);
      await (await f.certMarket.connect(w2).list(id, 3n, 1_001n)).wait();
      // 1 unit at 1,001 per 1,000 units costs ceil(1.001) = 2.
      await expect(f.certMarket.connect(t2).buy(1n, 1n)).to.changeTokenBalances(f.wrapped, [t2, w2], [-2n, 2n]);
      await expect(f.certMarket.connect(t2).buy(1n, 2n)).to.changeTokenBalances(f.wrapped, [t2, w2], [-3n, 3n]);
      await expect(f.certMarket.connect(t2).buy(1n, 1n))
        .to.be.revertedWithCustomError(f.certMarket, "CertificateMarketListingNotFound")
        .withArgs(1n);
    });

    describe("when the amount is zero or above what is left, or the listing is unknown", function () {
      it("reverts", async function () {
        const f = await loadFixture(listedFixture);
        const t1 = f.thermals[0]!;
        await expect(f.certMarket.connect(t1).buy(1n, 0n)).to.be.revertedWithCustomError(f.certMarket, "CertificateMarketZeroAmount");
        await expect(f.certMarket.connect(t1).buy(1n, 15n * UNITS + 1n))
          .to.be.revertedWithCustomError(f.certMarket, "CertificateMarketInsufficientAmount")
          .withArgs(1n, 15n * UNITS + 1n, 15n * UNITS);
        await expect(f.certMarket.connect(t1).buy(2n, 1n))
          .to.be.revertedWithCustomError(f.certMarket, "CertificateMarketListingNotFound")
          .withArgs(2n);
        await expect(f.certMarket.quote(2n, 1n)).to.be.revertedWithCustomError(f.certMarket, "CertificateMarketListingNotFound").withArgs(2n);
      });
    });

    describe("when the buyer has not approved or cannot pay", function () {
      it("reverts and leaves the listing intact", async function () {
        const f = await loadFixture(listedFixture);
        const c1 = f.consumers[0]!;
        const market = await f.certMarket.getAddress();
        await expect(f.certMarket.connect(c1).buy(1n, UNITS))
          .to.be.revertedWithCustomError(f.wrapped, "ERC20InsufficientAllowance")
          .withArgs(market, 0n, PRICE);
        await (await f.wrapped.connect(c1).approve(market, ethers.MaxUint256)).wait();
        await expect(f.certMarket.connect(c1).buy(1n, UNITS))
          .to.be.revertedWithCustomError(f.wrapped, "ERC20InsufficientBalance")
          .withArgs(c1.address, 0n, PRICE);
        expect((await f.certMarket.listing(1n)).remaining).to.equal(15n * UNITS);
      });
    });
  });

  describe("cancel", function () {
    it("returns what is left to the seller", async function () {
      const f = await loadFixture(listedFixture);
      const w1 = f.winds[0]!;
      await (await f.certMarket.connect(f.thermals[0]!).buy(1n, 4n * UNITS)).wait();
      await expect(f.certMarket.connect(w1).cancel(1n))
        .to.emit(f.certMarket, "CertificateMarketCancelled")
        .withArgs(1n, w1.address, 11n * UNITS);
      expect(await f.certificates.balanceOf(w1.address, f.id)).to.equal(16n * UNITS);
      expect(await f.certificates.balanceOf(await f.certMarket.getAddress(), f.id)).to.equal(0n);
      expect((await f.certMarket.listing(1n)).remaining).to.equal(0n);
      await expect(f.certMarket.connect(f.thermals[0]!).buy(1n, 1n))
        .to.be.revertedWithCustomError(f.certMarket, "CertificateMarketListingNotFound")
        .withArgs(1n);
      await expect(f.certMarket.connect(w1).cancel(1n))
        .to.be.revertedWithCustomError(f.certMarket, "CertificateMarketListingNotFound")
        .withArgs(1n);
    });

    describe("when the caller is not the seller", function () {
      it("reverts", async function () {
        const f = await loadFixture(listedFixture);
        const t1 = f.thermals[0]!;
        await expect(f.certMarket.connect(t1).cancel(1n))
          .to.be.revertedWithCustomError(f.certMarket, "CertificateMarketNotSeller")
          .withArgs(1n, t1.address);
      });
    });
  });
});
