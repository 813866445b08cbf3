import { expect } from "chai";
import fc from "fast-check";
import { encodeRlp, getBytes, hexlify, type RlpStructuredData } from "ethers";
import { RlpError, decodeRlpItem, type RlpItem } from "../../src/chain/rlp";

const SEED = Number(process.env.FC_SEED ?? 20261124);

/** Decoded item → the hex form ethers' encoder takes. */
function toHexTree(item: RlpItem): RlpStructuredData {
  return Array.isArray(item) ? item.map(toHexTree) : hexlify(item);
}

const decodeHex = (hex: string): RlpItem => decodeRlpItem(Buffer.from(getBytes(hex)));

function expectRlpError(hex: string, pattern: RegExp): void {
  expect(() => decodeHex(hex)).to.throw(RlpError, pattern);
}

describe("chain/rlp: decodeRlpItem", function () {
  describe("when the input is canonical", function () {
    it("decodes what ethers encodes back to the same tree (property)", function () {
      const bytes = fc.uint8Array({ maxLength: 80 }).map((b) => hexlify(b));
      const tree = fc.letrec<{ node: RlpStructuredData }>((tie) => ({
        node: fc.oneof({ depthSize: "small", withCrossShrink: true }, bytes, fc.array(tie("node"), { maxLength: 5 })),
      })).node;
      fc.assert(
        fc.property(tree, (t) => {
          expect(toHexTree(decodeHex(encodeRlp(t)))).to.deep.equal(t);
        }),
        { seed: SEED, numRuns: 300 },
      );
    });

    it("returns byte strings as views into the input, not copies", function () {
      const buf = Buffer.from(getBytes(encodeRlp(["0x1234", "0x56"])));
      const item = decodeRlpItem(buf) as Buffer[];
      expect(item[0]!.buffer).to.equal(buf.buffer);
      expect(hexlify(item[0]!)).to.equal("0x1234");
    });

    it("decodes the long forms (payloads over 55 bytes)", function () {
      const long = "0x" + "ab".repeat(56);
      expect(toHexTree(decodeHex(encodeRlp(long)))).to.equal(long);
      expect(toHexTree(decodeHex(encodeRlp([long])))).to.deep.equal([long]);
    });
  });

  describe("when the input is not one canonical item", function () {
    it("rejects empty and truncated input", function () {
      expectRlpError("0x", /too short/);
      expectRlpError("0x83aabb", /too short/);
      expectRlpError("0xc4820102", /too short/);
      expectRlpError("0xb9", /too short for the length/);
    });

    it("rejects trailing bytes", function () {
      expectRlpError("0x8201020304", /2 trailing byte\(s\)/);
    });

    it("rejects a single byte below 0x80 wrapped in a string prefix", function () {
      expectRlpError("0x817f", /must encode as itself/);
      expect(toHexTree(decodeHex("0x8180"))).to.equal("0x80");
    });

    it("rejects the long form for a short payload and a length with a leading zero", function () {
      expectRlpError("0xb80401020304", /long form used for a short item/);
      expectRlpError("0xb9003801", /leading zero/);
      expectRlpError("0xf80401020304", /long form used for a short item/);
    });

    it("rejects a list item that runs past the end of its list", function () {
      // The list claims 2 bytes of payload, but its item is 3 bytes long.
      expectRlpError("0xc2820102", /too short/);
    });

    it("rejects lists nested deeper than 16", function () {
      let nested: RlpStructuredData = [];
      for (let i = 0; i < 16; i++) nested = [nested];
      expectRlpError(encodeRlp(nested), /nested deeper than 16/);
    });
  });
});
