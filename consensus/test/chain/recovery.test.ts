import { expect } from "chai";
import { Signature, Transaction, Wallet } from "ethers";
import { InvalidTransactionError } from "../../src/chain/errors";
import { SenderRecovery } from "../../src/chain/recovery";
import { parseRawTransaction, pendingRecovery, type ParsedTx } from "../../src/chain/tx";

const CHAIN_ID = 31337n;

const transfer = (wallet: Wallet, nonce: number): Promise<string> =>
  wallet.signTransaction({ type: 2, chainId: CHAIN_ID, nonce, to: wallet.address, value: 1n, gasLimit: 21_000n, maxFeePerGas: 10n ** 9n, maxPriorityFeePerGas: 1n });

// The leader's sender recovery on a worker thread while many submissions are in progress (issue 16, the 256-client cell).
describe("chain/recovery: SenderRecovery", function () {
  const wallets = Array.from({ length: 6 }, () => new Wallet(Wallet.createRandom().privateKey));
  let recovery: SenderRecovery;
  let txs: ParsedTx[];

  beforeEach(async function () {
    recovery = new SenderRecovery(2);
    txs = await Promise.all(wallets.map(async (w, i) => parseRawTransaction(await transfer(w, i), CHAIN_ID)));
  });

  afterEach(function () {
    recovery.close();
  });

  describe("when more submissions are in progress than run inline", function () {
    it("recovers each sender on the worker, answering in the order they arrived", async function () {
      const finished: number[] = [];
      await Promise.all(txs.map((tx, i) => recovery.recover(tx, 3 + i).then(() => finished.push(i))));
      expect(txs.map((tx) => pendingRecovery(tx))).to.deep.equal(txs.map(() => null));
      expect(txs.map((tx) => tx.sender)).to.deep.equal(wallets.map((w) => w.address));
      expect(finished).to.deep.equal([0, 1, 2, 3, 4, 5]);
    });

    it("leaves a signature that recovers no key to the inline path, which answers 400", async function () {
      const good = Transaction.from(await transfer(wallets[0]!, 9));
      const bad = good.clone();
      // r = 5 is not the x-coordinate of a curve point, so no public key recovers.
      bad.signature = Signature.from({ r: "0x" + "00".repeat(31) + "05", s: good.signature!.s, yParity: 0 });
      const tx = parseRawTransaction(bad.serialized, CHAIN_ID);
      await recovery.recover(tx, 10);
      expect(pendingRecovery(tx)).to.not.equal(null);
      expect(() => tx.senderKey).to.throw(InvalidTransactionError, /^invalid signature/);
    });
  });

  describe("when few submissions are in progress (one client)", function () {
    it("returns at once and leaves the recovery to the submission's own thread", async function () {
      await recovery.recover(txs[0]!, 1);
      expect(pendingRecovery(txs[0]!)).to.not.equal(null);
      expect(txs[0]!.sender).to.equal(wallets[0]!.address);
    });

    it("still queues behind recoveries already on the worker, so none overtakes an earlier one", async function () {
      const first = recovery.recover(txs[0]!, 5);
      const second = recovery.recover(txs[1]!, 1);
      await Promise.all([first, second]);
      expect(pendingRecovery(txs[1]!)).to.equal(null);
      expect(txs[1]!.sender).to.equal(wallets[1]!.address);
    });
  });

  describe("when closed", function () {
    it("lets waiting submissions go on to recover inline", async function () {
      const waiting = recovery.recover(txs[0]!, 10);
      recovery.close();
      await waiting;
      expect(txs[0]!.sender).to.equal(wallets[0]!.address);
    });
  });
});
