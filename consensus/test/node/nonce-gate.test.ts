import { expect } from "chai";
import { Wallet } from "ethers";
import { NonceConflictError } from "../../src/chain/errors";
import { parseRawTransaction, type ParsedTx } from "../../src/chain/tx";
import { OrderLedger } from "../../src/node/ledger";
import { NonceGate } from "../../src/node/nonce-gate";
import { CHAIN_ID } from "./harness";

describe("node/nonce-gate: the leader's nonce check before ordering", function () {
  const wallet = new Wallet(Wallet.createRandom().privateKey);
  const sender = wallet.address.toLowerCase();

  async function tx(nonce: number, value = 1n): Promise<ParsedTx> {
    const raw = await wallet.signTransaction({ type: 2, chainId: CHAIN_ID, nonce, to: wallet.address, value, gasLimit: 21_000n, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n });
    return parseRawTransaction(raw, CHAIN_ID);
  }

  /** A second transaction per nonce (value 2), signed up front so checks can stay synchronous. */
  const txSync = new Map<number, ParsedTx>();
  before(async function () {
    for (const n of [0, 1, 7]) txSync.set(n, await tx(n, 2n));
  });

  function conflict(fn: () => void): NonceConflictError {
    try {
      fn();
    } catch (err) {
      expect(err).to.be.instanceOf(NonceConflictError);
      return err as NonceConflictError;
    }
    throw new Error("expected a NonceConflictError");
  }

  /** A gate over a fresh ledger whose chain says the sender's next nonce is `chainNonce`. */
  function gate(chainNonce: number | null): { gate: NonceGate; ledger: OrderLedger; reads: string[] } {
    const ledger = new OrderLedger();
    const reads: string[] = [];
    const g = new NonceGate(ledger, async (s) => {
      reads.push(s);
      return chainNonce;
    });
    return { gate: g, ledger, reads };
  }

  describe("when the order does not know the sender", function () {
    it("reads the chain's nonce and takes only that one", async function () {
      const { gate: g, reads } = gate(3);
      const chainNext = await g.prepare(sender);
      expect(reads).to.deep.equal([sender]);
      const [gap, next] = [await tx(4), await tx(3)];
      expect(conflict(() => g.admit(gap, sender, chainNext)).expectedNonce).to.equal(3);
      g.admit(next, sender, chainNext);
    });

    it("takes the first nonce as given without a chain", async function () {
      const { gate: g } = gate(null);
      g.admit(await tx(9), sender, await g.prepare(sender));
      const repeat = await tx(9, 2n);
      expect(conflict(() => g.admit(repeat, sender, null)).expectedNonce).to.equal(10);
    });
  });

  describe("when two transactions with one nonce arrive", function () {
    it("takes the first, refuses the second as a repeat, and lets the first's bytes through again", async function () {
      const { gate: g } = gate(0);
      const [a, b] = [await tx(0, 1n), await tx(0, 2n)];
      const chainNext = await g.prepare(sender);
      g.admit(a, sender, chainNext);
      const err = conflict(() => g.admit(b, sender, chainNext));
      expect([err.nonce, err.expectedNonce, err.status]).to.deep.equal([0, 1, 409]);
      expect(await g.prepare(sender)).to.equal(null); // known now: no chain read
      g.admit(a, sender, null);
    });
  });

  describe("when the order knows the sender", function () {
    it("takes the next nonce from the ledger without reading the chain", async function () {
      const { gate: g, ledger, reads } = gate(7);
      ledger.applyBlock(2, [{ hash: "0x" + "03".repeat(32), raw: new Uint8Array(0), sender, nonce: 0 }]);
      expect(await g.prepare(sender)).to.equal(null);
      expect(reads).to.deep.equal([]);
      expect(conflict(() => g.admit(txSync.get(7)!, sender, null)).expectedNonce).to.equal(1);
    });
  });

  describe("when one sender has several transactions taken in", function () {
    it("keeps each one's bytes: each may be resent, a different transaction with a taken nonce may not", async function () {
      const { gate: g } = gate(0);
      const [t0, t1, t2] = [await tx(0), await tx(1), await tx(2)];
      g.admit(t0, sender, await g.prepare(sender));
      g.admit(t1, sender, null);
      g.admit(t2, sender, null);
      for (const t of [t0, t1, t2]) g.admit(t, sender, null);
      expect(conflict(() => g.admit(txSync.get(1)!, sender, null)).expectedNonce).to.equal(3);
      g.admit(await tx(3), sender, null);
    });
  });

  describe("when a block fulfils only part of a sender's reservations", function () {
    it("forgets the ordered ones, keeps the rest, and hands back to the ledger only when all are ordered", async function () {
      const { gate: g, ledger } = gate(0);
      const [t0, t1, t2] = [await tx(0), await tx(1), await tx(2)];
      g.admit(t0, sender, await g.prepare(sender));
      g.admit(t1, sender, null);
      g.admit(t2, sender, null);
      const batchOf = (ts: ParsedTx[]) => ts.map((t) => ({ hash: t.hash, raw: new Uint8Array(0), sender, nonce: t.nonce }));
      g.applied(ledger.applyBlock(2, batchOf([t0])));
      // Nonce 0 is ordered: its bytes are the ledger's business now, not a reservation's.
      expect(conflict(() => g.admit(t0, sender, null)).expectedNonce).to.equal(3);
      g.admit(t1, sender, null);
      g.admit(t2, sender, null);
      g.applied(ledger.applyBlock(3, batchOf([t1, t2])));
      expect(ledger.nextNonce(sender)).to.equal(3);
      expect(conflict(() => g.admit(t2, sender, null)).expectedNonce).to.equal(3);
      expect(await g.prepare(sender)).to.equal(null);
    });

    it("ignores transactions without a sender and senders without a reservation", async function () {
      const { gate: g, ledger } = gate(0);
      const t0 = await tx(0);
      g.admit(t0, sender, await g.prepare(sender));
      const other = "0x" + "ab".repeat(20);
      g.applied(ledger.applyBlock(2, [{ hash: "0x" + "04".repeat(32), raw: new Uint8Array(0) }, { hash: "0x" + "05".repeat(32), raw: new Uint8Array(0), sender: other, nonce: 0 }]));
      g.admit(t0, sender, null);
      expect(conflict(() => g.admit(txSync.get(0)!, sender, null)).expectedNonce).to.equal(1);
    });
  });

  describe("when leadership ends", function () {
    it("clear() drops every reservation: the next view comes from the ledger or the chain again", async function () {
      const { gate: g, reads } = gate(0);
      g.admit(await tx(0), sender, await g.prepare(sender));
      g.clear();
      expect(await g.prepare(sender)).to.equal(0);
      expect(reads).to.deep.equal([sender, sender]);
      expect(conflict(() => g.admit(txSync.get(1)!, sender, 0)).expectedNonce).to.equal(0);
    });
  });

  describe("when blocks apply", function () {
    it("hands the view back to the ledger once its reservations are ordered", async function () {
      const { gate: g, ledger } = gate(0);
      const [t0, t1] = [await tx(0), await tx(1)];
      g.admit(t0, sender, await g.prepare(sender));
      g.admit(t1, sender, null);
      const batch = [t0, t1].map((t) => ({ hash: t.hash, raw: new Uint8Array(0), sender, nonce: t.nonce }));
      g.applied(ledger.applyBlock(2, batch));
      expect(ledger.nextNonce(sender)).to.equal(2);
      expect(conflict(() => g.admit(t1, sender, null)).expectedNonce).to.equal(2);
    });

    it("follows the ledger past its reservations when the block also orders the sender's later nonces from elsewhere", async function () {
      const { gate: g, ledger } = gate(0);
      const t0 = await tx(0);
      g.admit(t0, sender, await g.prepare(sender));
      // A previous leader took nonce 1 in; it is ordered in the same block as this leader's nonce 0.
      const block = ledger.applyBlock(2, [
        { hash: t0.hash, raw: new Uint8Array(0), sender, nonce: 0 },
        { hash: "0x" + "03".repeat(32), raw: new Uint8Array(0), sender, nonce: 1 },
      ]);
      g.applied(block);
      expect(ledger.nextNonce(sender)).to.equal(2);
      expect(conflict(() => g.admit(txSync.get(1)!, sender, null)).expectedNonce).to.equal(2);
      g.admit(await tx(2), sender, null);
    });

    it("starts a sender again from the ledger after the order refused one of its transactions", async function () {
      const { gate: g, ledger } = gate(0);
      ledger.applyBlock(2, [{ hash: "0x" + "01".repeat(32), raw: new Uint8Array(0), sender, nonce: 0 }]);
      const t1 = await tx(1);
      g.admit(t1, sender, null);
      // Another leader ordered a different nonce-1 transaction first: this one is refused everywhere.
      const block = ledger.applyBlock(3, [
        { hash: "0x" + "02".repeat(32), raw: new Uint8Array(0), sender, nonce: 1 },
        { hash: t1.hash, raw: new Uint8Array(0), sender, nonce: 1 },
      ]);
      expect(block.refused.map((r) => r.hash)).to.deep.equal([t1.hash]);
      g.applied(block);
      expect(conflict(() => g.admit(t1, sender, null)).expectedNonce).to.equal(2);
    });
  });
});
