import { expect } from "chai";
import fc from "fast-check";
import { Signature, Transaction, Wallet, decodeRlp, encodeRlp, hexlify, toBeHex, type TransactionRequest } from "ethers";
import hre from "hardhat";
import { InvalidTransactionError } from "../../src/chain/errors";
import { parseRawTransaction } from "../../src/chain/tx";
import { devWallet } from "./registry-fixture";

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
      expect(parsed.to).to.equal(wallet.address.toLowerCase());
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

  describe("when the lean EIP-1559 path parses", function () {
    it("agrees with ethers' full parse on hash, sender, nonce, chain id, recipient and data (property)", async function () {
      const wallets = [wallet, new Wallet(Wallet.createRandom().privateKey)];
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            w: fc.integer({ min: 0, max: 1 }),
            nonce: fc.integer({ min: 0, max: 2 ** 40 }),
            create: fc.boolean(),
            value: fc.bigInt({ min: 0n, max: 2n ** 200n }),
            data: fc.uint8Array({ maxLength: 300 }),
            // Above the intrinsic gas of the largest case (creation with 300 non-zero bytes and an access list).
            gas: fc.bigInt({ min: 100_000n, max: 30_000_000n }),
            tip: fc.bigInt({ min: 0n, max: 10n ** 12n }),
            access: fc.boolean(),
          }),
          async (t) => {
            const raw = await wallets[t.w]!.signTransaction({
              type: 2,
              chainId: CHAIN_ID,
              nonce: t.nonce,
              to: t.create ? null : wallet.address,
              value: t.value,
              data: hexlify(t.data),
              gasLimit: t.gas,
              maxFeePerGas: t.tip + 1n,
              maxPriorityFeePerGas: t.tip,
              accessList: t.access ? [{ address: wallet.address, storageKeys: ["0x" + "11".repeat(32)] }] : [],
            });
            const full = Transaction.from(raw);
            const lean = parseRawTransaction(raw, CHAIN_ID);
            expect(lean.hash).to.equal(full.hash!.toLowerCase());
            expect(lean.sender).to.equal(full.from);
            expect([lean.nonce, lean.chainId, lean.to, lean.data]).to.deep.equal([full.nonce, full.chainId, full.to?.toLowerCase() ?? null, full.data]);
          },
        ),
        { seed: 20261124, numRuns: 60 },
      );
    });

    it("recovers the sender when the signed fields fit a short RLP list (under 56 bytes) and when they need a 2-byte length", async function () {
      for (const data of ["0x", "0x" + "ab".repeat(300)]) {
        const raw = await wallet.signTransaction({ type: 2, chainId: CHAIN_ID, nonce: 0, to: null, value: 0n, data, gasLimit: 200_000n, maxFeePerGas: 1n, maxPriorityFeePerGas: 0n });
        expect(parseRawTransaction(raw, CHAIN_ID).sender).to.equal(Transaction.from(raw).from);
      }
      const unsignedShort = Transaction.from({ type: 2, chainId: CHAIN_ID, nonce: 0, to: null, value: 0n, data: "0x", gasLimit: 200_000n, maxFeePerGas: 1n, maxPriorityFeePerGas: 0n }).unsignedSerialized;
      expect(Buffer.from(unsignedShort.slice(4), "hex")[0]! < 0xf8).to.equal(true);
    });

    it("rejects a high-s signature (EIP-2) and a zero r", async function () {
      const raw = await signedTransfer(wallet, CHAIN_ID);
      const fields = decodeRlp("0x" + raw.slice(4)) as string[];
      const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
      const withSig = (r: string, sv: string): string => "0x02" + encodeRlp([...fields.slice(0, 10), r, sv]).slice(2);
      const highS = toBeHex(n - BigInt(fields[11]!));
      expectInvalid(withSig(fields[10]!, highS), /signature out of range/);
      expectInvalid(withSig("0x", fields[11]!), /signature out of range/);
      expectInvalid("0x02" + encodeRlp(fields.slice(0, 9)).slice(2), /not signed/);
    });

    it("answers 400 when asked for the sender of a signature that recovers no key", async function () {
      const tx = Transaction.from(await signedTransfer(wallet, CHAIN_ID));
      const bad = tx.clone();
      // r = 5 is not the x-coordinate of a curve point, so no public key recovers.
      bad.signature = Signature.from({ r: "0x" + "00".repeat(31) + "05", s: tx.signature!.s, yParity: 0 });
      const parsed = parseRawTransaction(bad.serialized, CHAIN_ID);
      expect(() => parsed.sender).to.throw(InvalidTransactionError);
    });
  });

  describe("when the gas limit is below the intrinsic gas", function () {
    // The last field: whether the chain takes the transaction at exactly that gas. Calldata also has
    // Prague's floor (EIP-7623), which the orderer leaves to the chain: it checks the bound every fork has.
    const cases: [string, TransactionRequest, boolean][] = [
      ["a plain transfer", { to: wallet.address, value: 1n }, true],
      ["a call with zero and non-zero calldata bytes", { to: wallet.address, data: "0x00ff00ff0000abcdef" }, false],
      ["a contract creation (init-code words)", { to: null, data: "0x" + "00".repeat(65) }, true],
      ["an access list", { to: wallet.address, accessList: [{ address: wallet.address, storageKeys: ["0x" + "11".repeat(32), "0x" + "00".repeat(32)] }] }, true],
    ];
    for (const [what, req, exact] of cases) {
      it(`answers 400 below the intrinsic gas of ${what}, which the chain refuses too`, async function () {
        const sender = devWallet(19).connect(hre.ethers.provider);
        const sign = async (gasLimit: bigint): Promise<string> =>
          sender.signTransaction({ ...req, type: 2, chainId: CHAIN_ID, nonce: await sender.getNonce(), gasLimit, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n });
        let need = 0n;
        try {
          parseRawTransaction(await sign(1n), CHAIN_ID);
        } catch (err) {
          need = BigInt(/the (\d+) the transaction needs/.exec((err as Error).message)![1]!);
        }
        expectInvalid(await sign(need - 1n), new RegExp(`intrinsic gas too low: gas limit ${need - 1n} is below the ${need}`));
        await expect(hre.ethers.provider.broadcastTransaction(await sign(need - 1n))).to.be.rejectedWith(`Transaction requires at least ${need} gas but got ${need - 1n}`);
        const ok = await sign(need);
        parseRawTransaction(ok, CHAIN_ID);
        if (exact) await (await hre.ethers.provider.broadcastTransaction(ok)).wait();
      });
    }
  });
});
