import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroHash, keccak256, parseEther } from "ethers";
import { TimelockController__factory } from "../../typechain-types";
import { MINT_LIMIT, pegFixture } from "./fixtures";
import {
  DAY,
  SIDE_CHAIN,
  THRESHOLD,
  VALIDATORS,
  call,
  govern,
  quorum,
  sent,
  sign,
  signGovernance,
  type Message,
} from "./helpers";
import { WAD } from "../helpers/rules";

/** The timelock's delay: long enough for validators to notice a proposal and cancel it or pause the gateway. */
const DELAY = 2n * DAY;

/** The peg with 5,000 DPLC locked in the vault and minted on the side chain (what issue 14's drain took). */
async function lockedPegFixture() {
  const p = await pegFixture();
  const alice = p.users[0]!;
  const [m] = await sent(p.main, p.vault.connect(alice).lock(5_000n * WAD, alice.address));
  await (await p.side.execute(m!, await quorum(p.side, m!))).wait();
  return p;
}

/** The peg's main gateway governed also by a TimelockController: the admin proposes, validator 0 may cancel. */
async function timelockFixture() {
  const p = await pegFixture();
  const canceller = VALIDATORS[0]!.connect(ethers.provider);
  await (await p.admin.sendTransaction({ to: canceller.address, value: parseEther("1") })).wait();
  const timelock = await new TimelockController__factory(p.admin).deploy(DELAY, [p.admin.address], [ethers.ZeroAddress], p.admin.address);
  await (await timelock.grantRole(await timelock.CANCELLER_ROLE(), canceller.address)).wait();
  await (await timelock.renounceRole(await timelock.DEFAULT_ADMIN_ROLE(), p.admin.address)).wait();
  await (await govern(p.main, call(p.main, "grantRole", [await p.main.GOVERNOR_ROLE(), await timelock.getAddress()]))).wait();
  return { ...p, timelock, canceller };
}

describe("BridgeGateway — governance", function () {
  describe("when the admin alone tries issue 14's drain", function () {
    it("can neither add itself, lower the threshold, appoint a governor, move the remote, nor release", async function () {
      const p = await loadFixture(lockedPegFixture);
      const [admin] = await ethers.getSigners();
      const governor = await p.main.GOVERNOR_ROLE();
      await expect(p.main.addValidator(admin!.address))
        .to.be.revertedWithCustomError(p.main, "AccessControlUnauthorizedAccount")
        .withArgs(admin!.address, governor);
      await expect(p.main.setThreshold(1n))
        .to.be.revertedWithCustomError(p.main, "AccessControlUnauthorizedAccount")
        .withArgs(admin!.address, governor);
      await expect(p.main.grantRole(governor, admin!.address))
        .to.be.revertedWithCustomError(p.main, "AccessControlUnauthorizedAccount")
        .withArgs(admin!.address, governor);
      await expect(p.main.setRemoteGateway(SIDE_CHAIN, admin!.address))
        .to.be.revertedWithCustomError(p.main, "BridgeGatewayRemoteAlreadySet")
        .withArgs(SIDE_CHAIN, await p.side.getAddress());
      await expect(p.main.setMintLimit(MINT_LIMIT * 10n, DAY))
        .to.be.revertedWithCustomError(p.main, "BridgeGatewayMintLimitAlreadySet")
        .withArgs(MINT_LIMIT, DAY);
      // The forged release the drain executed: a release of the vault's DPLC to the admin, signed by the admin.
      const forged: Message = {
        srcChainId: SIDE_CHAIN,
        destChainId: await p.main.chainId(),
        srcGateway: await p.side.getAddress(),
        destGateway: await p.main.getAddress(),
        nonce: 1n,
        sender: await p.wrapped.getAddress(),
        target: await p.vault.getAddress(),
        payload: ethers.AbiCoder.defaultAbiCoder().encode(["address", "uint256"], [admin!.address, 5_000n * WAD]),
      };
      const adminKey = new ethers.Wallet(ethers.Wallet.createRandom().privateKey);
      await expect(p.main.execute(forged, await sign(p.main, forged, [adminKey])))
        .to.be.revertedWithCustomError(p.main, "BridgeGatewayTooFewSignatures")
        .withArgs(1n, THRESHOLD);
      await expect(p.main.execute(forged, await sign(p.main, forged, [adminKey, adminKey])))
        .to.be.revertedWithCustomError(p.main, "BridgeGatewayUnknownSigner")
        .withArgs(0n, adminKey.address);
      expect(await p.token.balanceOf(await p.vault.getAddress())).to.equal(5_000n * WAD);
      expect(await p.vault.locked()).to.equal(await p.wrapped.totalSupply());
    });
  });

  describe("executeGovernance", function () {
    it("runs a call signed by a quorum once, with an event, and consumes the nonce", async function () {
      const p = await loadFixture(pegFixture);
      const data = call(p.main, "setMintLimit", [5n, DAY]);
      const deadline = BigInt(await time.latest()) + 600n;
      const signatures = await signGovernance(p.main, data, deadline);
      await expect(p.main.executeGovernance(data, deadline, signatures))
        .to.emit(p.main, "BridgeGatewayGovernanceExecuted")
        .withArgs(0n, keccak256(data))
        .and.to.emit(p.main, "BridgeGatewayMintLimitChanged")
        .withArgs(5n, DAY);
      expect(await p.main.governanceNonce()).to.equal(1n);
      // The same signatures over nonce 0 recover to other addresses under nonce 1.
      await expect(p.main.executeGovernance(data, deadline, signatures)).to.be.revertedWithCustomError(
        p.main,
        "BridgeGatewayUnknownSigner",
      );
    });

    describe("when the signatures are too few, expired or bound to another gateway", function () {
      it("reverts", async function () {
        const p = await loadFixture(pegFixture);
        const data = call(p.main, "setThreshold", [1n]);
        const deadline = BigInt(await time.latest()) + 600n;
        await expect(p.main.executeGovernance(data, deadline, await signGovernance(p.main, data, deadline, VALIDATORS.slice(0, 1))))
          .to.be.revertedWithCustomError(p.main, "BridgeGatewayTooFewSignatures")
          .withArgs(1n, THRESHOLD);
        const past = BigInt(await time.latest()) - 1n;
        await expect(p.main.executeGovernance(data, past, await signGovernance(p.main, data, past)))
          .to.be.revertedWithCustomError(p.main, "BridgeGatewayGovernanceExpired")
          .withArgs(past, BigInt(await time.latest()) + 1n);
        const forSide = await signGovernance(p.side, data, deadline);
        await expect(p.main.executeGovernance(data, deadline, forSide)).to.be.revertedWithCustomError(
          p.main,
          "BridgeGatewayUnknownSigner",
        );
        expect(await p.main.threshold()).to.equal(THRESHOLD);
      });
    });

    it("runs while paused, so a quorum can unpause", async function () {
      const p = await loadFixture(pegFixture);
      await (await p.main.pause()).wait();
      await expect(govern(p.main, call(p.main, "unpause"))).to.emit(p.main, "Unpaused");
    });
  });

  describe("pause", function () {
    it("may be called by any validator, and unpaused only by governance", async function () {
      const p = await loadFixture(pegFixture);
      const v = VALIDATORS[2]!.connect(ethers.provider);
      await (await p.admin.sendTransaction({ to: v.address, value: parseEther("1") })).wait();
      await expect(p.main.connect(v).pause()).to.emit(p.main, "Paused").withArgs(v.address);
      await expect(p.main.connect(p.admin).unpause())
        .to.be.revertedWithCustomError(p.main, "AccessControlUnauthorizedAccount")
        .withArgs(p.admin.address, await p.main.GOVERNOR_ROLE());
    });
  });

  describe("through a TimelockController", function () {
    it("executes an admin proposal only after the delay", async function () {
      const p = await loadFixture(timelockFixture);
      const data = call(p.main, "setThreshold", [3n]);
      const target = await p.main.getAddress();
      await (await p.timelock.schedule(target, 0n, data, ZeroHash, ZeroHash, DELAY)).wait();
      await expect(p.timelock.execute(target, 0n, data, ZeroHash, ZeroHash)).to.be.revertedWithCustomError(
        p.timelock,
        "TimelockUnexpectedOperationState",
      );
      await time.increase(DELAY);
      await expect(p.timelock.execute(target, 0n, data, ZeroHash, ZeroHash))
        .to.emit(p.main, "BridgeGatewayThresholdChanged")
        .withArgs(THRESHOLD, 3n);
    });

    describe("when the admin proposes to make itself the only validator", function () {
      it("is cancelled by a validator during the delay and never runs", async function () {
        const p = await loadFixture(timelockFixture);
        const target = await p.main.getAddress();
        const targets = [target, target];
        const payloads = [call(p.main, "addValidator", [p.admin.address]), call(p.main, "setThreshold", [1n])];
        await (await p.timelock.scheduleBatch(targets, [0n, 0n], payloads, ZeroHash, ZeroHash, DELAY)).wait();
        const opId = await p.timelock.hashOperationBatch(targets, [0n, 0n], payloads, ZeroHash, ZeroHash);
        await expect(p.timelock.connect(p.canceller).cancel(opId)).to.emit(p.timelock, "Cancelled").withArgs(opId);
        await time.increase(DELAY);
        await expect(p.timelock.executeBatch(targets, [0n, 0n], payloads, ZeroHash, ZeroHash)).to.be.revertedWithCustomError(
          p.timelock,
          "TimelockUnexpectedOperationState",
        );
        expect(await p.main.isValidator(p.admin.address)).to.equal(false);
      });
    });
  });

  describe("mint limit", function () {
    describe("when the period changes", function () {
      it("keeps the amount used in the current window (no second million minutes later)", async function () {
        const p = await loadFixture(pegFixture);
        const alice = p.users[0]!;
        const [first] = await sent(p.main, p.vault.connect(alice).lock(MINT_LIMIT, alice.address));
        await (await p.side.execute(first!, await quorum(p.side, first!))).wait();
        await (await govern(p.side, call(p.side, "setMintLimit", [MINT_LIMIT, 3_600n]))).wait();
        const [, , period, used] = await p.side.mintLimit();
        expect(used).to.equal(MINT_LIMIT);
        const [second] = await sent(p.main, p.vault.connect(alice).lock(MINT_LIMIT, alice.address));
        await expect(p.side.execute(second!, await quorum(p.side, second!)))
          .to.be.revertedWithCustomError(p.side, "BridgeGatewayMintLimitExceeded")
          .withArgs(period, MINT_LIMIT, 0n);
      });
    });
  });
});
