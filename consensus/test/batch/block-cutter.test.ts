import { expect } from "chai";
import fc from "fast-check";
import { BlockCutter } from "../../src/batch/block-cutter";
import type { BatchTx } from "../../src/batch/types";

function tx(n: number, size: number): BatchTx {
  return { raw: new Uint8Array(size).fill(n % 256), hash: "0x" + n.toString(16).padStart(64, "0") };
}

const LIMITS = { maxMessageCount: 3, preferredMaxBytes: 100, batchTimeoutMs: 50 };

describe("BlockCutter (Fabric blockcutter semantics)", function () {
  describe("when the count limit is reached", function () {
    it("cuts exactly maxMessageCount transactions", function () {
      const cutter = new BlockCutter(LIMITS);
      expect(cutter.ordered(tx(1, 10), 0)).to.deep.equal({ batches: [], pending: true });
      expect(cutter.ordered(tx(2, 10), 1).batches).to.have.length(0);
      const res = cutter.ordered(tx(3, 10), 2);
      expect(res.batches).to.have.length(1);
      expect(res.batches[0].map((t) => t.hash)).to.deep.equal([tx(1, 1).hash, tx(2, 1).hash, tx(3, 1).hash]);
      expect(res.pending).to.equal(false);
      expect(cutter.pendingCount).to.equal(0);
      expect(cutter.deadline()).to.equal(null);
    });
  });

  describe("when adding a transaction would exceed preferredMaxBytes", function () {
    it("cuts the pending batch first and starts a new one with the transaction", function () {
      const cutter = new BlockCutter(LIMITS);
      cutter.ordered(tx(1, 60), 0);
      const res = cutter.ordered(tx(2, 50), 5);
      expect(res.batches).to.have.length(1);
      expect(res.batches[0].map((t) => t.hash)).to.deep.equal([tx(1, 1).hash]);
      expect(res.pending).to.equal(true);
      expect(cutter.pendingBytes).to.equal(50);
      // The new batch's timer starts with its own first transaction.
      expect(cutter.deadline()).to.equal(55);
    });

    it("accepts a batch that lands exactly on preferredMaxBytes", function () {
      const cutter = new BlockCutter(LIMITS);
      cutter.ordered(tx(1, 60), 0);
      expect(cutter.ordered(tx(2, 40), 0).batches).to.have.length(0);
      expect(cutter.pendingBytes).to.equal(100);
    });
  });

  describe("when a single transaction is larger than preferredMaxBytes", function () {
    it("flushes the pending batch, then sends the oversized transaction alone", function () {
      const cutter = new BlockCutter(LIMITS);
      cutter.ordered(tx(1, 10), 0);
      const res = cutter.ordered(tx(2, 500), 1);
      expect(res.batches.map((b) => b.map((t) => t.hash))).to.deep.equal([[tx(1, 1).hash], [tx(2, 1).hash]]);
      expect(res.pending).to.equal(false);
    });

    it("sends it alone when nothing is pending", function () {
      const cutter = new BlockCutter(LIMITS);
      const res = cutter.ordered(tx(2, 500), 1);
      expect(res.batches).to.have.length(1);
      expect(res.batches[0]).to.have.length(1);
    });
  });

  describe("batch timeout", function () {
    it("reports a timeout only once batchTimeoutMs has passed since the first pending tx", function () {
      const cutter = new BlockCutter(LIMITS);
      expect(cutter.timedOut(1_000)).to.equal(false);
      cutter.ordered(tx(1, 10), 1_000);
      cutter.ordered(tx(2, 10), 1_040);
      expect(cutter.deadline()).to.equal(1_050);
      expect(cutter.timedOut(1_049)).to.equal(false);
      expect(cutter.timedOut(1_050)).to.equal(true);
      expect(cutter.cut().map((t) => t.hash)).to.deep.equal([tx(1, 1).hash, tx(2, 1).hash]);
      expect(cutter.timedOut(5_000)).to.equal(false);
    });

    it("cut() on an empty cutter returns an empty batch", function () {
      expect(new BlockCutter(LIMITS).cut()).to.deep.equal([]);
    });
  });

  it("rejects invalid limits", function () {
    expect(() => new BlockCutter({ ...LIMITS, maxMessageCount: 0 })).to.throw(RangeError, /maxMessageCount/);
    expect(() => new BlockCutter({ ...LIMITS, preferredMaxBytes: 0 })).to.throw(RangeError, /preferredMaxBytes/);
    expect(() => new BlockCutter({ ...LIMITS, batchTimeoutMs: -1 })).to.throw(RangeError, /batchTimeoutMs/);
  });

  it("property: keeps order, never loses a tx, and respects both limits", function () {
    const seed = Number(process.env.FC_SEED ?? 424242);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 200 }),
        fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 60 }),
        (maxMessageCount, preferredMaxBytes, sizes) => {
          const cutter = new BlockCutter({ maxMessageCount, preferredMaxBytes, batchTimeoutMs: 10 });
          const batches: BatchTx[][] = [];
          sizes.forEach((size, i) => batches.push(...cutter.ordered(tx(i, size), i).batches));
          const rest = cutter.cut();
          if (rest.length > 0) batches.push(rest);
          const flat = batches.flat().map((t) => t.hash);
          expect(flat).to.deep.equal(sizes.map((_, i) => tx(i, 0).hash));
          for (const b of batches) {
            expect(b.length).to.be.within(1, maxMessageCount);
            const bytes = b.reduce((s, t) => s + t.raw.byteLength, 0);
            if (b.length > 1) expect(bytes).to.be.at.most(preferredMaxBytes);
          }
        },
      ),
      { seed, numRuns: 300 },
    );
  });
});
