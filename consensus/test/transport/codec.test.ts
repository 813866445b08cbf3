import { expect } from "chai";
import fc from "fast-check";
import type { Message } from "../../src/core/types";
import { decodeBatch, decodeMessage, encodeBatch, encodeMessage } from "../../src/transport/codec";
import { MessageDecodeError } from "../../src/transport/errors";

const append: Message = {
  type: "append",
  from: "tc1",
  to: "gen1",
  term: 4,
  index: 10,
  logTerm: 3,
  commit: 9,
  entries: [
    { term: 4, index: 11, type: "normal", data: Uint8Array.from([0, 1, 2, 255]) },
    { term: 4, index: 12, type: "config", data: new Uint8Array(0) },
  ],
};

const snapshot: Message = {
  type: "snapshot",
  from: "tc1",
  to: "con1",
  term: 5,
  snapshot: {
    meta: { index: 100, term: 5, conf: { members: [{ id: "tc1", role: "trading-centre" }], pool: ["tc1"] } },
    data: new Uint8Array(3000).fill(7),
  },
};

describe("message codec (binary)", function () {
  const entryArb = fc.record({
    term: fc.nat(),
    index: fc.maxSafeNat(),
    type: fc.constantFrom("normal" as const, "config" as const),
    data: fc.uint8Array({ maxLength: 50 }),
  });
  const msgArb = fc.record(
    {
      type: fc.constantFrom("append" as const, "catchUp" as const, "vote" as const, "heartbeatResp" as const, "preVote" as const),
      from: fc.string({ minLength: 1, maxLength: 5 }),
      to: fc.string({ minLength: 1, maxLength: 5 }),
      term: fc.maxSafeNat(),
      index: fc.nat(),
      logTerm: fc.nat(),
      commit: fc.nat(),
      reject: fc.boolean(),
      rejectHint: fc.record({ term: fc.nat(), index: fc.nat() }),
      entries: fc.array(entryArb, { maxLength: 4 }),
      context: fc.string({ maxLength: 5 }),
    },
    { requiredKeys: ["type", "from", "to", "term"] },
  );

  it("round-trips an append with entries, byte for byte", function () {
    const back = decodeMessage(encodeMessage(append));
    expect(back).to.deep.equal(append);
    expect(back.entries?.[0].data).to.be.instanceOf(Uint8Array);
  });

  it("round-trips a snapshot message with its configuration", function () {
    expect(decodeMessage(encodeMessage(snapshot))).to.deep.equal(snapshot);
  });

  it("round-trips replies with hints and flags", function () {
    const resp: Message = { type: "appendResp", from: "gen1", to: "tc1", term: 4, index: 7, reject: true, rejectHint: { term: 2, index: 5 } };
    expect(decodeMessage(encodeMessage(resp))).to.deep.equal(resp);
    const transfer: Message = { type: "transferLeader", from: "a", to: "b", term: 1, context: "b" };
    expect(decodeMessage(encodeMessage(transfer))).to.deep.equal(transfer);
  });

  it("puts entry bytes on the wire as they are (no base64), with a small fixed overhead", function () {
    const data = new Uint8Array(1000).fill(9);
    const m: Message = { type: "append", from: "a", to: "b", term: 1, index: 1, logTerm: 1, commit: 1, entries: [{ term: 1, index: 2, type: "normal", data }] };
    const wire = encodeMessage(m);
    expect(wire.length).to.be.within(1000, 1100);
    expect(wire.includes(Buffer.from(data))).to.equal(true);
  });

  it("decoded entry data does not share memory with the frame", function () {
    const frame = encodeMessage(append);
    const back = decodeMessage(frame);
    frame.fill(0);
    expect(Array.from(back.entries![0].data)).to.deep.equal([0, 1, 2, 255]);
  });

  it("property: decode(encode(m)) == m for generated messages", function () {
    fc.assert(
      fc.property(msgArb, (m) => {
        expect(decodeMessage(encodeMessage(m))).to.deep.equal(m);
      }),
      { seed: 99, numRuns: 300 },
    );
  });

  it("property: a batch decodes to its messages, in order, with or without headroom", function () {
    fc.assert(
      fc.property(fc.array(msgArb, { maxLength: 6 }), fc.nat({ max: 40 }), (ms, headroom) => {
        const frame = encodeBatch(ms, headroom);
        expect(decodeBatch(frame.subarray(headroom))).to.deep.equal(ms);
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  it("property: any bytes decode to messages or throw MessageDecodeError, nothing else", function () {
    const valid = encodeBatch([append, snapshot, { type: "vote", from: "a", to: "b", term: 3 }]);
    const mutated = fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 })).map(([i, b]) => {
      const copy = Buffer.from(valid);
      copy[i] = b;
      return copy;
    });
    const anyBytes = fc.oneof(fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)), mutated);
    fc.assert(
      fc.property(anyBytes, (buf) => {
        for (const decode of [() => decodeBatch(buf), () => decodeMessage(buf)]) {
          try {
            decode();
          } catch (err) {
            expect(err).to.be.instanceOf(MessageDecodeError);
          }
        }
      }),
      { seed: 11, numRuns: 500 },
    );
  });

  describe("when the input is not a valid message", function () {
    const valid = encodeMessage(append);

    it("rejects every truncation of a valid message", function () {
      for (let n = 0; n < valid.length; n++) {
        expect(() => decodeMessage(valid.subarray(0, n)), `first ${n} bytes`).to.throw(MessageDecodeError, /truncated/);
      }
    });

    it("rejects trailing bytes, an unknown version or type code", function () {
      expect(() => decodeMessage(Buffer.concat([valid, Buffer.from([0])]))).to.throw(MessageDecodeError, /1 trailing byte/);
      const badVersion = Buffer.from(valid);
      badVersion[0] = 9;
      expect(() => decodeMessage(badVersion)).to.throw(MessageDecodeError, /version: expected 1, got 9/);
      const badType = Buffer.from(valid);
      badType[1] = 200;
      expect(() => decodeMessage(badType)).to.throw(MessageDecodeError, /type: unknown code 200/);
    });

    it("rejects an empty sender and integers beyond the safe range", function () {
      expect(() => decodeMessage(encodeMessage({ type: "vote", from: "", to: "b", term: 1 }))).to.throw(MessageDecodeError, /from: expected a non-empty string/);
      const big = encodeMessage({ type: "vote", from: "a", to: "b", term: 1 });
      big.writeUInt32BE(0xffffffff, big.length - 8); // the term's high word
      expect(() => decodeMessage(big)).to.throw(MessageDecodeError, /term: beyond the safe integer range/);
    });

    it("rejects an entry type other than normal or config", function () {
      const m: Message = { type: "append", from: "a", to: "b", term: 1, entries: [{ term: 1, index: 1, type: "normal", data: new Uint8Array(0) }] };
      const wire = encodeMessage(m);
      wire[wire.length - 5] = 2; // type byte, before the empty data's u32 length
      expect(() => decodeMessage(wire)).to.throw(MessageDecodeError, /entries\.0\.type: expected 0 \(normal\) or 1 \(config\), got 2/);
    });

    it("names the field of a malformed snapshot", function () {
      const bad: Message = { ...snapshot, snapshot: { ...snapshot.snapshot!, meta: { ...snapshot.snapshot!.meta, term: -5 } } };
      expect(() => decodeMessage(encodeMessage(bad))).to.throw(MessageDecodeError, /snapshot\.meta\.term/);
    });
  });

  describe("when a batch holds a message that does not decode", function () {
    it("returns that message's error in its place and decodes the others", function () {
      const vote: Message = { type: "vote", from: "a", to: "b", term: 3 };
      const frame = Buffer.from(encodeBatch([vote, vote]));
      frame[1 + 4 + 4 + 1] = 200; // the first message's type code (kind, count, length, version)
      const out = decodeBatch(frame);
      expect(out[0]).to.be.instanceOf(MessageDecodeError);
      expect(out[1]).to.deep.equal(vote);
    });

    it("throws for a frame that is not a batch, or whose framing is cut short", function () {
      expect(() => decodeBatch(Buffer.from("{\"k\":\"msgs\"}"))).to.throw(MessageDecodeError, /frame kind/);
      const frame = encodeBatch([append]);
      expect(() => decodeBatch(frame.subarray(0, frame.length - 1))).to.throw(MessageDecodeError, /truncated/);
    });
  });
});
