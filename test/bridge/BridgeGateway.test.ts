import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, TypedDataEncoder, ZeroAddress, id } from "ethers";
import { BridgeGateway__factory } from "../../typechain-types";
import { gatewaysFixture, type Gateways } from "./fixtures";
import {
  DAY,
  MAIN_CHAIN,
  MESSAGE_TYPES,
  SIDE_CHAIN,
  byAddress,
  call,
  govern,
  THRESHOLD,
  VALIDATORS,
  domainOf,
  namedWallet,
  quorum,
  sent,
  sign,
  type Message,
} from "./helpers";

const PAYLOAD = AbiCoder.defaultAbiCoder().encode(["string"], ["hello side chain"]);

/** A message from the main gateway's `sender` to the mock receiver on the side chain, not yet delivered. */
async function sentToSide(g: Gateways): Promise<Message> {
  const [m] = await sent(g.main, g.main.connect(g.sender).send(SIDE_CHAIN, await g.receiver.getAddress(), PAYLOAD));
  return m!;
}

describe("BridgeGateway", function () {
  describe("deployment", function () {
    it("stores the validators and threshold and grants admin and pauser roles", async function () {
      const g = await loadFixture(gatewaysFixture);
      expect(await g.side.validators()).to.deep.equal(VALIDATORS.map((w) => w.address));
      expect(await g.side.threshold()).to.equal(THRESHOLD);
      for (const w of VALIDATORS) expect(await g.side.isValidator(w.address)).to.equal(true);
      expect(await g.side.hasRole(await g.side.DEFAULT_ADMIN_ROLE(), g.admin.address)).to.equal(true);
      expect(await g.side.hasRole(await g.side.PAUSER_ROLE(), g.admin.address)).to.equal(true);
      expect(await g.side.outboundNonce()).to.equal(0n);
      expect(await g.main.remoteGateway(SIDE_CHAIN)).to.equal(await g.side.getAddress());
    });

    it("starts with a zero mint limit (fail closed) over one-day periods", async function () {
      const g = await loadFixture(gatewaysFixture);
      const [limit, periodSeconds, period, used] = await g.side.mintLimit();
      expect([limit, periodSeconds, used]).to.deep.equal([0n, DAY, 0n]);
      expect(period).to.equal(BigInt(await time.latest()) / DAY);
    });

    it("rejects a threshold of zero or above the validator count, and duplicate or zero validators", async function () {
      const [admin] = await ethers.getSigners();
      const factory = new BridgeGateway__factory(admin!);
      const vs = VALIDATORS.map((w) => w.address);
      await expect(factory.deploy(admin!.address, vs, 0n))
        .to.be.revertedWithCustomError(factory, "BridgeGatewayInvalidThreshold")
        .withArgs(0n, 3n);
      await expect(factory.deploy(admin!.address, vs, 4n))
        .to.be.revertedWithCustomError(factory, "BridgeGatewayInvalidThreshold")
        .withArgs(4n, 3n);
      await expect(factory.deploy(admin!.address, [vs[0]!, vs[0]!], 1n))
        .to.be.revertedWithCustomError(factory, "BridgeGatewayInvalidValidator")
        .withArgs(vs[0]!);
      await expect(factory.deploy(admin!.address, [ZeroAddress], 1n))
        .to.be.revertedWithCustomError(factory, "BridgeGatewayInvalidValidator")
        .withArgs(ZeroAddress);
    });
  });

  describe("EIP-712", function () {
    it("exposes the domain separator and message digest a relayer computes with ethers", async function () {
      const g = await loadFixture(gatewaysFixture);
      const m = await sentToSide(g);
      const domain = await domainOf(g.side);
      expect(domain.name).to.equal("DPLC Bridge");
      expect(domain.version).to.equal("1");
      expect(domain.verifyingContract).to.equal(await g.side.getAddress());
      expect(await g.side.domainSeparator()).to.equal(TypedDataEncoder.hashDomain(domain));
      expect(await g.side.hashMessage(m)).to.equal(TypedDataEncoder.hash(domain, MESSAGE_TYPES, m));
      expect(await g.side.MESSAGE_TYPEHASH()).to.equal(
        id(
          "BridgeMessage(uint256 srcChainId,uint256 destChainId,address srcGateway,address destGateway," +
            "uint256 nonce,address sender,address target,bytes payload)",
        ),
      );
    });

    it("gives the two gateways different digests for the same message", async function () {
      const g = await loadFixture(gatewaysFixture);
      const m = await sentToSide(g);
      expect(await g.main.hashMessage(m)).not.to.equal(await g.side.hashMessage(m));
    });
  });

  describe("send", function () {
    it("numbers messages per gateway and emits them with both chain ids", async function () {
      const g = await loadFixture(gatewaysFixture);
      const target = await g.receiver.getAddress();
      await expect(g.main.connect(g.sender).send(SIDE_CHAIN, target, PAYLOAD))
        .to.emit(g.main, "BridgeMessageSent")
        .withArgs(1n, MAIN_CHAIN, SIDE_CHAIN, g.sender.address, target, PAYLOAD);
      await expect(g.main.connect(g.sender).send(SIDE_CHAIN, target, "0x"))
        .to.emit(g.main, "BridgeMessageSent")
        .withArgs(2n, MAIN_CHAIN, SIDE_CHAIN, g.sender.address, target, "0x");
      await expect(g.side.connect(g.sender).send(MAIN_CHAIN, target, "0x"))
        .to.emit(g.side, "BridgeMessageSent")
        .withArgs(1n, SIDE_CHAIN, MAIN_CHAIN, g.sender.address, target, "0x");
      expect(await g.main.outboundNonce()).to.equal(2n);
    });

    describe("when the caller is not an allowed sender", function () {
      it("reverts", async function () {
        const g = await loadFixture(gatewaysFixture);
        await expect(g.main.connect(g.outsider).send(SIDE_CHAIN, await g.receiver.getAddress(), PAYLOAD))
          .to.be.revertedWithCustomError(g.main, "AccessControlUnauthorizedAccount")
          .withArgs(g.outsider.address, await g.main.SENDER_ROLE());
      });
    });

    describe("when the destination is unknown, this chain, or the target is zero", function () {
      it("reverts", async function () {
        const g = await loadFixture(gatewaysFixture);
        const target = await g.receiver.getAddress();
        await expect(g.main.connect(g.sender).send(3003n, target, PAYLOAD))
          .to.be.revertedWithCustomError(g.main, "BridgeGatewayUnknownDestination")
          .withArgs(3003n);
        await expect(g.main.connect(g.sender).send(MAIN_CHAIN, target, PAYLOAD))
          .to.be.revertedWithCustomError(g.main, "BridgeGatewayUnknownDestination")
          .withArgs(MAIN_CHAIN);
        await expect(g.main.connect(g.sender).send(SIDE_CHAIN, ZeroAddress, PAYLOAD)).to.be.revertedWithCustomError(
          g.main,
          "BridgeGatewayZeroTarget",
        );
      });
    });

    describe("when the bridge is paused", function () {
      it("reverts", async function () {
        const g = await loadFixture(gatewaysFixture);
        await (await g.main.pause()).wait();
        await expect(
          g.main.connect(g.sender).send(SIDE_CHAIN, await g.receiver.getAddress(), PAYLOAD),
        ).to.be.revertedWithCustomError(g.main, "BridgeGatewayPaused");
      });
    });
  });

  describe("execute", function () {
    it("delivers a message signed by a quorum and marks it processed", async function () {
      const g = await loadFixture(gatewaysFixture);
      const m = await sentToSide(g);
      const digest = await g.side.hashMessage(m);
      await expect(g.side.connect(g.outsider).execute(m, await quorum(g.side, m)))
        .to.emit(g.side, "BridgeMessageExecuted")
        .withArgs(MAIN_CHAIN, await g.main.getAddress(), 1n, digest, await g.receiver.getAddress())
        .and.to.emit(g.receiver, "MockBridgeReceived")
        .withArgs(MAIN_CHAIN, g.sender.address, 1n, PAYLOAD);
      expect(await g.side.processed(MAIN_CHAIN, await g.main.getAddress(), 1n)).to.equal(true);
      expect(await g.receiver.received()).to.equal(1n);
    });

    it("accepts more signatures than the threshold, and messages out of nonce order", async function () {
      const g = await loadFixture(gatewaysFixture);
      const first = await sentToSide(g);
      const second = await sentToSide(g);
      await (await g.side.execute(second, await sign(g.side, second, VALIDATORS))).wait();
      await (await g.side.execute(first, await quorum(g.side, first))).wait();
      expect(await g.receiver.received()).to.equal(2n);
    });

    describe("when a signature is forged (a key outside the validator set)", function () {
      it("reverts naming the signer", async function () {
        const g = await loadFixture(gatewaysFixture);
        const m = await sentToSide(g);
        const forger = namedWallet("forger");
        const signers = [VALIDATORS[0]!, forger].sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
        const at = signers.indexOf(forger);
        await expect(g.side.execute(m, await sign(g.side, m, signers)))
          .to.be.revertedWithCustomError(g.side, "BridgeGatewayUnknownSigner")
          .withArgs(at, forger.address);
      });
    });

    describe("when the message was altered after signing", function () {
      it("recovers foreign signers and reverts", async function () {
        const g = await loadFixture(gatewaysFixture);
        const m = await sentToSide(g);
        const signatures = await quorum(g.side, m);
        const altered = { ...m, payload: AbiCoder.defaultAbiCoder().encode(["string"], ["mint me more"]) };
        await expect(g.side.execute(altered, signatures)).to.be.revertedWithCustomError(
          g.side,
          "BridgeGatewayUnknownSigner",
        );
      });
    });

    describe("when a signature is malformed", function () {
      it("reverts with its index", async function () {
        const g = await loadFixture(gatewaysFixture);
        const m = await sentToSide(g);
        const [good] = await sign(g.side, m, VALIDATORS.slice(0, 1));
        await expect(g.side.execute(m, [good!, "0x" + "11".repeat(64)]))
          .to.be.revertedWithCustomError(g.side, "BridgeGatewayInvalidSignature")
          .withArgs(1n);
      });
    });

    describe("when there are too few signatures", function () {
      it("reverts", async function () {
        const g = await loadFixture(gatewaysFixture);
        const m = await sentToSide(g);
        await expect(g.side.execute(m, await sign(g.side, m, VALIDATORS.slice(0, 1))))
          .to.be.revertedWithCustomError(g.side, "BridgeGatewayTooFewSignatures")
          .withArgs(1n, THRESHOLD);
        await expect(g.side.execute(m, []))
          .to.be.revertedWithCustomError(g.side, "BridgeGatewayTooFewSignatures")
          .withArgs(0n, THRESHOLD);
      });
    });

    describe("when one validator signs twice or signers are out of order", function () {
      it("reverts", async function () {
        const g = await loadFixture(gatewaysFixture);
        const m = await sentToSide(g);
        const [v0, v1] = VALIDATORS;
        await expect(g.side.execute(m, await sign(g.side, m, [v0!, v0!])))
          .to.be.revertedWithCustomError(g.side, "BridgeGatewayDuplicateSigner")
          .withArgs(v0!.address);
        await expect(g.side.execute(m, await sign(g.side, m, [v1!, v0!])))
          .to.be.revertedWithCustomError(g.side, "BridgeGatewaySignersUnordered")
          .withArgs(v1!.address, v0!.address);
      });
    });

    describe("when the nonce was processed already", function () {
      it("reverts the replay", async function () {
        const g = await loadFixture(gatewaysFixture);
        const m = await sentToSide(g);
        const signatures = await quorum(g.side, m);
        await (await g.side.execute(m, signatures)).wait();
        await expect(g.side.execute(m, signatures))
          .to.be.revertedWithCustomError(g.side, "BridgeGatewayAlreadyProcessed")
          .withArgs(MAIN_CHAIN, await g.main.getAddress(), 1n);
        const other = await sign(g.side, m, [VALIDATORS[1]!, VALIDATORS[2]!]);
        await expect(g.side.execute(m, other)).to.be.revertedWithCustomError(g.side, "BridgeGatewayAlreadyProcessed");
        expect(await g.receiver.received()).to.equal(1n);
      });
    });

    describe("when the message is for another chain", function () {
      it("reverts even with valid signatures", async function () {
        const g = await loadFixture(gatewaysFixture);
        const m = { ...(await sentToSide(g)), destChainId: 3003n };
        await expect(g.side.execute(m, await quorum(g.side, m)))
          .to.be.revertedWithCustomError(g.side, "BridgeGatewayWrongDestinationChain")
          .withArgs(3003n, SIDE_CHAIN);
      });
    });

    describe("when the message is for another gateway", function () {
      it("reverts", async function () {
        const g = await loadFixture(gatewaysFixture);
        const m = { ...(await sentToSide(g)), destGateway: await g.main.getAddress() };
        await expect(g.side.execute(m, await quorum(g.side, m)))
          .to.be.revertedWithCustomError(g.side, "BridgeGatewayWrongGateway")
          .withArgs(await g.main.getAddress(), await g.side.getAddress());
      });
    });

    describe("when the source gateway is not the registered one", function () {
      it("reverts", async function () {
        const g = await loadFixture(gatewaysFixture);
        const impostor = g.outsider.address;
        const m = { ...(await sentToSide(g)), srcGateway: impostor };
        await expect(g.side.execute(m, await quorum(g.side, m)))
          .to.be.revertedWithCustomError(g.side, "BridgeGatewayUnknownSource")
          .withArgs(MAIN_CHAIN, impostor);
      });
    });

    describe("when the signatures were made for the other gateway's domain", function () {
      it("reverts (no cross-gateway replay)", async function () {
        const g = await loadFixture(gatewaysFixture);
        const m = await sentToSide(g);
        await expect(g.side.execute(m, await quorum(g.main, m))).to.be.revertedWithCustomError(
          g.side,
          "BridgeGatewayUnknownSigner",
        );
      });
    });

    describe("when the bridge is paused", function () {
      it("reverts, and delivers after unpausing", async function () {
        const g = await loadFixture(gatewaysFixture);
        const m = await sentToSide(g);
        const signatures = await quorum(g.side, m);
        await expect(g.side.pause()).to.emit(g.side, "Paused").withArgs(g.admin.address);
        await expect(g.side.execute(m, signatures)).to.be.revertedWithCustomError(g.side, "BridgeGatewayPaused");
        await expect(govern(g.side, call(g.side, "unpause")))
          .to.emit(g.side, "Unpaused")
          .withArgs(await g.side.getAddress());
        await (await g.side.execute(m, signatures)).wait();
        expect(await g.receiver.received()).to.equal(1n);
      });
    });

    describe("when a signer was removed from the validator set", function () {
      it("no longer counts its signature", async function () {
        const g = await loadFixture(gatewaysFixture);
        const m = await sentToSide(g);
        const signatures = await quorum(g.side, m);
        await (await govern(g.side, call(g.side, "removeValidator", [VALIDATORS[0]!.address]))).wait();
        await expect(g.side.execute(m, signatures))
          .to.be.revertedWithCustomError(g.side, "BridgeGatewayUnknownSigner")
          .withArgs(0n, VALIDATORS[0]!.address);
      });
    });

    describe("when the target reverts", function () {
      it("bubbles the error and leaves the message deliverable", async function () {
        const g = await loadFixture(gatewaysFixture);
        const m = await sentToSide(g);
        const signatures = await quorum(g.side, m);
        await (await g.receiver.setBehaviour(true, false)).wait();
        await expect(g.side.execute(m, signatures))
          .to.be.revertedWithCustomError(g.receiver, "MockBridgeReceiverFailed")
          .withArgs(1n);
        expect(await g.side.processed(MAIN_CHAIN, await g.main.getAddress(), 1n)).to.equal(false);
        await (await g.receiver.setBehaviour(false, false)).wait();
        await (await g.side.execute(m, signatures)).wait();
        expect(await g.receiver.received()).to.equal(1n);
      });
    });

    describe("when the target does not acknowledge or has no code", function () {
      it("reverts", async function () {
        const g = await loadFixture(gatewaysFixture);
        const m = await sentToSide(g);
        await (await g.receiver.setBehaviour(false, true)).wait();
        await expect(g.side.execute(m, await quorum(g.side, m)))
          .to.be.revertedWithCustomError(g.side, "BridgeGatewayInvalidReceiver")
          .withArgs(await g.receiver.getAddress());
        const [toEoa] = await sent(g.main, g.main.connect(g.sender).send(SIDE_CHAIN, g.outsider.address, PAYLOAD));
        await expect(g.side.execute(toEoa!, await quorum(g.side, toEoa!)))
          .to.be.revertedWithCustomError(g.side, "BridgeGatewayInvalidReceiver")
          .withArgs(g.outsider.address);
      });
    });
  });

  describe("production chain id", function () {
    it("binds messages to block.chainid", async function () {
      const [admin] = await ethers.getSigners();
      const gw = await new BridgeGateway__factory(admin!).deploy(admin!.address, [VALIDATORS[0]!.address], 1n);
      const { chainId } = await ethers.provider.getNetwork();
      expect(await gw.chainId()).to.equal(chainId);
      expect((await gw.eip712Domain()).chainId).to.equal(chainId);
      await (await gw.setRemoteGateway(MAIN_CHAIN, admin!.address)).wait();
      const m: Message = {
        srcChainId: MAIN_CHAIN,
        destChainId: MAIN_CHAIN,
        srcGateway: admin!.address,
        destGateway: await gw.getAddress(),
        nonce: 1n,
        sender: admin!.address,
        target: admin!.address,
        payload: "0x",
      };
      await expect(gw.execute(m, await sign(gw, m, VALIDATORS.slice(0, 1))))
        .to.be.revertedWithCustomError(gw, "BridgeGatewayWrongDestinationChain")
        .withArgs(MAIN_CHAIN, chainId);
      await expect(gw.setRemoteGateway(chainId, admin!.address))
        .to.be.revertedWithCustomError(gw, "BridgeGatewayInvalidRemote")
        .withArgs(chainId);
    });
  });

  describe("production gateway as destination", function () {
    it("executes a message addressed to block.chainid from a registered source", async function () {
      const g = await loadFixture(gatewaysFixture);
      const { chainId } = await ethers.provider.getNetwork();
      const real = await new BridgeGateway__factory(g.admin).deploy(g.admin.address, VALIDATORS.map((w) => w.address), THRESHOLD);
      await (await real.setRemoteGateway(MAIN_CHAIN, await g.main.getAddress())).wait();
      await (await g.main.setRemoteGateway(chainId, await real.getAddress())).wait();
      const [m] = await sent(g.main, g.main.connect(g.sender).send(chainId, await g.receiver.getAddress(), PAYLOAD));
      expect(m!.destGateway).to.equal(await real.getAddress());
      await expect(real.execute(m!, await quorum(real, m!)))
        .to.emit(g.receiver, "MockBridgeReceived")
        .withArgs(MAIN_CHAIN, g.sender.address, 1n, PAYLOAD);
    });
  });

  describe("administration", function () {
    it("adds and removes validators and changes the threshold through validator governance, with events", async function () {
      const g = await loadFixture(gatewaysFixture);
      const gw = g.side;
      const extraWallet = namedWallet("validator-4");
      const extra = extraWallet.address;
      await expect(govern(gw, call(gw, "addValidator", [extra]))).to.emit(gw, "BridgeGatewayValidatorAdded").withArgs(extra);
      await expect(govern(gw, call(gw, "setThreshold", [4n]))).to.emit(gw, "BridgeGatewayThresholdChanged").withArgs(THRESHOLD, 4n);
      const four = byAddress([...VALIDATORS, extraWallet]);
      await expect(govern(gw, call(gw, "removeValidator", [extra]), four))
        .to.be.revertedWithCustomError(gw, "BridgeGatewayInvalidThreshold")
        .withArgs(4n, 3n);
      await (await govern(gw, call(gw, "setThreshold", [3n]), four)).wait();
      await expect(govern(gw, call(gw, "removeValidator", [extra]), four)).to.emit(gw, "BridgeGatewayValidatorRemoved").withArgs(extra);
      const all = [...VALIDATORS];
      expect(await gw.isValidator(extra)).to.equal(false);
      await expect(govern(gw, call(gw, "removeValidator", [extra]), all))
        .to.be.revertedWithCustomError(gw, "BridgeGatewayInvalidValidator")
        .withArgs(extra);
      await expect(govern(gw, call(gw, "addValidator", [VALIDATORS[0]!.address]), all))
        .to.be.revertedWithCustomError(gw, "BridgeGatewayInvalidValidator")
        .withArgs(VALIDATORS[0]!.address);
      await expect(govern(gw, call(gw, "setThreshold", [0n]), all))
        .to.be.revertedWithCustomError(gw, "BridgeGatewayInvalidThreshold")
        .withArgs(0n, 3n);
    });

    it("registers and forgets remote gateways through governance, with events", async function () {
      const g = await loadFixture(gatewaysFixture);
      const gw = g.side;
      await expect(govern(gw, call(gw, "setRemoteGateway", [3003n, g.outsider.address])))
        .to.emit(gw, "BridgeGatewayRemoteSet")
        .withArgs(3003n, g.outsider.address);
      await expect(govern(gw, call(gw, "setRemoteGateway", [MAIN_CHAIN, ZeroAddress])))
        .to.emit(gw, "BridgeGatewayRemoteSet")
        .withArgs(MAIN_CHAIN, ZeroAddress);
      const m = await sentToSide(g);
      await expect(gw.execute(m, await quorum(gw, m)))
        .to.be.revertedWithCustomError(gw, "BridgeGatewayUnknownSource")
        .withArgs(MAIN_CHAIN, await g.main.getAddress());
      for (const bad of [0n, SIDE_CHAIN]) {
        await expect(gw.setRemoteGateway(bad, g.outsider.address))
          .to.be.revertedWithCustomError(gw, "BridgeGatewayInvalidRemote")
          .withArgs(bad);
      }
    });

    describe("when the caller lacks the role", function () {
      it("reverts every governance, bootstrap and pauser function", async function () {
        const g = await loadFixture(gatewaysFixture);
        const admin = await g.side.DEFAULT_ADMIN_ROLE();
        const governor = await g.side.GOVERNOR_ROLE();
        const pauser = await g.side.PAUSER_ROLE();
        const gw = g.side.connect(g.outsider);
        const calls: [() => Promise<unknown>, string][] = [
          [() => gw.addValidator(g.outsider.address), governor],
          [() => gw.removeValidator(VALIDATORS[0]!.address), governor],
          [() => gw.setThreshold(1n), governor],
          [() => gw.setRemoteGateway(3003n, g.outsider.address), admin],
          [() => gw.setMintLimit(1n, DAY), admin],
          [() => gw.pause(), pauser],
          [() => gw.unpause(), governor],
          [() => gw.consumeMintLimit(1n), await g.side.PEG_ROLE()],
        ];
        for (const [fn, role] of calls) {
          await expect(fn())
            .to.be.revertedWithCustomError(g.side, "AccessControlUnauthorizedAccount")
            .withArgs(g.outsider.address, role);
        }
      });
    });
  });

  describe("mint limit", function () {
    async function pegRoleFixture() {
      const g = await gatewaysFixture();
      await (await g.side.grantRole(await g.side.PEG_ROLE(), g.sender.address)).wait();
      await (await g.side.setMintLimit(1_000n, DAY)).wait();
      return g;
    }

    it("lets the peg use the allowance of the current period, with events", async function () {
      const g = await loadFixture(pegRoleFixture);
      // The transaction is mined one second after the latest block.
      const period = (BigInt(await time.latest()) + 1n) / DAY;
      await expect(g.side.connect(g.sender).consumeMintLimit(600n))
        .to.emit(g.side, "BridgeGatewayMintLimitConsumed")
        .withArgs(g.sender.address, period, 600n, 600n);
      await (await g.side.connect(g.sender).consumeMintLimit(400n)).wait();
      const [, , , used] = await g.side.mintLimit();
      expect(used).to.equal(1_000n);
    });

    describe("when a mint would exceed the period's allowance", function () {
      it("reverts, and the allowance renews in the next period", async function () {
        const g = await loadFixture(pegRoleFixture);
        await (await g.side.connect(g.sender).consumeMintLimit(700n)).wait();
        const period = BigInt(await time.latest()) / DAY;
        await expect(g.side.connect(g.sender).consumeMintLimit(301n))
          .to.be.revertedWithCustomError(g.side, "BridgeGatewayMintLimitExceeded")
          .withArgs(period, 301n, 300n);
        await time.increaseTo((period + 1n) * DAY);
        await (await g.side.connect(g.sender).consumeMintLimit(1_000n)).wait();
      });
    });

    describe("when the limit is changed or paused", function () {
      it("emits, refuses a zero period, and refuses use while paused", async function () {
        const g = await loadFixture(pegRoleFixture);
        await expect(govern(g.side, call(g.side, "setMintLimit", [5n, 3_600n])))
          .to.emit(g.side, "BridgeGatewayMintLimitChanged")
          .withArgs(5n, 3_600n);
        await expect(govern(g.side, call(g.side, "setMintLimit", [5n, 0n]))).to.be.revertedWithCustomError(
          g.side,
          "BridgeGatewayInvalidPeriod",
        );
        await (await g.side.pause()).wait();
        await expect(g.side.connect(g.sender).consumeMintLimit(1n)).to.be.revertedWithCustomError(
          g.side,
          "BridgeGatewayPaused",
        );
      });
    });
  });
});
