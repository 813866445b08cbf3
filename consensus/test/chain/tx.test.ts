import { expect } from "chai";
import { Transaction, Wallet } from "ethers";
import { InvalidTransactionError } from "../../src/chain/errors";
import { parseRawTransaction } from "../../src/chain/tx";

const CHAIN_ID = 31337n;

async function signedTransfer(wallet: Wallet, chainId: bigint, nonce = 0): Promise<string> {
  return wallet.signTransaction({
    type: 2,
    chainId,
    nonce,
    to: wallet.address,
    value: 1n,
    gasLimit: 21_000n,
    maxFeePerGas: 2_000_000_000n,
    maxPriorityFeePerGas: 1n,
  });
}

function expectInvalid(raw: unknown, pattern: RegExp): void {
  let caught: unknown;
  try {
    parseRawTransaction(raw, CHAIN_ID);
  } catch (err) {
    caught = err;
  }
  expect(caught).to.be.instanceOf(InvalidTransactionError);
  const err = caught as InvalidTransactionError;
  expect(err.status).to.equal(400);
  expect(err.message).to.match(pattern);
}

describe("chain/tx: parseRawTransaction", function () {
  const wallet = new Wallet(Wallet.createRandom().privateKey);

  describe("when the transaction is signed for this chain", function () {
    it("returns hash, sender, nonce and chain id", async function () {
      const raw = await signedTransfer(wallet, CHAIN_ID, 7);
      const parsed = parseRawTransaction(raw, CHAIN_ID);
      expect(parsed.hash).to.equal(Transaction.from(raw).hash);
      expect(parsed.sender).to.equal(wallet.address);
      expect(parsed.nonce).to.equal(7);
      expect(parsed.chainId).to.equal(CHAIN_ID);
      expect(parsed.to).to.equal(wallet.address);
      expect(parsed.raw).to.equal(raw.toLowerCase());
    });

    it("normalises the hash and raw bytes to lower case", async function () {
      const raw = await signedTransfer(wallet, CHAIN_ID);
      const parsed = parseRawTransaction("0x" + raw.slice(2).toUpperCase(), CHAIN_ID);
      expect(parsed.raw).to.equal(raw.toLowerCase());
      expect(parsed.hash).to.equal(parsed.hash.toLowerCase());
    });
  });

  describe("when the input is malformed", function () {
    it("rejects a non-string", function () {
      expectInvalid(42, /must be a 0x-prefixed hex string/);
      expectInvalid(undefined, /must be a 0x-prefixed hex string/);
    });

    it("rejects non-hex and odd-length strings", function () {
      expectInvalid("hello", /not even-length 0x-prefixed hex/);
      expectInvalid("0x123", /not even-length 0x-prefixed hex/);
    });

    it("rejects bytes that are not a transaction", function () {
      expectInvalid("0x1234", /malformed transaction/);
      expectInvalid("0xdeadbeef", /malformed transaction/);
    });

    it("rejects a truncated transaction", async function () {
      const raw = await signedTransfer(wallet, CHAIN_ID);
      expectInvalid(raw.slice(0, raw.length - 20), /malformed transaction/);
    });
  });

  describe("when the transaction is unsigned", function () {
    it("rejects it", function () {
      const unsigned = Transaction.from({
        type: 2,
        chainId: CHAIN_ID,
        nonce: 0,
        to: wallet.address,
        gasLimit: 21_000n,
        maxFeePerGas: 1n,
        maxPriorityFeePerGas: 1n,
      }).unsignedSerialized;
      expectInvalid(unsigned, /not signed/);
    });
  });

  describe("when the chain id is wrong", function () {
    it("rejects another chain's transaction and names both ids", async function () {
      const raw = await signedTransfer(wallet, 1n);
      expectInvalid(raw, /wrong chain id 1: this orderer serves chain id 31337/);
    });

    it("rejects a legacy transaction without replay protection", async function () {
      const raw = await wallet.signTransaction({
        type: 0,
        nonce: 0,
        to: wallet.address,
        gasLimit: 21_000n,
        gasPrice: 1n,
      });
      expectInvalid(raw, /wrong chain id 0/);
    });
  });
});
