import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress } from "ethers";
import { GridParameters__factory } from "../../typechain-types";
import { b32 } from "../helpers/fixtures";
import { MAX_PRICE, PPM, UNLIMITED, price } from "../helpers/rules";

const A = b32("A");
const B = b32("B");
const C = b32("C");
const LOSS = 25_000n; // 2.5 %
const S = price("0.3");

async function gridFixture() {
  const [admin, gridCompany, newCompany, outsider] = await ethers.getSigners();
  const grid = await new GridParameters__factory(admin).deploy(admin.address, gridCompany.address);
  return { grid, admin, gridCompany, newCompany, outsider };
}

async function pairsFixture() {
  const f = await gridFixture();
  await f.grid.connect(f.gridCompany).setPair(A, B, LOSS, S, 500n);
  await f.grid.connect(f.gridCompany).setPair(A, A, 0n, 0n, UNLIMITED);
  return f;
}

function pairTuple(p: { exists: boolean; lossPpm: bigint; transmissionPrice: bigint; capacityMwh: bigint }) {
  return [p.exists, p.lossPpm, p.transmissionPrice, p.capacityMwh];
}

describe("GridParameters", function () {
  describe("deployment", function () {
    it("sets the grid company, its role and the admin", async function () {
      const { grid, admin, gridCompany } = await loadFixture(gridFixture);
      expect(await grid.gridCompany()).to.equal(gridCompany.address);
      expect(await grid.hasRole(await grid.GRID_ROLE(), gridCompany.address)).to.equal(true);
      expect(await grid.hasRole(await grid.DEFAULT_ADMIN_ROLE(), admin.address)).to.equal(true);
      await expect(grid.deploymentTransaction())
        .to.emit(grid, "GridCompanyChanged")
        .withArgs(ZeroAddress, gridCompany.address);
    });

    it("refuses a zero grid company", async function () {
      const { grid, admin } = await loadFixture(gridFixture);
      await expect(new GridParameters__factory(admin).deploy(admin.address, ZeroAddress)).to.be.revertedWithCustomError(
        grid,
        "GridZeroAccount",
      );
    });
  });

  describe("setPair", function () {
    it("indexes new regions from 1 and stores the pair", async function () {
      const { grid, gridCompany } = await loadFixture(gridFixture);
      const tx = grid.connect(gridCompany).setPair(A, B, LOSS, S, 500n);
      await expect(tx).to.emit(grid, "GridRegionAdded").withArgs(A, 1n);
      await expect(tx).to.emit(grid, "GridRegionAdded").withArgs(B, 2n);
      await expect(tx).to.emit(grid, "GridPairSet").withArgs(A, B, LOSS, S, 500n);
      expect(await grid.regionIndex(A)).to.equal(1n);
      expect(await grid.regionIndex(B)).to.equal(2n);
      expect(await grid.regionIndex(C)).to.equal(0n);
      expect(await grid.regionCode(1)).to.equal(A);
      expect(await grid.regionCode(2)).to.equal(B);
      expect(pairTuple(await grid.pair(A, B))).to.deep.equal([true, LOSS, S, 500n]);
      expect(pairTuple(await grid.pairAt(1, 2))).to.deep.equal([true, LOSS, S, 500n]);
      // Seller region 1 reaches buyer region 2: bit 1.
      expect(await grid.buyerMask(1)).to.equal(0b10n);
    });

    it("is directional: (B, A) stays unknown", async function () {
      const { grid } = await loadFixture(pairsFixture);
      expect(pairTuple(await grid.pair(B, A))).to.deep.equal([false, 0n, 0n, 0n]);
      expect(await grid.buyerMask(2)).to.equal(0n);
    });

    it("adds a region used as both sides once", async function () {
      const { grid, gridCompany } = await loadFixture(gridFixture);
      const tx = grid.connect(gridCompany).setPair(C, C, 0n, 0n, UNLIMITED);
      await expect(tx).to.emit(grid, "GridRegionAdded").withArgs(C, 1n);
      const receipt = await (await tx).wait();
      const added = receipt!.logs.filter((l) => grid.interface.parseLog(l)?.name === "GridRegionAdded");
      expect(added.length).to.equal(1);
      expect(await grid.buyerMask(1)).to.equal(1n);
    });

    describe("when the pair exists", function () {
      it("overwrites its parameters without adding regions", async function () {
        const { grid, gridCompany } = await loadFixture(pairsFixture);
        await expect(grid.connect(gridCompany).setPair(A, B, 1n, 2n, 3n))
          .to.emit(grid, "GridPairSet")
          .withArgs(A, B, 1n, 2n, 3n)
          .and.not.to.emit(grid, "GridRegionAdded");
        expect(pairTuple(await grid.pair(A, B))).to.deep.equal([true, 1n, 2n, 3n]);
        // A reaches A (bit 0) and B (bit 1).
        expect(await grid.buyerMask(1)).to.equal(0b11n);
      });
    });

    it("accepts the largest loss rate and price", async function () {
      const { grid, gridCompany } = await loadFixture(gridFixture);
      await expect(grid.connect(gridCompany).setPair(A, B, PPM - 1n, MAX_PRICE, 1n))
        .to.emit(grid, "GridPairSet")
        .withArgs(A, B, PPM - 1n, MAX_PRICE, 1n);
    });

    it("refuses a loss rate of 100 %", async function () {
      const { grid, gridCompany } = await loadFixture(gridFixture);
      await expect(grid.connect(gridCompany).setPair(A, B, PPM, S, 1n))
        .to.be.revertedWithCustomError(grid, "GridInvalidLossRate")
        .withArgs(PPM);
    });

    it("refuses a transmission price above the market bound", async function () {
      const { grid, gridCompany } = await loadFixture(gridFixture);
      await expect(grid.connect(gridCompany).setPair(A, B, LOSS, MAX_PRICE + 1n, 1n))
        .to.be.revertedWithCustomError(grid, "GridInvalidPrice")
        .withArgs(MAX_PRICE + 1n);
    });

    it("refuses a zero capacity", async function () {
      const { grid, gridCompany } = await loadFixture(gridFixture);
      await expect(grid.connect(gridCompany).setPair(A, B, LOSS, S, 0n)).to.be.revertedWithCustomError(
        grid,
        "GridZeroCapacity",
      );
    });

    it("refuses an empty seller or buyer region", async function () {
      const { grid, gridCompany } = await loadFixture(gridFixture);
      await expect(grid.connect(gridCompany).setPair(ethers.ZeroHash, B, LOSS, S, 1n)).to.be.revertedWithCustomError(
        grid,
        "GridEmptyRegion",
      );
      await expect(grid.connect(gridCompany).setPair(A, ethers.ZeroHash, LOSS, S, 1n)).to.be.revertedWithCustomError(
        grid,
        "GridEmptyRegion",
      );
      expect(await grid.regionIndex(A)).to.equal(0n);
    });

    describe("when 32 regions exist", function () {
      it("refuses a 33rd", async function () {
        const { grid, gridCompany } = await loadFixture(gridFixture);
        for (let k = 1; k <= 32; k++) await grid.connect(gridCompany).setPair(b32(`R${k}`), b32("R1"), 0n, 0n, 1n);
        expect(await grid.regionIndex(b32("R32"))).to.equal(32n);
        expect(await grid.regionCode(32)).to.equal(b32("R32"));
        await expect(grid.connect(gridCompany).setPair(b32("R1"), b32("R33"), 0n, 0n, 1n))
          .to.be.revertedWithCustomError(grid, "GridTooManyRegions")
          .withArgs(b32("R33"));
        // Existing regions still take new pairs: R32 → R32 is bit 31 of R32's mask.
        await grid.connect(gridCompany).setPair(b32("R32"), b32("R32"), 0n, 0n, 1n);
        expect(await grid.buyerMask(32)).to.equal((1n << 31n) | 1n);
      });
    });

    it("refuses anyone without the grid role", async function () {
      const { grid, admin } = await loadFixture(gridFixture);
      await expect(grid.connect(admin).setPair(A, B, LOSS, S, 1n))
        .to.be.revertedWithCustomError(grid, "AccessControlUnauthorizedAccount")
        .withArgs(admin.address, await grid.GRID_ROLE());
    });
  });

  describe("removePair", function () {
    it("deletes the pair and clears its reach bit", async function () {
      const { grid, gridCompany } = await loadFixture(pairsFixture);
      await expect(grid.connect(gridCompany).removePair(A, B)).to.emit(grid, "GridPairRemoved").withArgs(A, B);
      expect(pairTuple(await grid.pair(A, B))).to.deep.equal([false, 0n, 0n, 0n]);
      expect(await grid.buyerMask(1)).to.equal(0b01n);
      // The regions keep their indexes.
      expect(await grid.regionIndex(B)).to.equal(2n);
    });

    it("refuses a pair of unknown regions", async function () {
      const { grid, gridCompany } = await loadFixture(pairsFixture);
      await expect(grid.connect(gridCompany).removePair(C, A))
        .to.be.revertedWithCustomError(grid, "GridUnknownPair")
        .withArgs(C, A);
      await expect(grid.connect(gridCompany).removePair(A, C))
        .to.be.revertedWithCustomError(grid, "GridUnknownPair")
        .withArgs(A, C);
    });

    it("refuses a pair of known regions without parameters", async function () {
      const { grid, gridCompany } = await loadFixture(pairsFixture);
      await expect(grid.connect(gridCompany).removePair(B, A))
        .to.be.revertedWithCustomError(grid, "GridUnknownPair")
        .withArgs(B, A);
    });

    describe("when the pair was already removed", function () {
      it("refuses to remove it again", async function () {
        const { grid, gridCompany } = await loadFixture(pairsFixture);
        await grid.connect(gridCompany).removePair(A, B);
        await expect(grid.connect(gridCompany).removePair(A, B))
          .to.be.revertedWithCustomError(grid, "GridUnknownPair")
          .withArgs(A, B);
      });
    });

    it("refuses anyone without the grid role", async function () {
      const { grid, outsider } = await loadFixture(pairsFixture);
      await expect(grid.connect(outsider).removePair(A, B))
        .to.be.revertedWithCustomError(grid, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, await grid.GRID_ROLE());
    });
  });

  describe("setGridCompany", function () {
    it("lets the admin redirect fees", async function () {
      const { grid, admin, gridCompany, newCompany } = await loadFixture(gridFixture);
      await expect(grid.connect(admin).setGridCompany(newCompany.address))
        .to.emit(grid, "GridCompanyChanged")
        .withArgs(gridCompany.address, newCompany.address);
      expect(await grid.gridCompany()).to.equal(newCompany.address);
    });

    it("moves GRID_ROLE to the new company: the old one can no longer set pairs, the new one can", async function () {
      const { grid, admin, gridCompany, newCompany } = await loadFixture(gridFixture);
      const role = await grid.GRID_ROLE();
      const tx = grid.connect(admin).setGridCompany(newCompany.address);
      await expect(tx).to.emit(grid, "RoleRevoked").withArgs(role, gridCompany.address, admin.address);
      await expect(tx).to.emit(grid, "RoleGranted").withArgs(role, newCompany.address, admin.address);
      await expect(grid.connect(gridCompany).setPair(b32("X"), b32("Y"), 0n, 0n, 1n))
        .to.be.revertedWithCustomError(grid, "AccessControlUnauthorizedAccount")
        .withArgs(gridCompany.address, role);
      await expect(grid.connect(newCompany).setPair(b32("X"), b32("Y"), 0n, 0n, 1n)).to.emit(grid, "GridPairSet");
    });

    it("refuses the zero address", async function () {
      const { grid, admin } = await loadFixture(gridFixture);
      await expect(grid.connect(admin).setGridCompany(ZeroAddress)).to.be.revertedWithCustomError(
        grid,
        "GridZeroAccount",
      );
    });

    it("refuses anyone but the admin", async function () {
      const { grid, gridCompany, newCompany } = await loadFixture(gridFixture);
      await expect(grid.connect(gridCompany).setGridCompany(newCompany.address))
        .to.be.revertedWithCustomError(grid, "AccessControlUnauthorizedAccount")
        .withArgs(gridCompany.address, await grid.DEFAULT_ADMIN_ROLE());
    });
  });
});
