import { expect } from "chai";
import fc from "fast-check";
import { OrderLedger } from "../../src/node/ledger";
import type { BatchTx } from "../../src/batch/types";

function tx(n: number): BatchTx {
  const hash = "0x" + n.toString(16).padStart(64, "0");
  return { hash, raw: Uint8Array.from([n & 0xff, (n >> 8) & 0xff, 1, 2]) };
}

describe("node/ledger: the ordering state machine", function () {
  it("assigns block and index positions in committed order", function () {
    const ledger = new OrderLedger();
    const b = ledger.applyBlock(3, [tx(1), tx(2)]);
    expect(b.txs.map((t) => t.hash)).to.deep.equal([tx(1).hash, tx(2).hash]);
    expect(Buffer.from(b.txs[0]!.raw).toString("hex")).to.equal("01000102");
    expect(ledger.position(tx(2).hash)).to.deep.equal({ block: 3, index: 1 });
    expect(ledger.appliedIndex).to.equal(3);
  });

  describe("when a transaction is committed twice (exactly-once)", function () {
    it("keeps the first occurrence and drops later ones from the chain block", function () {
      const ledger = new OrderLedger();
      ledger.applyBlock(2, [tx(1), tx(2)]);
      ledger.skip(3);
      const again = ledger.applyBlock(4, [tx(2), tx(3), tx(3)]);
      expect(again.txs.map((t) => t.hash)).to.deep.equal([tx(3).hash]);
      expect(ledger.position(tx(2).hash)).to.deep.equal({ block: 2, index: 1 });
      expect(ledger.position(tx(3).hash)).to.deep.equal({ block: 4, index: 0 });
    });
  });

  describe("when more transactions are ordered than it retains", function () {
    it("forgets whole blocks, oldest first, and keeps the newest block even if it alone is larger", function () {
      const ledger = new OrderLedger(3);
      ledger.applyBlock(2, [tx(1), tx(2)]);
      ledger.applyBlock(3, [tx(3)]);
      expect(ledger.size).to.equal(3);
      ledger.applyBlock(4, [tx(4), tx(5)]);
      expect(ledger.position(tx(1).hash)).to.equal(undefined);
      expect(ledger.position(tx(3).hash)).to.deep.equal({ block: 3, index: 0 });
      expect(ledger.oldestRetainedBlock).to.equal(3);
      ledger.applyBlock(5, [tx(6), tx(7), tx(8), tx(9)]);
      expect(ledger.size).to.equal(4);
      expect(ledger.oldestRetainedBlock).to.equal(5);
    });

    it("orders a forgotten transaction again (the chain's nonce rule then refuses it)", function () {
      const ledger = new OrderLedger(1);
      ledger.applyBlock(2, [tx(1)]);
      ledger.applyBlock(3, [tx(2)]);
      expect(ledger.applyBlock(4, [tx(1)]).txs.map((t) => t.hash)).to.deep.equal([tx(1).hash]);
    });

    it("matches a reference model of the retention window (property)", function () {
      fc.assert(
        fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 5 }), { maxLength: 15 }), fc.integer({ min: 1, max: 10 }), (blocks, retained) => {
          const ledger = new OrderLedger(retained);
          // Model: known ids per block after dedupe against what is still known, newest last.
          let model: { block: number; ids: number[] }[] = [];
          blocks.forEach((ids, i) => {
            ledger.applyBlock(i + 2, ids.map(tx));
            const known = new Set(model.flatMap((b) => b.ids));
            const fresh: number[] = [];
            for (const id of ids) if (!known.has(id) && !fresh.includes(id)) fresh.push(id);
            if (fresh.length > 0) model.push({ block: i + 2, ids: fresh });
            while (model.length > 1 && model.reduce((s, b) => s + b.ids.length, 0) > retained) model = model.slice(1);
          });
          for (let n = 0; n <= 30; n++) {
            const b = model.find((m) => m.ids.includes(n));
            expect(ledger.position(tx(n).hash)).to.deep.equal(b === undefined ? undefined : { block: b.block, index: b.ids.indexOf(n) });
          }
        }),
        { seed: 20261124, numRuns: 300 },
      );
    });

    it("refuses a retention below one transaction", function () {
      expect(() => new OrderLedger(0)).to.throw(RangeError, /positive integer/);
    });
  });

  it("refuses an entry applied out of order", function () {
    const ledger = new OrderLedger();
    ledger.applyBlock(5, [tx(1)]);
    expect(() => ledger.applyBlock(5, [tx(2)])).to.throw(/out of order/);
  });

  describe("when restored from a snapshot", function () {
    it("answers the same positions and keeps deduplicating (property)", function () {
      fc.assert(
        fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 6 }), { maxLength: 12 }), fc.integer({ min: 0, max: 12 }), fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }), (blocks, cutAt, retained) => {
          const whole = new OrderLedger(retained);
          const first = new OrderLedger(retained);
          const cut = Math.min(cutAt, blocks.length);
          blocks.forEach((ids, i) => {
            const txs = ids.map(tx);
            whole.applyBlock(i + 2, txs);
            if (i < cut) first.applyBlock(i + 2, txs);
          });
          const restored = new OrderLedger(retained);
          restored.restore(first.snapshot(), 1);
          blocks.slice(cut).forEach((ids, k) => restored.applyBlock(cut + k + 2, ids.map(tx)));
          for (let n = 0; n <= 40; n++) expect(restored.position(tx(n).hash)).to.deep.equal(whole.position(tx(n).hash));
          expect(restored.appliedIndex).to.equal(whole.appliedIndex);
          expect(Buffer.from(restored.snapshot()).equals(Buffer.from(whole.snapshot()))).to.equal(true);
        }),
        { seed: 424242, numRuns: 200 },
      );
    });

    it("refuses a snapshot of an unknown version, or with bytes after its end", function () {
      const source = new OrderLedger();
      source.applyBlock(4, [tx(1)]);
      const data = Buffer.from(source.snapshot());
      for (const version of [0, data[0]! + 1]) {
        const bad = Buffer.from(data);
        bad[0] = version;
        expect(() => new OrderLedger().restore(bad, 4)).to.throw(`unknown ledger snapshot version ${version}`);
      }
      expect(() => new OrderLedger().restore(Buffer.concat([data, Buffer.from([0, 0])]), 4)).to.throw("ledger snapshot has 2 trailing bytes");
      const ok = new OrderLedger();
      ok.restore(data, 4);
      expect(ok.size).to.equal(1);
    });

    it("treats an empty bootstrap snapshot as an empty ledger at its index", function () {
      const ledger = new OrderLedger();
      ledger.applyBlock(4, [tx(1)]);
      ledger.restore(new Uint8Array(0), 1);
      expect(ledger.size).to.equal(0);
      expect(ledger.appliedIndex).to.equal(1);
    });
  });

  describe("when transactions carry their sender and nonce (the nonce rule)", function () {
    const alice = "0x" + "a1".repeat(20);
    const bob = "0x" + "b0".repeat(20);
    /** Transaction `id` of `sender` with `nonce` (distinct ids give distinct bytes). */
    const stx = (id: number, sender: string, nonce: number): BatchTx => ({ ...tx(id), sender, nonce });

    it("takes an unknown sender's first nonce as ordered, then only the next one", function () {
      const ledger = new OrderLedger();
      const b = ledger.applyBlock(2, [stx(1, alice, 5), stx(2, alice, 6), stx(3, bob, 0)]);
      expect(b.txs.map((t) => t.hash)).to.deep.equal([tx(1).hash, tx(2).hash, tx(3).hash]);
      expect(b.refused).to.deep.equal([]);
      expect([ledger.nextNonce(alice), ledger.nextNonce(bob)]).to.deep.equal([7, 1]);
    });

    it("refuses a repeated and a gapped nonce on every node alike, without a position", function () {
      const ledger = new OrderLedger();
      ledger.applyBlock(2, [stx(1, alice, 0)]);
      const b = ledger.applyBlock(3, [stx(2, alice, 0), stx(3, alice, 2), stx(4, alice, 1)]);
      expect(b.txs.map((t) => t.hash)).to.deep.equal([tx(4).hash]);
      expect(b.refused).to.deep.equal([
        { hash: tx(2).hash, sender: alice, nonce: 0, expectedNonce: 1 },
        { hash: tx(3).hash, sender: alice, nonce: 2, expectedNonce: 1 },
      ]);
      expect(ledger.position(tx(3).hash)).to.equal(undefined);
      expect(ledger.refusal(tx(3).hash)).to.deep.equal(b.refused[1]);
    });

    it("orders the same bytes once the gap is filled, and forgets their refusal", function () {
      const ledger = new OrderLedger();
      ledger.applyBlock(2, [stx(1, alice, 0), stx(3, alice, 2)]);
      ledger.applyBlock(3, [stx(2, alice, 1), stx(3, alice, 2)]);
      expect(ledger.position(tx(3).hash)).to.deep.equal({ block: 3, index: 1 });
      expect(ledger.refusal(tx(3).hash)).to.equal(undefined);
      expect(ledger.nextNonce(alice)).to.equal(3);
    });

    it("drops a second copy of the same bytes as a duplicate, not as a repeated nonce", function () {
      const ledger = new OrderLedger();
      ledger.applyBlock(2, [stx(1, alice, 0)]);
      const again = ledger.applyBlock(3, [stx(1, alice, 0)]);
      expect(again.txs).to.deep.equal([]);
      expect(again.refused).to.deep.equal([]);
    });

    it("forgets a sender with the block of its newest transaction", function () {
      const ledger = new OrderLedger(1);
      ledger.applyBlock(2, [stx(1, alice, 0)]);
      ledger.applyBlock(3, [stx(2, bob, 0)]);
      expect(ledger.nextNonce(alice)).to.equal(undefined);
      expect(ledger.nextNonce(bob)).to.equal(1);
    });

    it("restores senders and refusals from a snapshot, and a version-1 snapshot with none", function () {
      const ledger = new OrderLedger();
      ledger.applyBlock(2, [stx(1, alice, 0), stx(2, alice, 3)]);
      const restored = new OrderLedger();
      restored.restore(ledger.snapshot(), 1);
      expect(restored.nextNonce(alice)).to.equal(1);
      expect(restored.refusal(tx(2).hash)).to.deep.equal({ hash: tx(2).hash, sender: alice, nonce: 3, expectedNonce: 1 });
      // Version 1: [1][applied f64][blocks u32] with one block [index f64][n u32][len u8][hash].
      const v1 = Buffer.alloc(1 + 8 + 4 + 8 + 4 + 1 + 32);
      let off = v1.writeUInt8(1, 0);
      off = v1.writeDoubleBE(2, off);
      off = v1.writeUInt32BE(1, off);
      off = v1.writeDoubleBE(2, off);
      off = v1.writeUInt32BE(1, off);
      off = v1.writeUInt8(32, off);
      v1.write(tx(1).hash.slice(2), off, "hex");
      restored.restore(v1, 1);
      expect(restored.position(tx(1).hash)).to.deep.equal({ block: 2, index: 0 });
      expect(restored.nextNonce(alice)).to.equal(undefined);
    });

    it("matches a reference model of next nonces, and a snapshot taken midway changes nothing (property)", function () {
      const senders = [alice, bob];
      const item = fc.record({ id: fc.integer({ min: 0, max: 25 }), who: fc.integer({ min: 0, max: 1 }), nonce: fc.integer({ min: 0, max: 4 }) });
      fc.assert(
        fc.property(fc.array(fc.array(item, { maxLength: 5 }), { maxLength: 10 }), fc.nat(10), (blocks, cutAt) => {
          // Model: one id is one transaction (first sender and nonce drawn for it win, like fixed bytes).
          const identity = new Map<number, { who: number; nonce: number }>();
          const next = new Map<number, number>();
          const positioned = new Set<number>();
          const ledger = new OrderLedger();
          const first = new OrderLedger();
          blocks.forEach((items, i) => {
            const txs = items.map((it) => {
              if (!identity.has(it.id)) identity.set(it.id, { who: it.who, nonce: it.nonce });
              const { who, nonce } = identity.get(it.id)!;
              return stx(it.id, senders[who]!, nonce);
            });
            const expected: number[] = [];
            for (const t of txs) {
              const id = Number(BigInt(t.hash));
              const who = senders.indexOf(t.sender!);
              if (positioned.has(id)) continue;
              const want = next.get(who);
              if (want !== undefined && want !== t.nonce) continue;
              next.set(who, t.nonce! + 1);
              positioned.add(id);
              expected.push(id);
            }
            const got = ledger.applyBlock(i + 2, txs).txs.map((t) => Number(BigInt(t.hash)));
            expect(got).to.deep.equal(expected);
            if (i < cutAt) first.applyBlock(i + 2, txs);
            if (i + 1 === cutAt) first.restore(first.snapshot(), 1);
          });
          senders.forEach((s, who) => expect(ledger.nextNonce(s)).to.equal(next.get(who)));
          if (cutAt >= blocks.length) expect(Buffer.from(first.snapshot()).equals(Buffer.from(ledger.snapshot()))).to.equal(true);
        }),
        { seed: 20261207, numRuns: 200 },
      );
    });
  });

  describe("when the devnet clock is advanced (clock entries)", function () {
    it("adds each advance to the replicated offset and restores it from a snapshot", function () {
      const ledger = new OrderLedger();
      ledger.applyBlock(1, [tx(1)]);
      ledger.advanceClock(2, 3_600);
      ledger.advanceClock(3, 60);
      expect([ledger.clockOffset, ledger.appliedIndex]).to.deep.equal([3_660, 3]);
      const copy = new OrderLedger();
      copy.restore(ledger.snapshot(), 3);
      expect(copy.clockOffset).to.equal(3_660);
      expect(copy.position(tx(1).hash)).to.deep.equal({ block: 1, index: 0 });
    });

    it("restores a version-2 snapshot (before clock advances) with a zero offset", function () {
      const ledger = new OrderLedger();
      ledger.applyBlock(1, [tx(1)]);
      const v3 = Buffer.from(ledger.snapshot());
      // Version 2 is version 3 without the trailing offset.
      const v2 = Buffer.concat([Buffer.from([2]), v3.subarray(1, v3.length - 8)]);
      const copy = new OrderLedger();
      copy.restore(v2, 1);
      expect(copy.clockOffset).to.equal(0);
      expect(copy.position(tx(1).hash)).to.deep.equal({ block: 1, index: 0 });
    });
  });
});
