import { expect } from "chai";
import fc from "fast-check";
import {
  BlockChainError,
  BlockCorruptionError,
  GENESIS_PARENT,
  checkBlock,
  decodeBlock,
  encodeBlock,
  headerOf,
  makeBlock,
} from "../../src/blocks";
import { chain, tx } from "./helpers";

const SEED = Number(process.env.FC_SEED ?? 20261207);

const txArb = fc.record({
  hash: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => "0x" + Buffer.from(b).toString("hex")),
  raw: fc.uint8Array({ maxLength: 300 }),
});
const inputArb = fc.record({
  raftIndex: fc.integer({ min: 1, max: 2 ** 40 }),
  timestamp: fc.integer({ min: 0, max: 2 ** 40 }),
  txs: fc.array(txArb, { maxLength: 6 }),
});

describe("blocks/block: the ordered blocks' hash chain", function () {
  describe("makeBlock", function () {
    it("numbers blocks from 1 and links each to its parent's hash", function () {
      const [a, b, c] = chain(3);
      expect([a!.number, b!.number, c!.number]).to.deep.equal([1, 2, 3]);
      expect(a!.parentHash).to.equal(GENESIS_PARENT);
      expect(b!.parentHash).to.equal(a!.hash);
      expect(c!.parentHash).to.equal(b!.hash);
      expect(new Set([a!.hash, b!.hash, c!.hash]).size).to.equal(3);
    });

    it("gives a different hash when any header field or any transaction differs (property)", function () {
      fc.assert(
        fc.property(inputArb, fc.integer({ min: 0, max: 3 }), (input, field) => {
          const block = makeBlock(null, input);
          const changed =
            field === 0
              ? { ...input, raftIndex: input.raftIndex + 1 }
              : field === 1
                ? { ...input, timestamp: input.timestamp + 1 }
                : field === 2
                  ? { ...input, txs: [...input.txs, tx(7)] }
                  : { ...input, txs: input.txs.length === 0 ? [tx(1)] : input.txs.slice(1) };
          expect(makeBlock(null, changed).hash).to.not.equal(block.hash);
        }),
        { seed: SEED, numRuns: 200 },
      );
    });
  });

  describe("checkBlock", function () {
    const [a, b] = chain(2);

    it("accepts the next block of the chain", function () {
      expect(() => checkBlock(null, a!)).to.not.throw();
      expect(() => checkBlock(headerOf(a!), b!)).to.not.throw();
    });

    describe("when a block does not continue the chain", function () {
      it("refuses a wrong number, parent, Raft index or a timestamp that runs backward", function () {
        expect(() => checkBlock(null, b!)).to.throw(BlockChainError, /block 2: expected block 1/);
        expect(() => checkBlock(headerOf(a!), { ...b!, parentHash: GENESIS_PARENT })).to.throw(BlockChainError, /parent hash/);
        const early = makeBlock(null, { raftIndex: 1, timestamp: 5000, txs: [] });
        expect(() => makeBlock(headerOf(early), { raftIndex: 1, timestamp: 5000, txs: [] })).to.throw(BlockChainError, /Raft index 1 is not after/);
        expect(() => makeBlock(headerOf(early), { raftIndex: 2, timestamp: 4999, txs: [] })).to.throw(BlockChainError, /runs behind/);
      });

      it("refuses a block whose transactions or header were changed after hashing", function () {
        expect(() => checkBlock(headerOf(a!), { ...b!, txs: [tx(99)] })).to.throw(BlockChainError, /does not match its contents/);
        expect(() => checkBlock(headerOf(a!), { ...b!, timestamp: b!.timestamp + 1 })).to.throw(BlockChainError, /does not match/);
      });
    });
  });

  describe("encodeBlock / decodeBlock", function () {
    it("round-trips any block (property)", function () {
      fc.assert(
        fc.property(inputArb, (input) => {
          const block = makeBlock(null, input);
          const back = decodeBlock(encodeBlock(block), "test");
          expect({ ...back, txs: back.txs.map((t) => ({ hash: t.hash, raw: [...t.raw] })) }).to.deep.equal({
            ...block,
            txs: block.txs.map((t) => ({ hash: t.hash, raw: [...t.raw] })),
          });
        }),
        { seed: SEED, numRuns: 60 },
      );
    });

    describe("when the bytes are damaged", function () {
      it("refuses a truncated record, trailing bytes and an unknown version", function () {
        const bytes = encodeBlock(chain(1)[0]!);
        expect(() => decodeBlock(bytes.subarray(0, bytes.length - 1), "b1")).to.throw(BlockCorruptionError, /b1 is corrupt: truncated/);
        expect(() => decodeBlock(bytes.subarray(0, 50), "b1")).to.throw(BlockCorruptionError, /truncated at byte 0/);
        expect(() => decodeBlock(Buffer.concat([bytes, Buffer.from([0])]), "b1")).to.throw(BlockCorruptionError, /1 trailing bytes/);
        const other = Buffer.from(bytes);
        other[0] = 9;
        expect(() => decodeBlock(other, "b1")).to.throw(BlockCorruptionError, /unknown version 9/);
      });
    });
  });
});
