import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { id } from "ethers";
import { directSubmitter } from "../../src/submitters";
import { deployMarketFixture } from "../helpers/fixtures";

describe("direct submitter (src/submitters/direct)", function () {
  describe("when one signer submits many transactions at once", function () {
    it("sends them in call order with consecutive nonces, so an automining node takes them all", async function () {
      const sys = await loadFixture(deployMarketFixture);
      const [user] = sys.users;
      const first = await sys.cashier.getNonce();
      const txs = await Promise.all(
        Array.from({ length: 12 }, (_, k) => sys.token.deposit.populateTransaction(user!.address, 10n ** 18n, id(`r${k}`))),
      );
      const receipts = await Promise.all(txs.map(async (tx) => (await directSubmitter.submit(sys.cashier, tx)).wait()));
      const nonces = await Promise.all(receipts.map(async (r) => (await r.getTransaction()).nonce));
      expect(nonces).to.deep.equal(Array.from({ length: 12 }, (_, k) => first + k));
      expect(await sys.token.balanceOf(user!.address)).to.equal(120n * 10n ** 18n); // 12 × 1 RMB at 10 tokens/RMB
    });

    it("goes on with the next transaction after one is refused", async function () {
      const sys = await loadFixture(deployMarketFixture);
      const [user] = sys.users;
      const again = await sys.token.deposit.populateTransaction(user!.address, 10n ** 18n, id("same"));
      const results = await Promise.allSettled(
        [again, again, await sys.token.deposit.populateTransaction(user!.address, 10n ** 18n, id("other"))].map(async (tx) =>
          (await directSubmitter.submit(sys.cashier, tx)).wait(),
        ),
      );
      expect(results.map((r) => r.status)).to.deep.equal(["fulfilled", "rejected", "fulfilled"]);
      expect(await sys.token.balanceOf(user!.address)).to.equal(20n * 10n ** 18n); // 2 × 1 RMB at 10 tokens/RMB
    });
  });
});
