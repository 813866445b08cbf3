import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  BridgeGateway__factory,
  ProcessedProbeReceiver__factory,
  ReentrantBridgeReceiver__factory,
} from "../../typechain-types";
import { gatewaysFixture, type Gateways } from "./fixtures";
import { MAIN_CHAIN, SIDE_CHAIN, THRESHOLD, VALIDATORS, quorum, sent, type Message } from "./helpers";

/**
 * A target runs arbitrary code in the middle of `execute`. Whatever it does there — re-enter `execute` with the
 * message being delivered, deliver another message, or ask the gateway about the message — the message must already
 * count as processed and be delivered at most once.
 */
async function maliciousFixture() {
  const g = await gatewaysFixture();
  const reentrant = await new ReentrantBridgeReceiver__factory(g.admin).deploy();
  const probe = await new ProcessedProbeReceiver__factory(g.admin).deploy(await g.main.getAddress());
  return { ...g, reentrant, probe };
}

/** A message from main to `target` on the side chain, with a quorum of signatures for the side gateway. */
async function signedTo(g: Gateways, target: string): Promise<{ m: Message; signatures: string[] }> {
  const [m] = await sent(g.main, g.main.connect(g.sender).send(SIDE_CHAIN, target, "0x"));
  return { m: m!, signatures: await quorum(g.side, m!) };
}

describe("BridgeGateway: reentrancy during delivery", function () {
  describe("when the target re-enters execute with the same message and signatures", function () {
    it("refuses the re-entry and delivers once, even if the target swallows the failure", async function () {
      const g = await loadFixture(maliciousFixture);
      const { m, signatures } = await signedTo(g, await g.reentrant.getAddress());
      await (await g.reentrant.arm(g.side.interface.encodeFunctionData("execute", [m, signatures]), false)).wait();
      await expect(g.side.execute(m, signatures)).to.emit(g.side, "BridgeMessageExecuted");
      const [attempted, succeeded, error] = await g.reentrant.reentry();
      expect([attempted, succeeded]).to.deep.equal([true, false]);
      expect(error).to.equal(g.side.interface.encodeErrorResult("ReentrancyGuardReentrantCall", []));
      expect(await g.reentrant.deliveries()).to.equal(1n);
      expect(await g.side.processed(MAIN_CHAIN, await g.main.getAddress(), m.nonce)).to.equal(true);
      await expect(g.side.execute(m, signatures))
        .to.be.revertedWithCustomError(g.side, "BridgeGatewayAlreadyProcessed")
        .withArgs(MAIN_CHAIN, await g.main.getAddress(), m.nonce);
    });

    it("reverts the whole delivery when the target bubbles the failure, leaving the message deliverable", async function () {
      const g = await loadFixture(maliciousFixture);
      const { m, signatures } = await signedTo(g, await g.reentrant.getAddress());
      await (await g.reentrant.arm(g.side.interface.encodeFunctionData("execute", [m, signatures]), true)).wait();
      await expect(g.side.execute(m, signatures)).to.be.revertedWithCustomError(g.side, "ReentrancyGuardReentrantCall");
      expect(await g.side.processed(MAIN_CHAIN, await g.main.getAddress(), m.nonce)).to.equal(false);
      expect(await g.reentrant.deliveries()).to.equal(0n);
      await (await g.reentrant.arm("0x", false)).wait();
      await (await g.side.execute(m, signatures)).wait();
      expect(await g.reentrant.deliveries()).to.equal(1n);
    });
  });

  describe("when the target delivers another message from inside its delivery", function () {
    it("refuses the nested delivery, which succeeds later on its own", async function () {
      const g = await loadFixture(maliciousFixture);
      const target = await g.reentrant.getAddress();
      const first = await signedTo(g, target);
      const second = await signedTo(g, target);
      const nested = g.side.interface.encodeFunctionData("execute", [second.m, second.signatures]);
      await (await g.reentrant.arm(nested, false)).wait();
      await (await g.side.execute(first.m, first.signatures)).wait();
      const [, succeeded, error] = await g.reentrant.reentry();
      expect(succeeded).to.equal(false);
      expect(error).to.equal(g.side.interface.encodeErrorResult("ReentrancyGuardReentrantCall", []));
      expect(await g.side.processed(MAIN_CHAIN, await g.main.getAddress(), second.m.nonce)).to.equal(false);
      await (await g.side.execute(second.m, second.signatures)).wait();
      expect(await g.reentrant.deliveries()).to.equal(2n);
    });
  });

  describe("when the target reads processed() during delivery", function () {
    it("already sees the message processed", async function () {
      const g = await loadFixture(maliciousFixture);
      const { m, signatures } = await signedTo(g, await g.probe.getAddress());
      expect(await g.side.processed(MAIN_CHAIN, await g.main.getAddress(), m.nonce)).to.equal(false);
      await (await g.side.execute(m, signatures)).wait();
      const [probes, sawProcessed] = await g.probe.observed();
      expect(probes).to.equal(1n);
      expect(sawProcessed).to.equal(true);
    });

    it("sees it processed on the production gateway too", async function () {
      const g = await loadFixture(maliciousFixture);
      const { chainId } = await ethers.provider.getNetwork();
      const validators = VALIDATORS.map((w) => w.address);
      const gw = await new BridgeGateway__factory(g.admin).deploy(g.admin.address, validators, THRESHOLD);
      await (await gw.setRemoteGateway(MAIN_CHAIN, await g.main.getAddress())).wait();
      await (await g.main.setRemoteGateway(chainId, await gw.getAddress())).wait();
      const [m] = await sent(g.main, g.main.connect(g.sender).send(chainId, await g.probe.getAddress(), "0x"));
      await (await gw.execute(m!, await quorum(gw, m!))).wait();
      expect(await g.probe.observed()).to.deep.equal([1n, true]);
    });
  });
});
