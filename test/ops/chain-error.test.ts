import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { id } from "ethers";
import { describeFailure, loadErrorCatalog, revertData, type ErrorCatalog } from "../../src/ops/chain-error";
import { InvalidArgumentError } from "../../src/errors";
import { deployMarketFixture, join, Kind, LISTING_SECONDS } from "../helpers/fixtures";

/** The error a transaction's promise rejects with. */
async function failure(body: () => Promise<unknown>): Promise<unknown> {
  try {
    await body();
  } catch (err) {
    return err;
  }
  throw new Error("expected the transaction to revert");
}

describe("contract reverts in words (src/ops/chain-error)", function () {
  let catalog: ErrorCatalog;
  const describe1 = (err: unknown) => describeFailure(err, async () => catalog);

  before(async function () {
    catalog = await loadErrorCatalog(hre.artifacts);
  });

  describe("when a transaction reverts on the in-process network", function () {
    it("names the arguments and prints an enum by its member name", async function () {
      const sys = await loadFixture(deployMarketFixture);
      const [user] = sys.users;
      await join(sys, user!, Kind.Wind, "A");
      const err = await failure(() => sys.registry.connect(sys.tradingCentre).approve(user!.address));
      expect(await describe1(err)).to.equal(`RegistryNotPending(account=${user!.address}, status=Approved)`);
    });

    it("prints bytes32 that hold text as that text, and other bytes32 as hex", async function () {
      const sys = await loadFixture(deployMarketFixture);
      const [user] = sys.users;
      await join(sys, user!, Kind.Wind, "A");
      const deadline = (await hre.ethers.provider.getBlock("latest"))!.timestamp + LISTING_SECONDS;
      const pricing = await sys.pricing["surplus-split"].getAddress();
      await (await sys.market.connect(sys.tradingCentre).openRound({ deadline, bundlingRatioBps: 30_000, windCertCost: 0, thermalCertCost: 0, pricing, minOrderMwh: 1, revealSeconds: 3_600 })).wait();
      const listing = await failure(() =>
        sys.market.connect(user!).PAYMENT(id("a sealed order"), 0),
      );
      expect(await describe1(listing)).to.equal('MarketUnknownRegion(region="A")');

      const receipt = id("receipt-1");
      await (await sys.token.connect(sys.cashier).deposit(user!.address, 10n ** 18n, receipt)).wait();
      const again = await failure(() => sys.token.connect(sys.cashier).deposit(user!.address, 10n ** 18n, receipt));
      expect(await describe1(again)).to.equal(`DPLCTokenDuplicateReceipt(receiptId=${receipt})`);
    });
  });

  describe("when the revert comes from a node's JSON-RPC answer", function () {
    it("finds the data inside the error object, as Hardhat's node nests it", async function () {
      const data = await revertSample();
      const nodeError = { name: "ProviderError", data: { message: "VM Exception…", txHash: "0x01", data } };
      expect(revertData(nodeError)).to.equal(data);
      expect(await describe1(nodeError)).to.match(/^RegistryNotPending\(account=0x[0-9a-fA-F]{40}, status=Approved\)$/);
      expect(revertData({ info: { error: { data } } })).to.equal(data);
      expect(revertData({ error: { cause: { data } } })).to.equal(data);
    });
  });

  describe("when the failure is not a contract's custom error", function () {
    it("passes a dplc error's message through and leaves anything else to the caller", async function () {
      expect(await describe1(new InvalidArgumentError("--order: bad"))).to.equal("--order: bad");
      expect(await describe1(new Error("socket hang up"))).to.equal(undefined);
      expect(await describe1({ data: "0xdeadbeef" })).to.equal(undefined);
    });

    it("decodes Solidity's own Error(string) and Panic(uint256) too", async function () {
      const { AbiCoder, id } = await import("ethers");
      const encode = (sig: string, type: string, value: unknown) =>
        id(sig).slice(0, 10) + AbiCoder.defaultAbiCoder().encode([type], [value]).slice(2);
      expect(await describe1({ data: encode("Error(string)", "string", "too late") })).to.equal('Error(message="too late")');
      expect(await describe1({ data: encode("Panic(uint256)", "uint256", 0x11) })).to.equal("Panic(code=17)");
    });
  });
});

/** Revert data of `RegistryNotPending(account, Approved)`, as a node returns it. */
async function revertSample(): Promise<string> {
  const sys = await loadFixture(deployMarketFixture);
  const [user] = sys.users;
  await join(sys, user!, Kind.Wind, "A");
  const err = await failure(() => sys.registry.connect(sys.tradingCentre).approve(user!.address));
  return revertData(err)!;
}
