import { expect } from "chai";
import fc from "fast-check";
import zlib from "node:zlib";
import { crc32, crc32Js } from "../../src/storage/crc32";
import { freshModule } from "../helpers/fresh-module";

/**
 * crc32Js builds its lookup table on first use and keeps it in module state, so in one process only the first call
 * builds it. This loads a fresh instance of the module so a test checks a table built now (a mutation-testing worker
 * runs the suite many times in one process).
 */
const freshCrc32Js = (): typeof crc32Js => freshModule<{ crc32Js: typeof crc32Js }>(require.resolve("../../src/storage/crc32")).crc32Js;

describe("crc32", function () {
  it("matches the standard check value", function () {
    expect(crc32Js(Buffer.from("123456789"))).to.equal(0xcbf43926);
    expect(crc32(Buffer.from("123456789"))).to.equal(0xcbf43926);
    expect(crc32Js(new Uint8Array(0))).to.equal(0);
  });

  it("builds a correct table on first use in a fresh process", function () {
    const fresh = freshCrc32Js();
    expect(fresh(Buffer.from("123456789"))).to.equal(0xcbf43926);
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(fresh(all)).to.equal(zlib.crc32(all));
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
