import { expect } from "chai";
import { ContractFactory, Wallet, encodeBytes32String, type Signer } from "ethers";
import hre from "hardhat";
import { Admission, REGIS_SELECTOR, registryApprovalReader } from "../../src/chain/admission";
import { AdmissionUnavailableError, NotAdmittedError } from "../../src/chain/errors";
import { parseRawTransaction, type ParsedTx } from "../../src/chain/tx";
import { compileTestRegistry } from "./solidity";

const CHAIN_ID = 31337n;


async function signedCall(wallet: Wallet, to: string, data: string): Promise<ParsedTx> {
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

async function expectRefused(admission: Admission, tx: ParsedTx): Promise<unknown> {
  let caught: unknown;
  try {
    await admission.check(tx);
  } catch (err) {
    caught = err;
  }
  expect(caught, "admission should refuse").to.not.equal(undefined);
  return caught;
}

describe("chain/admission: only registered users", function () {
  const approvedUser = new Wallet(Wallet.createRandom().privateKey);
  const stranger = new Wallet(Wallet.createRandom().privateKey);
  const regisData = (): string =>
    REGIS_SELECTOR + "00".repeat(31) + "01" + encodeBytes32String("north").slice(2) + encodeBytes32String("c1").slice(2);

  it("computes the Regis(uint8,bytes32,bytes32) selector", function () {
    expect(REGIS_SELECTOR).to.equal(hre.ethers.id("Regis(uint8,bytes32,bytes32)").slice(0, 10));
  });

  describe("when a registry contract is deployed", function () {
    let registry: string;
    let admission: Admission;

    before(async function () {
      const { abi, bytecode } = compileTestRegistry();
      const [deployer] = (await hre.ethers.getSigners()) as unknown as Signer[];
      const factory = new ContractFactory(abi, bytecode, deployer);
      const contract = await factory.deploy();
      await contract.waitForDeployment();
      registry = await contract.getAddress();
      await (await contract.getFunction("approve")(approvedUser.address)).wait();
      admission = new Admission({ registry, reader: registryApprovalReader(registry, hre.ethers.provider) });
    });

    it("admits a transaction from an approved sender", async function () {
      const tx = await signedCall(approvedUser, stranger.address, "0x");
      await admission.check(tx);
    });

    it("refuses an unapproved sender with a 403 naming it", async function () {
      const tx = await signedCall(stranger, approvedUser.address, "0x");
      const err = await expectRefused(admission, tx);
      expect(err).to.be.instanceOf(NotAdmittedError);
      expect((err as NotAdmittedError).status).to.equal(403);
      expect((err as NotAdmittedError).message).to.contain(stranger.address);
    });

    it("admits an unapproved sender's registration application", async function () {
      const tx = await signedCall(stranger, registry, regisData());
      await admission.check(tx);
    });

    it("refuses the Regis selector sent to another contract", async function () {
      const tx = await signedCall(stranger, approvedUser.address, regisData());
      expect(await expectRefused(admission, tx)).to.be.instanceOf(NotAdmittedError);
    });

    it("refuses another function of the registry from an unapproved sender", async function () {
      const approveData = hre.ethers.id("approve(address)").slice(0, 10) + "00".repeat(12) + stranger.address.slice(2);
      const tx = await signedCall(stranger, registry, approveData);
      expect(await expectRefused(admission, tx)).to.be.instanceOf(NotAdmittedError);
    });
  });

  describe("when no registry is configured", function () {
    it("admits every sender", async function () {
      const admission = new Admission({ registry: null, reader: async () => false });
      await admission.check(await signedCall(stranger, approvedUser.address, "0x"));
      expect(admission.enabled).to.equal(false);
    });
  });

  describe("when approvals are cached", function () {
    const registry = "0x00000000000000000000000000000000000000aa";
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
      const tx = await signedCall(approvedUser, stranger.address, "0x");
      await Promise.all([admission.check(tx), admission.check(tx), admission.check(tx)]);
      await admission.check(tx);
      expect(calls).to.deep.equal([approvedUser.address]);
      clock = 1_001;
      await admission.check(tx);
      expect(calls).to.have.length(2);
    });

    it("admits a newly approved sender once the short refusal expires", async function () {
      const tx = await signedCall(stranger, approvedUser.address, "0x");
      await expectRefused(admission, tx);
      approved.add(stranger.address);
      await expectRefused(admission, tx);
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
      const err = await expectRefused(failing, await signedCall(approvedUser, stranger.address, "0x"));
      expect(err).to.be.instanceOf(AdmissionUnavailableError);
      expect((err as AdmissionUnavailableError).status).to.equal(503);
    });
  });
});
