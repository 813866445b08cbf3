import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { DPLCRegistry__factory } from "../../typechain-types";
import { Kind, Status, b32 } from "../helpers/fixtures";

const REGION = b32("A");
const CODE = b32("B1-2026");
const REASON = b32("missing-licence");

async function registryFixture() {
  const [admin, tradingCentre, alice, bob, outsider] = await ethers.getSigners();
  const registry = await new DPLCRegistry__factory(admin).deploy(admin.address, tradingCentre.address);
  return { registry, admin, tradingCentre, alice, bob, outsider };
}

async function pendingFixture() {
  const f = await registryFixture();
  await f.registry.connect(f.alice).Regis(Kind.Consumer, REGION, CODE);
  return f;
}

async function approvedFixture() {
  const f = await pendingFixture();
  await f.registry.connect(f.tradingCentre).approve(f.alice.address);
  return f;
}

async function rejectedFixture() {
  const f = await pendingFixture();
  await f.registry.connect(f.tradingCentre).reject(f.alice.address, REASON);
  return f;
}

describe("DPLCRegistry", function () {
  describe("deployment", function () {
    it("grants the admin and trading-centre roles", async function () {
      const { registry, admin, tradingCentre } = await loadFixture(registryFixture);
      expect(await registry.hasRole(await registry.DEFAULT_ADMIN_ROLE(), admin.address)).to.equal(true);
      expect(await registry.hasRole(await registry.TRADING_CENTRE_ROLE(), tradingCentre.address)).to.equal(true);
    });

    it("knows nobody", async function () {
      const { registry, alice } = await loadFixture(registryFixture);
      const p = await registry.participant(alice.address);
      expect([p.kind, p.status, p.region, p.code]).to.deep.equal([Kind.None, Status.None, ethers.ZeroHash, ethers.ZeroHash]);
      expect(await registry.isApproved(alice.address)).to.equal(false);
    });
  });

  describe("Regis", function () {
    for (const [name, kind] of [
      ["consumer", Kind.Consumer],
      ["wind generator", Kind.Wind],
      ["thermal generator", Kind.Thermal],
    ] as const) {
      it(`records a pending ${name} application`, async function () {
        const { registry, alice } = await loadFixture(registryFixture);
        await expect(registry.connect(alice).Regis(kind, REGION, CODE))
          .to.emit(registry, "RegistryApplied")
          .withArgs(alice.address, kind, REGION, CODE);
        const p = await registry.participant(alice.address);
        expect([p.kind, p.status, p.region, p.code]).to.deep.equal([kind, Status.Pending, REGION, CODE]);
        expect(await registry.isApproved(alice.address)).to.equal(false);
      });
    }

    it("refuses the None kind", async function () {
      const { registry, alice } = await loadFixture(registryFixture);
      await expect(registry.connect(alice).Regis(Kind.None, REGION, CODE))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidKind")
        .withArgs(0n);
    });

    it("refuses a kind outside the enum at ABI decoding", async function () {
      const { registry, alice } = await loadFixture(registryFixture);
      await expect(registry.connect(alice).Regis(4n, REGION, CODE)).to.be.revertedWithoutReason();
    });

    it("refuses an empty region", async function () {
      const { registry, alice } = await loadFixture(registryFixture);
      await expect(registry.connect(alice).Regis(Kind.Wind, ethers.ZeroHash, CODE))
        .to.be.revertedWithCustomError(registry, "RegistryEmptyField")
        .withArgs(b32("region"));
    });

    it("refuses an empty registration code", async function () {
      const { registry, alice } = await loadFixture(registryFixture);
      await expect(registry.connect(alice).Regis(Kind.Wind, REGION, ethers.ZeroHash))
        .to.be.revertedWithCustomError(registry, "RegistryEmptyField")
        .withArgs(b32("code"));
    });

    describe("when the account has a pending application", function () {
      it("refuses a second one", async function () {
        const { registry, alice } = await loadFixture(pendingFixture);
        await expect(registry.connect(alice).Regis(Kind.Wind, REGION, CODE))
          .to.be.revertedWithCustomError(registry, "RegistryAlreadyRegistered")
          .withArgs(alice.address, Status.Pending);
      });
    });

    describe("when the account is approved", function () {
      it("refuses a new application", async function () {
        const { registry, alice } = await loadFixture(approvedFixture);
        await expect(registry.connect(alice).Regis(Kind.Thermal, b32("B"), CODE))
          .to.be.revertedWithCustomError(registry, "RegistryAlreadyRegistered")
          .withArgs(alice.address, Status.Approved);
      });
    });

    describe("when the account was rejected", function () {
      it("accepts a new application, which replaces the old one", async function () {
        const { registry, alice } = await loadFixture(rejectedFixture);
        const code = b32("B1-2026-bis");
        await expect(registry.connect(alice).Regis(Kind.Thermal, b32("B"), code))
          .to.emit(registry, "RegistryApplied")
          .withArgs(alice.address, Kind.Thermal, b32("B"), code);
        const p = await registry.participant(alice.address);
        expect([p.kind, p.status, p.region, p.code]).to.deep.equal([Kind.Thermal, Status.Pending, b32("B"), code]);
      });

      it("can then be approved", async function () {
        const { registry, tradingCentre, alice } = await loadFixture(rejectedFixture);
        await registry.connect(alice).Regis(Kind.Consumer, REGION, CODE);
        await expect(registry.connect(tradingCentre).approve(alice.address))
          .to.emit(registry, "RegistryApproved")
          .withArgs(alice.address, tradingCentre.address);
        expect(await registry.isApproved(alice.address)).to.equal(true);
      });
    });
  });

  describe("approve", function () {
    it("admits a pending applicant", async function () {
      const { registry, tradingCentre, alice } = await loadFixture(pendingFixture);
      await expect(registry.connect(tradingCentre).approve(alice.address))
        .to.emit(registry, "RegistryApproved")
        .withArgs(alice.address, tradingCentre.address);
      expect(await registry.isApproved(alice.address)).to.equal(true);
      const p = await registry.participant(alice.address);
      expect([p.kind, p.status, p.region, p.code]).to.deep.equal([Kind.Consumer, Status.Approved, REGION, CODE]);
    });

    it("refuses anyone but the trading centre", async function () {
      const { registry, admin, alice } = await loadFixture(pendingFixture);
      await expect(registry.connect(admin).approve(alice.address))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(admin.address, await registry.TRADING_CENTRE_ROLE());
    });

    it("refuses an unknown account", async function () {
      const { registry, tradingCentre, bob } = await loadFixture(pendingFixture);
      await expect(registry.connect(tradingCentre).approve(bob.address))
        .to.be.revertedWithCustomError(registry, "RegistryNotPending")
        .withArgs(bob.address, Status.None);
    });

    it("refuses an approved account", async function () {
      const { registry, tradingCentre, alice } = await loadFixture(approvedFixture);
      await expect(registry.connect(tradingCentre).approve(alice.address))
        .to.be.revertedWithCustomError(registry, "RegistryNotPending")
        .withArgs(alice.address, Status.Approved);
    });

    it("refuses a rejected account", async function () {
      const { registry, tradingCentre, alice } = await loadFixture(rejectedFixture);
      await expect(registry.connect(tradingCentre).approve(alice.address))
        .to.be.revertedWithCustomError(registry, "RegistryNotPending")
        .withArgs(alice.address, Status.Rejected);
      expect(await registry.isApproved(alice.address)).to.equal(false);
    });
  });

  describe("reject", function () {
    it("refuses a pending applicant with a reason", async function () {
      const { registry, tradingCentre, alice } = await loadFixture(pendingFixture);
      await expect(registry.connect(tradingCentre).reject(alice.address, REASON))
        .to.emit(registry, "RegistryRejected")
        .withArgs(alice.address, tradingCentre.address, REASON);
      expect((await registry.participant(alice.address)).status).to.equal(Status.Rejected);
      expect(await registry.isApproved(alice.address)).to.equal(false);
    });

    it("refuses anyone but the trading centre", async function () {
      const { registry, outsider, alice } = await loadFixture(pendingFixture);
      await expect(registry.connect(outsider).reject(alice.address, REASON))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, await registry.TRADING_CENTRE_ROLE());
    });

    it("refuses an approved account", async function () {
      const { registry, tradingCentre, alice } = await loadFixture(approvedFixture);
      await expect(registry.connect(tradingCentre).reject(alice.address, REASON))
        .to.be.revertedWithCustomError(registry, "RegistryNotPending")
        .withArgs(alice.address, Status.Approved);
      expect(await registry.isApproved(alice.address)).to.equal(true);
    });

    it("refuses an unknown or already rejected account", async function () {
      const { registry, tradingCentre, alice, bob } = await loadFixture(rejectedFixture);
      await expect(registry.connect(tradingCentre).reject(bob.address, REASON))
        .to.be.revertedWithCustomError(registry, "RegistryNotPending")
        .withArgs(bob.address, Status.None);
      await expect(registry.connect(tradingCentre).reject(alice.address, REASON))
        .to.be.revertedWithCustomError(registry, "RegistryNotPending")
        .withArgs(alice.address, Status.Rejected);
    });
  });
  describe("revoke", function () {
    it("withdraws an approved participant's admission with a reason", async function () {
      const { registry, tradingCentre, alice } = await loadFixture(approvedFixture);
      await expect(registry.connect(tradingCentre).revoke(alice.address, REASON))
        .to.emit(registry, "RegistryRevoked")
        .withArgs(alice.address, tradingCentre.address, REASON);
      expect(await registry.isApproved(alice.address)).to.equal(false);
      expect((await registry.participant(alice.address)).status).to.equal(Status.Revoked);
    });

    it("refuses anyone but the trading centre", async function () {
      const { registry, alice, outsider } = await loadFixture(approvedFixture);
      await expect(registry.connect(outsider).revoke(alice.address, REASON))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, await registry.TRADING_CENTRE_ROLE());
    });

    for (const [what, fixture, status] of [
      ["unknown", registryFixture, Status.None],
      ["pending", pendingFixture, Status.Pending],
      ["rejected", rejectedFixture, Status.Rejected],
    ] as const) {
      it(`refuses a ${what} account`, async function () {
        const { registry, tradingCentre, alice } = await loadFixture(fixture);
        await expect(registry.connect(tradingCentre).revoke(alice.address, REASON))
          .to.be.revertedWithCustomError(registry, "RegistryNotApproved")
          .withArgs(alice.address, status);
      });
    }

    describe("when the account was revoked", function () {
      it("refuses a second revocation, and lets it apply again for review", async function () {
        const { registry, tradingCentre, alice } = await loadFixture(approvedFixture);
        await registry.connect(tradingCentre).revoke(alice.address, REASON);
        await expect(registry.connect(tradingCentre).revoke(alice.address, REASON))
          .to.be.revertedWithCustomError(registry, "RegistryNotApproved")
          .withArgs(alice.address, Status.Revoked);
        await expect(registry.connect(alice).Regis(Kind.Consumer, REGION, CODE)).to.emit(registry, "RegistryApplied");
        expect((await registry.participant(alice.address)).status).to.equal(Status.Pending);
        expect(await registry.isApproved(alice.address)).to.equal(false);
      });
    });
  });

  describe("setGreenQuota", function () {
    it("sets an approved consumer's quota, and sets it again", async function () {
      const { registry, tradingCentre, alice } = await loadFixture(approvedFixture);
      expect(await registry.greenQuotaPpm(alice.address)).to.equal(0n);
      await expect(registry.connect(tradingCentre).setGreenQuota(alice.address, 200_000))
        .to.emit(registry, "RegistryGreenQuotaSet")
        .withArgs(alice.address, 0n, 200_000n);
      await expect(registry.connect(tradingCentre).setGreenQuota(alice.address, 1_000_000))
        .to.emit(registry, "RegistryGreenQuotaSet")
        .withArgs(alice.address, 200_000n, 1_000_000n);
      expect(await registry.greenQuotaPpm(alice.address)).to.equal(1_000_000n);
    });

    it("refuses a share above 100 %", async function () {
      const { registry, tradingCentre, alice } = await loadFixture(approvedFixture);
      await expect(registry.connect(tradingCentre).setGreenQuota(alice.address, 1_000_001))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidQuota")
        .withArgs(1_000_001n);
    });

    it("refuses anyone but the trading centre, so a consumer cannot lower its own quota", async function () {
      const { registry, alice } = await loadFixture(approvedFixture);
      await expect(registry.connect(alice).setGreenQuota(alice.address, 0))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(alice.address, await registry.TRADING_CENTRE_ROLE());
    });

    describe("when the account is not a consumer", function () {
      it("reverts with its kind", async function () {
        const { registry, tradingCentre, bob } = await loadFixture(approvedFixture);
        await expect(registry.connect(tradingCentre).setGreenQuota(bob.address, 1))
          .to.be.revertedWithCustomError(registry, "RegistryNotConsumer")
          .withArgs(bob.address, Kind.None);
        await (await registry.connect(bob).Regis(Kind.Wind, REGION, CODE)).wait();
        await expect(registry.connect(tradingCentre).setGreenQuota(bob.address, 1))
          .to.be.revertedWithCustomError(registry, "RegistryNotConsumer")
          .withArgs(bob.address, Kind.Wind);
      });
    });
  });
});
