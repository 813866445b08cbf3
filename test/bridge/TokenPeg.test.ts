import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, ZeroAddress } from "ethers";
import { TokenVault__factory, WrappedDPLC__factory } from "../../typechain-types";
import { MINT_LIMIT, pegFixture, type Peg } from "./fixtures";
import { DAY, MAIN_CHAIN, SIDE_CHAIN, call, deliver, govern, quorum, relay, sent } from "./helpers";
import { WAD } from "../helpers/rules";

const coder = AbiCoder.defaultAbiCoder();
const pegPayload = (recipient: string, amount: bigint) => coder.encode(["address", "uint256"], [recipient, amount]);

async function expectPegAtRest(p: Peg): Promise<void> {
  const locked = await p.vault.locked();
  expect(locked).to.equal(await p.wrapped.totalSupply());
  expect(await p.token.balanceOf(await p.vault.getAddress())).to.equal(locked);
}

describe("Token peg (TokenVault ⇄ WrappedDPLC)", function () {
  describe("lock on the main chain", function () {
    it("takes DPLC into the vault and sends a mint message to the wrapped token", async function () {
      const p = await loadFixture(pegFixture);
      const [alice, bob] = p.users;
      const amount = 1_000n * WAD;
      const tx = p.vault.connect(alice!).lock(amount, bob!.address);
      await expect(tx).to.changeTokenBalances(p.token, [alice!, p.vault], [-amount, amount]);
      await expect(tx)
        .to.emit(p.vault, "TokenVaultLocked")
        .withArgs(alice!.address, bob!.address, amount, 1n)
        .and.to.emit(p.main, "BridgeMessageSent")
        .withArgs(1n, MAIN_CHAIN, SIDE_CHAIN, await p.vault.getAddress(), await p.wrapped.getAddress(), pegPayload(bob!.address, amount));
      expect(await p.vault.locked()).to.equal(amount);
      expect(await p.wrapped.totalSupply()).to.equal(0n);
    });

    describe("when the amount or recipient is zero, or the peer is not set", function () {
      it("reverts", async function () {
        const p = await loadFixture(pegFixture);
        const alice = p.users[0]!;
        await expect(p.vault.connect(alice).lock(0n, alice.address)).to.be.revertedWithCustomError(p.vault, "TokenVaultZeroAmount");
        await expect(p.vault.connect(alice).lock(1n, ZeroAddress)).to.be.revertedWithCustomError(p.vault, "TokenVaultZeroRecipient");
        const lonely = await new TokenVault__factory(p.admin).deploy(await p.token.getAddress(), await p.main.getAddress(), p.admin.address);
        await expect(lonely.connect(alice).lock(1n, alice.address)).to.be.revertedWithCustomError(lonely, "BridgeAppPeerNotSet");
      });
    });
  });

  describe("mint on the side chain", function () {
    it("mints the locked amount to the recipient when the gateway delivers the vault's message", async function () {
      const p = await loadFixture(pegFixture);
      const [alice, bob] = p.users;
      const amount = 2_500n * WAD;
      const [m] = await sent(p.main, p.vault.connect(alice!).lock(amount, bob!.address));
      const tx = p.side.execute(m!, await quorum(p.side, m!));
      await expect(tx).to.changeTokenBalance(p.wrapped, bob!, amount);
      await expect(tx).to.emit(p.wrapped, "WrappedDPLCMinted").withArgs(bob!.address, amount, 1n);
      await expectPegAtRest(p);
    });

    describe("when the mint exceeds the period's limit", function () {
      it("reverts the delivery, which succeeds in the next period", async function () {
        const p = await loadFixture(pegFixture);
        const alice = p.users[0]!;
        const [first] = await relay(p.main, p.side, p.vault.connect(alice).lock(MINT_LIMIT - 10n, alice.address));
        expect(first!.nonce).to.equal(1n);
        const [m] = await sent(p.main, p.vault.connect(alice).lock(11n, alice.address));
        const signatures = await quorum(p.side, m!);
        const period = (BigInt(await time.latest()) + 1n) / DAY;
        await expect(p.side.execute(m!, signatures))
          .to.be.revertedWithCustomError(p.side, "BridgeGatewayMintLimitExceeded")
          .withArgs(period, 11n, 10n);
        expect(await p.side.processed(MAIN_CHAIN, await p.main.getAddress(), m!.nonce)).to.equal(false);
        expect(await p.vault.locked()).to.be.greaterThan(await p.wrapped.totalSupply());
        await time.increaseTo((period + 1n) * DAY);
        await (await p.side.execute(m!, signatures)).wait();
        await expectPegAtRest(p);
      });
    });

    describe("when the bridge is paused", function () {
      it("reverts the delivery", async function () {
        const p = await loadFixture(pegFixture);
        const [m] = await sent(p.main, p.vault.connect(p.users[0]!).lock(WAD, p.users[0]!.address));
        await (await p.side.pause()).wait();
        await expect(p.side.execute(m!, await quorum(p.side, m!))).to.be.revertedWithCustomError(p.side, "BridgeGatewayPaused");
      });
    });

    describe("when the message does not come from the vault on the main chain", function () {
      it("refuses to mint", async function () {
        const p = await loadFixture(pegFixture);
        const wrapped = await p.wrapped.getAddress();
        const [forged] = await sent(p.main, p.main.connect(p.sender).send(SIDE_CHAIN, wrapped, pegPayload(p.sender.address, WAD)));
        await expect(p.side.execute(forged!, await quorum(p.side, forged!)))
          .to.be.revertedWithCustomError(p.wrapped, "BridgeAppUnknownPeer")
          .withArgs(MAIN_CHAIN, p.sender.address);
        // A contract on the side chain at the vault's address is not the vault either.
        await (await p.side.setRemoteGateway(3003n, await p.main.getAddress())).wait();
        const spoofed = { ...forged!, srcChainId: 3003n, sender: await p.vault.getAddress() };
        await expect(p.side.execute(spoofed, await quorum(p.side, spoofed)))
          .to.be.revertedWithCustomError(p.wrapped, "BridgeAppUnknownPeer")
          .withArgs(3003n, await p.vault.getAddress());
      });
    });

    describe("when someone other than the gateway calls it", function () {
      it("reverts", async function () {
        const p = await loadFixture(pegFixture);
        const vault = await p.vault.getAddress();
        await expect(p.wrapped.connect(p.outsider).onBridgeMessage(MAIN_CHAIN, vault, 1n, pegPayload(p.outsider.address, WAD)))
          .to.be.revertedWithCustomError(p.wrapped, "BridgeAppNotGateway")
          .withArgs(p.outsider.address);
        await expect(p.vault.connect(p.outsider).onBridgeMessage(SIDE_CHAIN, await p.wrapped.getAddress(), 1n, pegPayload(p.outsider.address, WAD)))
          .to.be.revertedWithCustomError(p.vault, "BridgeAppNotGateway")
          .withArgs(p.outsider.address);
      });
    });
  });

  describe("burn on the side chain and release on the main chain", function () {
    async function wrappedFixture() {
      const p = await pegFixture();
      await relay(p.main, p.side, p.vault.connect(p.users[0]!).lock(5_000n * WAD, p.users[0]!.address));
      return p;
    }

    it("burns wrapped DPLC and sends a release message", async function () {
      const p = await loadFixture(wrappedFixture);
      const [alice, bob] = p.users;
      const amount = 1_200n * WAD;
      const tx = p.wrapped.connect(alice!).burn(amount, bob!.address);
      await expect(tx).to.changeTokenBalance(p.wrapped, alice!, -amount);
      await expect(tx)
        .to.emit(p.wrapped, "WrappedDPLCBurned")
        .withArgs(alice!.address, bob!.address, amount, 1n)
        .and.to.emit(p.side, "BridgeMessageSent")
        .withArgs(1n, SIDE_CHAIN, MAIN_CHAIN, await p.wrapped.getAddress(), await p.vault.getAddress(), pegPayload(bob!.address, amount));
      expect(await p.wrapped.totalSupply()).to.be.lessThan(await p.vault.locked());
    });

    it("releases DPLC from the vault on the verified message", async function () {
      const p = await loadFixture(wrappedFixture);
      const [alice, bob] = p.users;
      const amount = 1_200n * WAD;
      const [m] = await sent(p.side, p.wrapped.connect(alice!).burn(amount, bob!.address));
      const tx = p.main.execute(m!, await quorum(p.main, m!));
      await expect(tx).to.changeTokenBalances(p.token, [p.vault, bob!], [-amount, amount]);
      await expect(tx).to.emit(p.vault, "TokenVaultReleased").withArgs(bob!.address, amount, 1n);
      await expectPegAtRest(p);
    });

    it("uses the main gateway's allowance to release, not the side chain's mint limit", async function () {
      const p = await loadFixture(wrappedFixture);
      await (await govern(p.side, call(p.side, "setMintLimit", [0n, DAY]))).wait();
      const before = (await p.main.mintLimit())[3];
      await relay(p.side, p.main, p.wrapped.connect(p.users[0]!).burn(5_000n * WAD, p.users[0]!.address));
      await expectPegAtRest(p);
      expect(await p.vault.locked()).to.equal(0n);
      expect((await p.main.mintLimit())[3]).to.equal(before + 5_000n * WAD);
    });

    describe("when a release exceeds the main gateway's allowance", function () {
      it("reverts with the limit's error and leaves the message deliverable", async function () {
        const p = await loadFixture(wrappedFixture);
        const alice = p.users[0]!;
        await (await govern(p.main, call(p.main, "setMintLimit", [WAD, DAY]))).wait();
        const [m] = await sent(p.side, p.wrapped.connect(alice).burn(2n * WAD, alice.address));
        const period = (BigInt(await time.latest()) + 1n) / DAY;
        await expect(p.main.execute(m!, await quorum(p.main, m!)))
          .to.be.revertedWithCustomError(p.main, "BridgeGatewayMintLimitExceeded")
          .withArgs(period, 2n * WAD, WAD);
        expect(await p.main.processed(SIDE_CHAIN, await p.side.getAddress(), m!.nonce)).to.equal(false);
      });
    });

    describe("when the amount or recipient is zero, or exceeds the balance", function () {
      it("reverts", async function () {
        const p = await loadFixture(wrappedFixture);
        const [alice, bob] = p.users;
        await expect(p.wrapped.connect(alice!).burn(0n, alice!.address)).to.be.revertedWithCustomError(p.wrapped, "WrappedDPLCZeroAmount");
        await expect(p.wrapped.connect(alice!).burn(1n, ZeroAddress)).to.be.revertedWithCustomError(p.wrapped, "WrappedDPLCZeroRecipient");
        await expect(p.wrapped.connect(bob!).burn(1n, bob!.address))
          .to.be.revertedWithCustomError(p.wrapped, "ERC20InsufficientBalance")
          .withArgs(bob!.address, 0n, 1n);
      });
    });

    describe("when the main gateway is paused", function () {
      it("refuses to release (no mint limit stands in the way) and to lock, and releases after unpausing", async function () {
        const p = await loadFixture(wrappedFixture);
        const alice = p.users[0]!;
        const [m] = await sent(p.side, p.wrapped.connect(alice).burn(WAD, alice.address));
        const signatures = await quorum(p.main, m!);
        await (await p.main.pause()).wait();
        await expect(p.main.execute(m!, signatures)).to.be.revertedWithCustomError(p.main, "BridgeGatewayPaused");
        await expect(p.vault.connect(alice).lock(WAD, alice.address)).to.be.revertedWithCustomError(p.main, "BridgeGatewayPaused");
        expect(await p.main.processed(SIDE_CHAIN, await p.side.getAddress(), m!.nonce)).to.equal(false);
        await (await govern(p.main, call(p.main, "unpause"))).wait();
        await expect(p.main.execute(m!, signatures)).to.changeTokenBalance(p.token, alice, WAD);
        await expectPegAtRest(p);
      });
    });

    describe("when a release message is replayed", function () {
      it("pays once", async function () {
        const p = await loadFixture(wrappedFixture);
        const [m] = await sent(p.side, p.wrapped.connect(p.users[0]!).burn(WAD, p.users[1]!.address));
        await deliver(p.main, m!);
        await expect(p.main.execute(m!, await quorum(p.main, m!)))
          .to.be.revertedWithCustomError(p.main, "BridgeGatewayAlreadyProcessed")
          .withArgs(SIDE_CHAIN, await p.side.getAddress(), 1n);
        await expectPegAtRest(p);
      });
    });

    describe("when a compromised peer asks for more than is locked", function () {
      it("refuses to release", async function () {
        const p = await loadFixture(pegFixture);
        const vault = await new TokenVault__factory(p.admin).deploy(await p.token.getAddress(), await p.main.getAddress(), p.admin.address);
        await (await vault.setPeer(SIDE_CHAIN, p.sender.address)).wait();
        const [m] = await sent(p.side, p.side.connect(p.sender).send(MAIN_CHAIN, await vault.getAddress(), pegPayload(p.sender.address, 1n)));
        await expect(p.main.execute(m!, await quorum(p.main, m!)))
          .to.be.revertedWithCustomError(vault, "TokenVaultInsufficientLocked")
          .withArgs(1n, 0n);
      });
    });
  });

  describe("peers", function () {
    it("are set once, with an event, by the admin only", async function () {
      const p = await loadFixture(pegFixture);
      const w = await new WrappedDPLC__factory(p.admin).deploy(await p.side.getAddress(), p.admin.address);
      await expect(w.connect(p.outsider).setPeer(MAIN_CHAIN, p.outsider.address))
        .to.be.revertedWithCustomError(w, "AccessControlUnauthorizedAccount")
        .withArgs(p.outsider.address, await w.DEFAULT_ADMIN_ROLE());
      await expect(w.setPeer(0n, p.outsider.address)).to.be.revertedWithCustomError(w, "BridgeAppInvalidPeer").withArgs(0n, p.outsider.address);
      await expect(w.setPeer(MAIN_CHAIN, ZeroAddress)).to.be.revertedWithCustomError(w, "BridgeAppInvalidPeer").withArgs(MAIN_CHAIN, ZeroAddress);
      const vault = await p.vault.getAddress();
      await expect(w.setPeer(MAIN_CHAIN, vault)).to.emit(w, "BridgeAppPeerSet").withArgs(MAIN_CHAIN, vault);
      expect(await w.peer()).to.deep.equal([MAIN_CHAIN, vault]);
      expect(await w.gateway()).to.equal(await p.side.getAddress());
      await expect(w.setPeer(MAIN_CHAIN, p.outsider.address))
        .to.be.revertedWithCustomError(w, "BridgeAppPeerAlreadySet")
        .withArgs(MAIN_CHAIN, vault);
      expect(await p.vault.token()).to.equal(await p.token.getAddress());
    });
  });
});
