import { expect } from "chai";
import fc from "fast-check";
import { decodeBlock, decodeEntry, encodeBlock } from "../../src/batch/block-codec";
import { MAX_CLOCK_ADVANCE_SECONDS, decodeClockEntry, encodeClockEntry } from "../../src/batch/clock-entry";
import { BlockDecodeError } from "../../src/batch/errors";

describe("block codec (Raft entry payload)", function () {
  it("round-trips a block of transactions byte for byte", function () {
    const txs = [
      { raw: Uint8Array.from([1, 2, 3]), hash: "0x" + "ab".repeat(32) },
      { raw: new Uint8Array(0), hash: "0x" + "00".repeat(32) },
      { raw: new Uint8Array(70_000).fill(7), hash: "0x" + "ff".repeat(32) },
    ];
    const decoded = decodeBlock(encodeBlock(txs));
    expect(decoded).to.have.length(3);
    decoded.forEach((t, i) => {
      expect(t.hash).to.equal(txs[i].hash);
      expect(Buffer.from(t.raw).equals(Buffer.from(txs[i].raw))).to.equal(true);
    });
  });

  it("round-trips each transaction's sender and nonce, and their absence", function () {
    const sender = "0x" + "5a".repeat(20);
    const txs = [
      { raw: Uint8Array.from([1]), hash: "0x" + "01".repeat(32), sender, nonce: Number.MAX_SAFE_INTEGER },
      { raw: Uint8Array.from([2]), hash: "0x" + "02".repeat(32) },
      { raw: Uint8Array.from([3]), hash: "0x" + "03".repeat(32), sender, nonce: 0 },
    ];
    const back = decodeBlock(encodeBlock(txs));
    expect(back.map((t) => [t.sender, t.nonce])).to.deep.equal([[sender, Number.MAX_SAFE_INTEGER], [undefined, undefined], [sender, 0]]);
  });

  it("refuses to encode a malformed sender or nonce", function () {
    const hash = "0x" + "01".repeat(32);
    expect(() => encodeBlock([{ raw: new Uint8Array(0), hash, sender: "0x1234", nonce: 1 }])).to.throw(RangeError, /20-byte address/);
    expect(() => encodeBlock([{ raw: new Uint8Array(0), hash, sender: "0x" + "00".repeat(20), nonce: -1 }])).to.throw(RangeError, /nonce/);
  });

  it("still reads a block of format version 1 (no sender, no nonce)", function () {
    // [1][count 1][hashLen 2][0xabcd][rawLen 3][7 8 9], as written before senders were recorded.
    const v1 = Uint8Array.from([1, 0, 0, 0, 1, 2, 0xab, 0xcd, 0, 0, 0, 3, 7, 8, 9]);
    const [tx] = decodeBlock(v1);
    expect(tx!.hash).to.equal("0xabcd");
    expect([...tx!.raw]).to.deep.equal([7, 8, 9]);
    expect(tx!.sender).to.equal(undefined);
  });

  it("carries the leader's timestamp (version 3), so every node builds the same stored block", function () {
    const entry = decodeEntry(encodeBlock([{ raw: Uint8Array.from([1]), hash: "0x" + "22".repeat(32) }], 1_765_000_000));
    expect(entry.timestamp).to.equal(1_765_000_000);
    expect(entry.txs.map((t) => t.hash)).to.deep.equal(["0x" + "22".repeat(32)]);
    expect(() => encodeBlock([], -1)).to.throw(RangeError, /timestamp/);
  });

  it("still reads a block of format version 2 (sender and nonce, no timestamp)", function () {
    // [2][count 1][hashLen 1][0xab][senderLen 20][sender][nonce 5][rawLen 1][7]
    const v2 = Buffer.concat([
      Buffer.from([2, 0, 0, 0, 1, 1, 0xab, 20]),
      Buffer.alloc(20, 0x11),
      Buffer.from([0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 1, 7]),
    ]);
    const entry = decodeEntry(v2);
    expect(entry.timestamp).to.equal(null);
    expect(entry.txs[0]).to.deep.include({ hash: "0xab", sender: "0x" + "11".repeat(20), nonce: 5 });
  });

  it("round-trips an empty block", function () {
    expect(decodeBlock(encodeBlock([]))).to.deep.equal([]);
  });

  it("property: decode(encode(x)) == x", function () {
    fc.assert(
      fc.property(
        fc.array(fc.record({ raw: fc.uint8Array({ maxLength: 64 }), hash: fc.uint8Array({ minLength: 32, maxLength: 32 }) }), {
          maxLength: 20,
        }),
        (items) => {
          const txs = items.map((i) => ({ raw: i.raw, hash: "0x" + Buffer.from(i.hash).toString("hex") }));
          const back = decodeBlock(encodeBlock(txs));
          expect(back.map((t) => t.hash)).to.deep.equal(txs.map((t) => t.hash));
          back.forEach((t, k) => expect(Buffer.from(t.raw).equals(Buffer.from(txs[k].raw))).to.equal(true));
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });

  describe("when the payload is malformed", function () {
    const good = encodeBlock([{ raw: Uint8Array.from([9, 9, 9, 9]), hash: "0x" + "11".repeat(32) }]);

    it("rejects a truncated payload", function () {
      expect(() => decodeBlock(good.subarray(0, good.length - 1))).to.throw(BlockDecodeError, /truncated raw bytes of tx 0/);
    });

    it("rejects trailing bytes", function () {
      const longer = new Uint8Array(good.length + 2);
      longer.set(good);
      expect(() => decodeBlock(longer)).to.throw(BlockDecodeError, /2 trailing bytes/);
    });

    it("rejects a sender length other than 0 or 20", function () {
      const bad = Uint8Array.from(good);
      bad[13 + 1 + 32] = 7;
      expect(() => decodeBlock(bad)).to.throw(BlockDecodeError, /bad sender length 7 of tx 0/);
    });

    it("rejects an unknown version", function () {
      const bad = Uint8Array.from(good);
      bad[0] = 9;
      expect(() => decodeBlock(bad)).to.throw(BlockDecodeError, /version 9/);
    });
  });

  it("refuses to encode a hash that is not hex", function () {
    expect(() => encodeBlock([{ raw: new Uint8Array(1), hash: "nothex" }])).to.throw(RangeError, /hash/);
  });

  describe("when the entry is a clock advance", function () {
    it("round-trips the seconds and the leader's timestamp, and is never taken for a block", function () {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: MAX_CLOCK_ADVANCE_SECONDS }), fc.integer({ min: 0, max: 2 ** 40 }), (seconds, timestamp) => {
          const data = encodeClockEntry(seconds, timestamp);
          expect(decodeClockEntry(data)).to.deep.equal({ seconds, timestamp });
          expect(() => decodeEntry(data)).to.throw(BlockDecodeError);
        }),
        { seed: 13, numRuns: 200 },
      );
      expect(decodeClockEntry(encodeBlock([], 5))).to.equal(null);
    });

    it("refuses advances outside 1 s to 100 years, and a truncated entry", function () {
      expect(() => encodeClockEntry(0)).to.throw(RangeError);
      expect(() => encodeClockEntry(MAX_CLOCK_ADVANCE_SECONDS + 1)).to.throw(RangeError);
      expect(() => decodeClockEntry(encodeClockEntry(60).subarray(0, 9))).to.throw(BlockDecodeError, /17 bytes/);
    });
  });
});
