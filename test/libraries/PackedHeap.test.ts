import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import { PANIC_CODES } from "@nomicfoundation/hardhat-chai-matchers/panic";
import { PackedHeapHarness__factory, type PackedHeapHarness } from "../../typechain-types";

async function heapFixture() {
  const [deployer] = await ethers.getSigners();
  return { heap: await new PackedHeapHarness__factory(deployer).deploy() };
}

/** The market's packing: key in the high bits, order id in the low 64. */
const pack = (key: bigint, orderId: bigint): bigint => (key << 64n) | orderId;

/** Every parent is ≤ its children. */
async function expectHeapProperty(heap: PackedHeapHarness): Promise<void> {
  const items = await heap.items();
  for (let i = 1; i < items.length; i++) {
    expect(items[Math.floor((i - 1) / 2)]! <= items[i]!, `parent of ${i}`).to.equal(true);
  }
}

const sorted = (xs: readonly bigint[]): bigint[] => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

describe("PackedHeap", function () {
  describe("when empty", function () {
    it("has size 0", async function () {
      const { heap } = await loadFixture(heapFixture);
      expect(await heap.size()).to.equal(0n);
    });

    it("has no top (array access panic)", async function () {
      const { heap } = await loadFixture(heapFixture);
      await expect(heap.top()).to.be.revertedWithPanic(PANIC_CODES.ARRAY_ACCESS_OUT_OF_BOUNDS);
    });

    it("cannot pop (arithmetic underflow panic)", async function () {
      const { heap } = await loadFixture(heapFixture);
      await expect(heap.pop()).to.be.revertedWithPanic(PANIC_CODES.ARITHMETIC_OVERFLOW);
    });
  });

  describe("push", function () {
    it("keeps the smallest entry on top", async function () {
      const { heap } = await loadFixture(heapFixture);
      await heap.push(50n);
      expect(await heap.top()).to.equal(50n);
      await heap.push(70n);
      expect(await heap.top()).to.equal(50n);
      await heap.push(10n);
      expect(await heap.top()).to.equal(10n);
      expect(await heap.size()).to.equal(3n);
      await expectHeapProperty(heap);
    });

    it("sifts a new minimum up through several levels", async function () {
      const { heap } = await loadFixture(heapFixture);
      await heap.pushMany([10n, 20n, 30n, 40n, 50n, 60n, 70n]);
      await heap.push(5n);
      expect(await heap.items()).to.deep.equal([5n, 10n, 30n, 20n, 50n, 60n, 70n, 40n]);
    });
  });

  describe("pop", function () {
    it("removes the top and restores the heap", async function () {
      const { heap } = await loadFixture(heapFixture);
      await heap.pushMany([30n, 10n, 20n, 40n]);
      await heap.pop();
      expect(await heap.top()).to.equal(20n);
      expect(await heap.size()).to.equal(3n);
      await expectHeapProperty(heap);
    });

    it("empties a one-entry heap", async function () {
      const { heap } = await loadFixture(heapFixture);
      await heap.push(1n);
      await heap.pop();
      expect(await heap.size()).to.equal(0n);
    });

    it("picks the smaller of two children, including the right one", async function () {
      const { heap } = await loadFixture(heapFixture);
      // [1, 5, 3, 6, 7]: popping moves 7 down past the right child 3.
      await heap.pushMany([1n, 5n, 3n, 6n, 7n]);
      await heap.pop();
      expect(await heap.items()).to.deep.equal([3n, 5n, 7n, 6n]);
    });
  });

  describe("with packed (key, id) entries", function () {
    it("orders by key, then by the lower id", async function () {
      const { heap } = await loadFixture(heapFixture);
      const entries = [pack(7n, 3n), pack(5n, 9n), pack(7n, 1n), pack(5n, 2n), pack(9n, 4n)];
      await heap.pushMany(entries);
      const out = await heap.drain.staticCall();
      expect(out.map((e) => [e >> 64n, e & (2n ** 64n - 1n)])).to.deep.equal([
        [5n, 2n],
        [5n, 9n],
        [7n, 1n],
        [7n, 3n],
        [9n, 4n],
      ]);
    });

    it("keeps duplicates", async function () {
      const { heap } = await loadFixture(heapFixture);
      await heap.pushMany([4n, 4n, 2n, 4n]);
      expect(await heap.drain.staticCall()).to.deep.equal([2n, 4n, 4n, 4n]);
    });
  });

  describe("sortStep", function () {
    it("moves the smallest entry of the unsorted part to its end and keeps the rest a heap", async function () {
      const { heap } = await loadFixture(heapFixture);
      await heap.pushMany([1n, 5n, 3n, 6n, 7n]);
      await heap.sort();
      expect(await heap.items()).to.deep.equal([7n, 6n, 5n, 3n, 1n]);
    });

    it("sorts any heap into descending order, duplicates kept (fast-check, fixed seed)", async function () {
      const [deployer] = await ethers.getSigners();
      await fc.assert(
        fc.asyncProperty(fc.array(fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }), { maxLength: 20 }), fc.array(fc.bigInt({ min: 0n, max: 9n }), { maxLength: 12 }), async (wide, narrow) => {
          const fresh = await new PackedHeapHarness__factory(deployer).deploy();
          const entries = [...wide, ...narrow];
          await fresh.pushMany(entries);
          await fresh.sort();
          expect(await fresh.items()).to.deep.equal(sorted(entries).reverse());
        }),
        { seed: 20_261_207, numRuns: 30 },
      );
    });
  });

  it("drains any sequence in sorted order and keeps the heap property (fast-check, fixed seed)", async function () {
    const { heap } = await loadFixture(heapFixture);
    const seed = 20_261_124;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }), { maxLength: 24 }),
        fc.array(fc.bigInt({ min: 0n, max: 40n }), { maxLength: 24 }),
        async (wide, narrow) => {
          const fresh = await new PackedHeapHarness__factory((await ethers.getSigners())[0]).deploy();
          const entries = [...wide, ...narrow];
          await fresh.pushMany(entries);
          expect(await fresh.size()).to.equal(BigInt(entries.length));
          await expectHeapProperty(fresh);
          expect(await fresh.drain.staticCall()).to.deep.equal(sorted(entries));
        },
      ),
      { seed, numRuns: 40 },
    );
    expect(await heap.size()).to.equal(0n);
  });

  it("interleaves pushes and pops like a sorted multiset (fast-check, fixed seed)", async function () {
    const [deployer] = await ethers.getSigners();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.bigInt({ min: 0n, max: 1000n }), fc.constant(null)), { maxLength: 30 }),
        async (ops) => {
          const heap = await new PackedHeapHarness__factory(deployer).deploy();
          let model: bigint[] = [];
          for (const op of ops) {
            if (op === null) {
              if (model.length === 0) continue;
              await heap.pop();
              model = sorted(model).slice(1);
            } else {
              await heap.push(op);
              model.push(op);
            }
          }
          expect(await heap.size()).to.equal(BigInt(model.length));
          if (model.length > 0) expect(await heap.top()).to.equal(sorted(model)[0]);
          await expectHeapProperty(heap);
        },
      ),
      { seed: 7_2026, numRuns: 25 },
    );
  });
});
