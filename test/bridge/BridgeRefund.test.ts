import { expect } from "chai";
import { ethers } from "hardhat";
import { impersonateAccount, loadFixture, setBalance, setCode, stopImpersonatingAccount } from "@nomicfoundation/hardhat-network-helpers";
import { parseEther } from "ethers";
import { MockBridgeReceiver__factory } from "../../typechain-types";
import { MINT_LIMIT, pegFixture, settledRoundFixture, type Peg } from "./fixtures";
import {
  DAY,
  MAIN_CHAIN,
  SIDE_CHAIN,
  THRESHOLD,
  VALIDATORS,
  abandonQuorum,
  call,
  domainOf,
  govern,
  messageHashOf,
  quorum,
  refundQuorum,
  relay,
  sent,
  ABANDON_TYPES,
  type Message,
} from "./helpers";
import { WAD } from "../helpers/rules";

/** A lock of twice the side chain's whole mint limit: it can never be minted. */
async function strandedLockFixture(): Promise<Peg & { m: Message; amount: bigint }> {
  const p = await pegFixture();
  const amount = 2n * MINT_LIMIT;
  const [m] = await sent(p.main, p.vault.connect(p.users[0]!).lock(amount, p.users[1]!.address));
  return { ...p, m: m!, amount };
}

async function expectPegAtRest(p: Peg): Promise<void> {
  expect(await p.vault.locked()).to.equal(await p.wrapped.totalSupply());
  expect(await p.token.balanceOf(await p.vault.getAddress())).to.equal(await p.vault.locked());
}

describe("Bridge — abandon and refund", function () {
  describe("when a lock exceeds the side chain's mint limit for good", function () {
    it("is abandoned on the side chain and refunded to the locker on the main chain", async function () {
      const p = await loadFixture(strandedLockFixture);
      const alice = p.users[0]!;
      await expect(p.side.execute(p.m, await quorum(p.side, p.m))).to.be.revertedWithCustomError(p.side, "BridgeGatewayMintLimitExceeded");
      const hash = messageHashOf(p.m);
      await expect(p.side.abandon(p.m, await abandonQuorum(p.side, p.m)))
        .to.emit(p.side, "BridgeMessageAbandoned")
        .withArgs(MAIN_CHAIN, await p.main.getAddress(), p.m.nonce, hash);
      await expect(p.side.execute(p.m, await quorum(p.side, p.m)))
        .to.be.revertedWithCustomError(p.side, "BridgeGatewayAlreadyProcessed")
        .withArgs(MAIN_CHAIN, await p.main.getAddress(), p.m.nonce);
      const tx = p.main.refund(p.m, await refundQuorum(p.main, p.m));
      await expect(tx).to.changeTokenBalances(p.token, [p.vault, alice], [-p.amount, p.amount]);
      await expect(tx)
        .to.emit(p.main, "BridgeMessageRefunded")
        .withArgs(p.m.nonce, SIDE_CHAIN, await p.vault.getAddress(), hash)
        .and.to.emit(p.vault, "TokenVaultRefunded")
        .withArgs(alice.address, p.amount, p.m.nonce);
      expect(await p.main.refunded(p.m.nonce)).to.equal(true);
      await expectPegAtRest(p);
    });

    describe("when the refund is replayed, tampered with or under-signed", function () {
      it("reverts", async function () {
        const p = await loadFixture(strandedLockFixture);
        await (await p.side.abandon(p.m, await abandonQuorum(p.side, p.m))).wait();
        const one = (await refundQuorum(p.main, p.m)).slice(0, 1);
        await expect(p.main.refund(p.m, one))
          .to.be.revertedWithCustomError(p.main, "BridgeGatewayTooFewSignatures")
          .withArgs(1n, THRESHOLD);
        const richer = { ...p.m, payload: ethers.AbiCoder.defaultAbiCoder().encode(["address", "uint256"], [p.users[0]!.address, 3n * MINT_LIMIT]) };
        await expect(p.main.refund(richer, await refundQuorum(p.main, richer)))
          .to.be.revertedWithCustomError(p.main, "BridgeGatewayUnknownMessage")
          .withArgs(p.m.nonce);
        await (await p.main.refund(p.m, await refundQuorum(p.main, p.m))).wait();
        await expect(p.main.refund(p.m, await refundQuorum(p.main, p.m)))
          .to.be.revertedWithCustomError(p.main, "BridgeGatewayAlreadyRefunded")
          .withArgs(p.m.nonce);
      });
    });

    describe("when the abandon attestation is signed in the source's domain or by too few", function () {
      it("reverts and the message stays deliverable", async function () {
        const p = await loadFixture(strandedLockFixture);
        const wrongDomain = await Promise.all(
          VALIDATORS.slice(0, 2).map(async (w) => w.signTypedData(await domainOf(p.main), ABANDON_TYPES, { messageHash: messageHashOf(p.m) })),
        );
        await expect(p.side.abandon(p.m, wrongDomain)).to.be.revertedWithCustomError(p.side, "BridgeGatewayUnknownSigner");
        await expect(p.side.abandon(p.m, (await abandonQuorum(p.side, p.m)).slice(1)))
          .to.be.revertedWithCustomError(p.side, "BridgeGatewayTooFewSignatures")
          .withArgs(1n, THRESHOLD);
        expect(await p.side.processed(MAIN_CHAIN, await p.main.getAddress(), p.m.nonce)).to.equal(false);
      });
    });
  });

  describe("when a release exceeds the main chain's allowance for good", function () {
    it("is abandoned on the main chain and the wrapped DPLC is minted back to the burner", async function () {
      const p = await loadFixture(pegFixture);
      const alice = p.users[0]!;
      const [lock] = await sent(p.main, p.vault.connect(alice).lock(MINT_LIMIT, alice.address));
      await (await p.side.execute(lock!, await quorum(p.side, lock!))).wait();
      await (await govern(p.main, call(p.main, "setMintLimit", [WAD, DAY]))).wait();
      const [burn] = await sent(p.side, p.wrapped.connect(alice).burn(MINT_LIMIT, alice.address));
      await expect(p.main.execute(burn!, await quorum(p.main, burn!))).to.be.revertedWithCustomError(p.main, "BridgeGatewayMintLimitExceeded");
      await (await p.main.abandon(burn!, await abandonQuorum(p.main, burn!))).wait();
      const tx = p.side.refund(burn!, await refundQuorum(p.side, burn!));
      await expect(tx).to.changeTokenBalance(p.wrapped, alice, MINT_LIMIT);
      await expect(tx).to.emit(p.wrapped, "WrappedDPLCRefunded").withArgs(alice.address, MINT_LIMIT, burn!.nonce);
      await expectPegAtRest(p);
    });
  });

  describe("when the wind generator's side-chain address has no ERC-1155 receiver hook", function () {
    async function hooklessGeneratorFixture() {
      const f = await settledRoundFixture();
      const generator = f.winds[0]!;
      // A contract account without onERC1155Received (issue 14: certificates never issued).
      await setCode(generator.address, await ethers.provider.getCode(await (await new MockBridgeReceiver__factory(f.g.admin).deploy()).getAddress()));
      const [m] = await sent(f.g.main, f.reporter.report(f.book.roundId, [0n]));
      return { ...f, generator, m: m! };
    }

    it("is abandoned, returned, and re-issued once to a corrected receiver", async function () {
      const f = await loadFixture(hooklessGeneratorFixture);
      const r = f.book.roundId;
      await expect(f.g.side.execute(f.m, await quorum(f.g.side, f.m)))
        .to.be.revertedWithCustomError(f.certificates, "ERC1155InvalidReceiver")
        .withArgs(f.generator.address);
      await (await f.g.side.abandon(f.m, await abandonQuorum(f.g.side, f.m))).wait();
      await expect(f.g.main.refund(f.m, await refundQuorum(f.g.main, f.m)))
        .to.emit(f.reporter, "SettlementReporterTradeReturned")
        .withArgs(r, 0n, f.m.nonce);
      expect(await f.reporter.isReturned(r, 0n)).to.equal(true);
      const receiver = f.consumers[1]!.address;
      await expect(f.reporter.connect(f.g.outsider).reissue(r, 0n, receiver))
        .to.be.revertedWithCustomError(f.reporter, "SettlementReporterNotGenerator")
        .withArgs(r, 0n, f.g.outsider.address);
      await impersonateAccount(f.generator.address);
      await setBalance(f.generator.address, parseEther("1"));
      const asGenerator = await ethers.getSigner(f.generator.address);
      const id = await f.certificates.certificateId(r, 0n);
      const trade = await f.book.market.trade(r, 0n);
      await expect(relay(f.g.main, f.g.side, f.reporter.connect(asGenerator).reissue(r, 0n, receiver))).to.not.be.reverted;
      expect(await f.certificates.balanceOf(receiver, id)).to.equal(trade.mwh * 1000n);
      await expect(f.reporter.connect(asGenerator).reissue(r, 0n, receiver))
        .to.be.revertedWithCustomError(f.reporter, "SettlementReporterNotReturned")
        .withArgs(r, 0n);
      await stopImpersonatingAccount(f.generator.address);
    });
  });
});
