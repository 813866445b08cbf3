import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { Wallet, type BaseWallet } from "ethers";
import hre from "hardhat";
import os from "node:os";
import { DPLCRegistry__factory } from "../../../typechain-types";
import { Admission } from "../../src/chain/admission";
import { AdmissionUnavailableError, NotAdmittedError } from "../../src/chain/errors";
import { regisSelector, registryApprovalReader, registryInterface } from "../../src/chain/registry";
import { parseRawTransaction, type ParsedTx } from "../../src/chain/tx";
import { deployRegistryParties, regisCall } from "./registry-fixture";

const CHAIN_ID = 31337n;

async function signedCall(wallet: BaseWallet, to: string, data = "0x"): Promise<ParsedTx> {
  const raw = await wallet.signTransaction({
    type: 2,
    chainId: CHAIN_ID,
    nonce: 0,
    to,
    data,
    gasLimit: 100_000n,
    maxFeePerGas: 2_000_000_000n,
    maxPriorityFeePerGas: 1n,
  });
  return parseRawTransaction(raw, CHAIN_ID);
}

async function refusal(admission: Admission, tx: ParsedTx): Promise<unknown> {
  let caught: unknown;
  try {
    await admission.check(tx);
  } catch (err) {
    caught = err;
  }
  expect(caught, "admission should refuse").to.not.equal(undefined);
  return caught;
}

async function expectNotAdmitted(admission: Admission, tx: ParsedTx, sender: string): Promise<void> {
  const err = await refusal(admission, tx);
  expect(err).to.be.instanceOf(NotAdmittedError);
  expect((err as NotAdmittedError).status).to.equal(403);
  expect((err as NotAdmittedError).sender).to.equal(sender);
}

async function admissionFixture() {
  const parties = await deployRegistryParties(hre.ethers.provider);
  const admission = new Admission({
    registry: parties.address,
    operators: [parties.operator.address],
    reader: registryApprovalReader(parties.address, hre.ethers.provider),
  });
  return { ...parties, admission };
}

describe("chain/admission: only registered users (the real DPLCRegistry)", function () {
  it("takes the Regis selector from the compiled registry", function () {
    expect(regisSelector()).to.equal(DPLCRegistry__factory.createInterface().getFunction("Regis").selector);
    expect(regisSelector()).to.equal(hre.ethers.id("Regis(uint8,bytes32,bytes32)").slice(0, 10));
  });

  it("names the missing artifact and the command that builds it", function () {
    expect(() => registryInterface(os.tmpdir())).to.throw(/DPLCRegistry\.json .*npx hardhat compile/);
  });

  describe("when the sender never applied", function () {
    it("refuses its transaction with a 403 naming it", async function () {
      const { admission, stranger, approved } = await loadFixture(admissionFixture);
      await expectNotAdmitted(admission, await signedCall(stranger, approved.address), stranger.address);
    });

    it("admits its Regis application to the registry", async function () {
      const { admission, stranger, address } = await loadFixture(admissionFixture);
      await admission.check(await signedCall(stranger, address, regisCall()));
    });

    it("refuses the Regis selector sent to another contract", async function () {
      const { admission, stranger, approved } = await loadFixture(admissionFixture);
      await expectNotAdmitted(admission, await signedCall(stranger, approved.address, regisCall()), stranger.address);
    });

    it("refuses another function of the registry", async function () {
      const { admission, stranger, address, registry } = await loadFixture(admissionFixture);
      const data = registry.interface.encodeFunctionData("approve", [stranger.address]);
      await expectNotAdmitted(admission, await signedCall(stranger, address, data), stranger.address);
    });
  });

  describe("when the sender applied", function () {
    it("refuses it while the application is pending", async function () {
      const { admission, pending, approved } = await loadFixture(admissionFixture);
      await expectNotAdmitted(admission, await signedCall(pending, approved.address), pending.address);
    });

    it("admits it once the trading centre approved it", async function () {
      const { admission, approved, stranger } = await loadFixture(admissionFixture);
      await admission.check(await signedCall(approved, stranger.address));
    });

    it("refuses it once the trading centre rejected it, but admits its new application", async function () {
      const { admission, rejected, approved, address } = await loadFixture(admissionFixture);
      await expectNotAdmitted(admission, await signedCall(rejected, approved.address), rejected.address);
      await admission.check(await signedCall(rejected, address, regisCall()));
    });
  });

  describe("when the sender is a configured operator", function () {
    it("admits it without a registration", async function () {
      const { admission, operator, registry, address } = await loadFixture(admissionFixture);
      expect(await registry.isApproved(operator.address)).to.equal(false);
      await admission.check(await signedCall(operator, address, registry.interface.encodeFunctionData("approve", [operator.address])));
    });
  });

  describe("when no registry is configured", function () {
    it("admits every sender", async function () {
      const stranger = new Wallet(Wallet.createRandom().privateKey);
      const admission = new Admission({ registry: null, reader: async () => false });
      await admission.check(await signedCall(stranger, stranger.address));
      expect(admission.enabled).to.equal(false);
    });
  });

  describe("when approvals are cached", function () {
    const registry = "0x00000000000000000000000000000000000000aa";
    const approvedUser = new Wallet(Wallet.createRandom().privateKey);
    const stranger = new Wallet(Wallet.createRandom().privateKey);
    let clock: number;
    let calls: string[];
    let approved: Set<string>;
    let admission: Admission;

    beforeEach(function () {
      clock = 0;
      calls = [];
      approved = new Set([approvedUser.address]);
      admission = new Admission({
        registry,
        reader: async (a) => {
          calls.push(a);
          return approved.has(a);
        },
        approvedTtlMs: 1_000,
        refusedTtlMs: 100,
        now: () => clock,
      });
    });

    it("asks the registry once per sender while the approval is fresh", async function () {
      const tx = await signedCall(approvedUser, stranger.address);
      await Promise.all([admission.check(tx), admission.check(tx), admission.check(tx)]);
      await admission.check(tx);
      expect(calls).to.deep.equal([approvedUser.address]);
      clock = 1_001;
      await admission.check(tx);
      expect(calls).to.have.length(2);
    });

    it("admits a newly approved sender once the short refusal expires", async function () {
      const tx = await signedCall(stranger, approvedUser.address);
      await refusal(admission, tx);
      approved.add(stranger.address);
      await refusal(admission, tx);
      clock = 101;
      await admission.check(tx);
    });

    it("fails closed with a 503 when the registry cannot be read", async function () {
      const failing = new Admission({
        registry,
        reader: async () => {
          throw new Error("connection refused");
        },
      });
      const err = await refusal(failing, await signedCall(approvedUser, stranger.address));
      expect(err).to.be.instanceOf(AdmissionUnavailableError);
      expect((err as AdmissionUnavailableError).status).to.equal(503);
    });
  });
});
