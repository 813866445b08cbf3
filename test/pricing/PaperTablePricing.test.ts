import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { PaperTablePricing__factory } from "../../typechain-types";
import type { IPricingRule } from "../../typechain-types/contracts/pricing/PaperTablePricing";
import { price } from "../helpers/rules";

async function paperTableFixture() {
  const [deployer] = await ethers.getSigners();
  return { rule: await new PaperTablePricing__factory(deployer).deploy() };
}

function quote(bid: bigint, ask: bigint, extra: Partial<IPricingRule.QuoteStruct> = {}): IPricingRule.QuoteStruct {
  return { bid, ask, certCost: 0n, lossPpm: 0n, transmissionPrice: 0n, envSubsidy: 0n, surplus: 1n, ...extra };
}

describe("PaperTablePricing", function () {
  it("is named paper-table", async function () {
    const { rule } = await loadFixture(paperTableFixture);
    expect(await rule.name()).to.equal("paper-table");
  });

  it("charges the buyer the mid-point and pays the seller (3·F_S − F_B)/2", async function () {
    const { rule } = await loadFixture(paperTableFixture);
    // The paper's B1–W3 row: F_B = 4.5, F_S = 4: buyer (4.5 + 4)/2 = 4.25; seller (12 − 4.5)/2 = 3.75.
    const [buyer, seller] = await rule.prices(quote(price("4.5"), price("4")));
    expect(buyer).to.equal(price("4.25"));
    expect(seller).to.equal(price("3.75"));
  });

  it("ignores losses, transmission, W, X and the surplus", async function () {
    const { rule } = await loadFixture(paperTableFixture);
    const [buyer, seller] = await rule.prices(
      quote(price("4.5"), price("4"), {
        certCost: price("1"),
        lossPpm: 300_000n,
        transmissionPrice: price("0.2"),
        envSubsidy: price("0.3"),
        surplus: price("0.01"),
      }),
    );
    expect([buyer, seller]).to.deep.equal([price("4.25"), price("3.75")]);
  });

  it("floors odd wei halves", async function () {
    const { rule } = await loadFixture(paperTableFixture);
    // bid 10, ask 5 wei: buyer floor(15/2) = 7; seller floor((15 − 10)/2) = 2.
    const [buyer, seller] = await rule.prices(quote(10n, 5n));
    expect([buyer, seller]).to.deep.equal([7n, 2n]);
  });

  describe("when 3·F_S ≤ F_B", function () {
    it("pays the seller zero rather than a negative price", async function () {
      const { rule } = await loadFixture(paperTableFixture);
      // bid 9, ask 3: 3·3 − 9 = 0 → 0; bid 10, ask 3: negative → 0.
      expect((await rule.prices(quote(price("9"), price("3"))))[1]).to.equal(0n);
      const [buyer, seller] = await rule.prices(quote(price("10"), price("3")));
      expect([buyer, seller]).to.deep.equal([price("6.5"), 0n]);
    });
  });
});
