import { expect } from "chai";
import fc from "fast-check";
import zlib from "node:zlib";
import { crc32, crc32Js } from "../../src/storage/crc32";

describe("crc32", function () {
  it("matches the standard check value", function () {
    expect(crc32Js(Buffer.from("123456789"))).to.equal(0xcbf43926);
    expect(crc32(Buffer.from("123456789"))).to.equal(0xcbf43926);
    expect(crc32Js(new Uint8Array(0))).to.equal(0);
  });

  it("property: the portable fallback equals zlib's, including chained values", function () {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 50 }), (a, b) => {
        expect(crc32Js(a)).to.equal(zlib.crc32(a));
        expect(crc32Js(b, crc32Js(a))).to.equal(zlib.crc32(b, zlib.crc32(a)));
      }),
      { seed: 32, numRuns: 300 },
    );
  });
});
