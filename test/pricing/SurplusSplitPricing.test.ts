import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { SurplusSplitPricing__factory } from "../../typechain-types";
import type { IPricingRule } from "../../typechain-types/contracts/pricing/SurplusSplitPricing";
import { PPM, WAD, price, sellerCost } from "../helpers/rules";

async function surplusSplitFixture() {
  const [deployer] = await ethers.getSigners();
  return { rule: await new SurplusSplitPricing__factory(deployer).deploy() };
}

function quote(q: Partial<IPricingRule.QuoteStruct> & { surplus: bigint }): IPricingRule.QuoteStruct {
  return { bid: 0n, ask: 0n, certCost: 0n, lossPpm: 0n, transmissionPrice: 0n, envSubsidy: 0n, ...q };
}

describe("SurplusSplitPricing", function () {
  it("is named surplus-split", async function () {
    const { rule } = await loadFixture(surplusSplitFixture);
    expect(await rule.name()).to.equal("surplus-split");
  });

  describe("when there are no losses", function () {
    it("splits the surplus in half: both sides meet in the middle", async function () {
      const { rule } = await loadFixture(surplusSplitFixture);
      // bid 10, ask 4, Δf = 6: buyer 10 − 3 = 7, seller 4 + 3 = 7.
      const [buyer, seller] = await rule.prices(quote({ bid: price("10"), ask: price("4"), surplus: price("6") }));
      expect(buyer).to.equal(price("7"));
      expect(seller).to.equal(price("7"));
    });
  });

  describe("with losses, transmission, certificate cost and W", function () {
    it("pays the seller its ask + X plus (1 − ε) of half the surplus", async function () {
      const { rule } = await loadFixture(surplusSplitFixture);
      // ε = 5 %, S = 0.5, W = 0.25, X = 0.2, F_S = 3.6: cost = (3.6 + 0.2) / 0.95 + 0.5 + 0.25 = 4 + 0.75 = 4.75.
      const bid = price("10");
      const cost = sellerCost({ ask: price("3.6"), x: price("0.2"), lossPpm: 50_000n, transmission: price("0.5"), w: price("0.25") });
      expect(cost).to.equal(price("4.75"));
      const surplus = bid - cost; // 5.25
      const [buyer, seller] = await rule.prices(
        quote({
          bid,
          ask: price("3.6"),
          certCost: price("0.2"),
          lossPpm: 50_000n,
          transmissionPrice: price("0.5"),
          envSubsidy: price("0.25"),
          surplus,
        }),
      );
      // buyer 10 − 2.625 = 7.375; seller 3.8 + 5.25 × 0.95 / 2 = 3.8 + 2.49375 = 6.29375.
      expect(buyer).to.equal(price("7.375"));
      expect(seller).to.equal(price("6.29375"));
      expect(buyer <= bid).to.equal(true);
      expect(seller >= price("3.8")).to.equal(true);
    });
  });

  describe("when the halves are not whole wei", function () {
    it("rounds in the counterparty's favour", async function () {
      const { rule } = await loadFixture(surplusSplitFixture);
      // Δf = 3 wei, ε = 50 %: buyer bid − floor(1.5) = bid − 1; seller ask + floor(3 × 500000 / 2e6) = ask + floor(0.75).
      const [buyer, seller] = await rule.prices(quote({ bid: 100n, ask: 10n, lossPpm: 500_000n, surplus: 3n }));
      expect(buyer).to.equal(99n);
      expect(seller).to.equal(10n + (3n * (PPM - 500_000n)) / (2n * PPM));
      expect(seller).to.equal(10n);
    });
  });

  it("prices the bounds of the market without overflow", async function () {
    const { rule } = await loadFixture(surplusSplitFixture);
    const bid = 10n ** 24n;
    const [buyer, seller] = await rule.prices(quote({ bid, ask: 1n, lossPpm: PPM - 1n, surplus: bid - 1n - WAD }));
    expect(buyer).to.equal(bid - (bid - 1n - WAD) / 2n);
    expect(seller).to.equal(1n + ((bid - 1n - WAD) * 1n) / (2n * PPM));
  });
});
