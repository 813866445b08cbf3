import { expect } from "chai";
import crypto from "node:crypto";
import fc from "fast-check";
import { FrameMac, MAC_BYTES } from "../../src/transport/handshake";

/** HMAC-SHA256(key, seq u64 BE || body): the reference the frame tag must equal. */
function reference(key: Buffer, seq: number, body: Buffer): Buffer {
  const s = Buffer.alloc(8);
  s.writeBigUInt64BE(BigInt(seq));
  return crypto.createHmac("sha256", key).update(s).update(body).digest();
}

function sealed(mac: FrameMac, body: Buffer): Buffer {
  const frame = Buffer.concat([Buffer.alloc(MAC_BYTES), body]);
  mac.sealInto(frame, 0);
  return frame;
}

describe("transport/handshake: FrameMac", function () {
  const key = crypto.randomBytes(32);

  it("tags every frame with HMAC-SHA256 over the sequence number and body, small and large", function () {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9000 }), { minLength: 1, maxLength: 6 }), (sizes) => {
        const mac = new FrameMac(key);
        sizes.forEach((n, seq) => {
          const body = crypto.randomBytes(n);
          expect(sealed(mac, body).subarray(0, MAC_BYTES).equals(reference(key, seq, body))).to.equal(true);
        });
      }),
      { seed: 42, numRuns: 50 },
    );
  });

  it("derives the pads from a hashed key when the key is longer than a block", function () {
    const long = crypto.randomBytes(100);
    const body = Buffer.from("hello");
    expect(sealed(new FrameMac(long), body).subarray(0, MAC_BYTES).equals(reference(long, 0, body))).to.equal(true);
  });

  describe("when opening", function () {
    it("returns the body of authentic frames in sequence", function () {
      const tx = new FrameMac(key);
      const rx = new FrameMac(key);
      for (const text of ["a", "bb", "x".repeat(5000)]) {
        expect(rx.open(sealed(tx, Buffer.from(text)))?.toString()).to.equal(text);
      }
    });

    it("refuses a flipped bit, a replayed or reordered frame, and a wrong key", function () {
      const tx = new FrameMac(key);
      const f0 = sealed(tx, Buffer.from("first"));
      const f1 = sealed(tx, Buffer.from("second"));
      const flipped = Buffer.from(f0);
      flipped[flipped.length - 1] ^= 1;
      expect(new FrameMac(key).open(flipped)).to.equal(null);
      expect(new FrameMac(key).open(f1)).to.equal(null);
      const rx = new FrameMac(key);
      expect(rx.open(f0)).to.not.equal(null);
      expect(rx.open(f0)).to.equal(null);
      expect(new FrameMac(crypto.randomBytes(32)).open(f0)).to.equal(null);
      expect(new FrameMac(key).open(Buffer.alloc(MAC_BYTES - 1))).to.equal(null);
    });
  });
});
