import { expect } from "chai";
import fc from "fast-check";
import { getAddress, hexlify, keccak256 as ethersKeccak256 } from "ethers";
import { checksumAddress, keccak256 } from "../../src/chain/keccak";

const SEED = Number(process.env.FC_SEED ?? 20261207);

describe("chain/keccak", function () {
  describe("keccak256", function () {
    it("hashes the empty input to Keccak-256's known digest", function () {
      expect(keccak256(Buffer.alloc(0)).toString("hex")).to.equal("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    });

    it("agrees with ethers' keccak256 on any input, across the 136-byte block boundary (property)", function () {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 420 }), (bytes) => {
          expect("0x" + keccak256(Buffer.from(bytes)).toString("hex")).to.equal(ethersKeccak256(bytes));
        }),
        { seed: SEED, numRuns: 400 },
      );
    });

    it("starts every hash afresh (the sponge is reused)", function () {
      const a = Buffer.from("first input");
      const before = keccak256(a).toString("hex");
      keccak256(Buffer.alloc(300, 7));
      expect(keccak256(a).toString("hex")).to.equal(before);
    });
  });

  describe("checksumAddress", function () {
    it("gives ethers' EIP-55 form of any lower-case address (property)", function () {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), (bytes) => {
          const lower = hexlify(bytes);
          expect(checksumAddress(lower)).to.equal(getAddress(lower));
        }),
        { seed: SEED, numRuns: 300 },
      );
    });

    it("refuses anything but a lower-case 0x address of 20 bytes", function () {
      for (const bad of ["0x" + "ab".repeat(19), "0x" + "AB".repeat(20), "ab".repeat(20), "0x" + "zz".repeat(20)]) {
        expect(() => checksumAddress(bad), bad).to.throw(TypeError, /lower-case 0x address/);
      }
    });
  });
});
