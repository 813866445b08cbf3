import { expect } from "chai";
import fc from "fast-check";
import type { Message } from "../../src/core/types";
import { decodeMessage, encodeMessage } from "../../src/transport/codec";
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

describe("message codec (JSON with base64 bytes)", function () {
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

  it("puts bytes on the wire as base64 strings", function () {
    const wire = JSON.parse(encodeMessage(append));
    expect(wire.entries[0].data).to.equal(Buffer.from([0, 1, 2, 255]).toString("base64"));
  });

  it("property: decode(encode(m)) == m for generated messages", function () {
    const entryArb = fc.record({
      term: fc.nat(),
      index: fc.nat(),
      type: fc.constantFrom("normal" as const, "config" as const),
      data: fc.uint8Array({ maxLength: 50 }),
    });
    const msgArb = fc.record(
      {
        type: fc.constantFrom("append" as const, "catchUp" as const, "vote" as const, "heartbeatResp" as const, "preVote" as const),
        from: fc.string({ minLength: 1, maxLength: 5 }),
        to: fc.string({ minLength: 1, maxLength: 5 }),
        term: fc.nat(),
        index: fc.nat(),
        logTerm: fc.nat(),
        commit: fc.nat(),
        reject: fc.boolean(),
        entries: fc.array(entryArb, { maxLength: 4 }),
      },
      { requiredKeys: ["type", "from", "to", "term"] },
    );
    fc.assert(
      fc.property(msgArb, (m) => {
        expect(decodeMessage(encodeMessage(m))).to.deep.equal(m);
      }),
      { seed: 99, numRuns: 300 },
    );
  });

  describe("when the input is not a valid message", function () {
    it("rejects non-JSON", function () {
      expect(() => decodeMessage("{oops")).to.throw(MessageDecodeError, /not JSON/);
    });

    it("rejects an unknown type, naming the field", function () {
      expect(() => decodeMessage(JSON.stringify({ type: "nuke", from: "a", to: "b", term: 1 }))).to.throw(MessageDecodeError, /type/);
    });

    it("rejects a negative or fractional term", function () {
      expect(() => decodeMessage(JSON.stringify({ type: "vote", from: "a", to: "b", term: -1 }))).to.throw(MessageDecodeError, /term/);
      expect(() => decodeMessage(JSON.stringify({ type: "vote", from: "a", to: "b", term: 1.5 }))).to.throw(MessageDecodeError, /term/);
    });

    it("rejects an empty sender, a non-boolean reject, a bad hint and entries that are not an array", function () {
      const base = { type: "appendResp", from: "a", to: "b", term: 1 };
      const bad = (extra: object): string => JSON.stringify({ ...base, ...extra });
      expect(() => decodeMessage(bad({ from: "" }))).to.throw(MessageDecodeError, /: from: expected a non-empty string/);
      expect(() => decodeMessage(bad({ reject: "yes" }))).to.throw(MessageDecodeError, /: reject: expected a boolean/);
      expect(() => decodeMessage(bad({ rejectHint: { term: 1 } }))).to.throw(MessageDecodeError, /: rejectHint\.index/);
      expect(() => decodeMessage(bad({ entries: {} }))).to.throw(MessageDecodeError, /: entries: expected an array/);
      expect(() => decodeMessage(bad({ index: 2 ** 60 }))).to.throw(MessageDecodeError, /: index: expected a non-negative integer/);
      expect(() => decodeMessage("[1]")).to.throw(MessageDecodeError, /: \(root\): expected an object/);
    });

    it("names the field of a malformed snapshot", function () {
      const wire = JSON.parse(encodeMessage(snapshot));
      wire.snapshot.meta.term = -5;
      expect(() => decodeMessage(JSON.stringify(wire))).to.throw(MessageDecodeError, /: snapshot\.meta\.term/);
    });

    it("drops fields it does not know", function () {
      const m = decodeMessage(JSON.stringify({ type: "vote", from: "a", to: "b", term: 2, extra: 1 }));
      expect(m).to.deep.equal({ type: "vote", from: "a", to: "b", term: 2 });
    });

    it("rejects an entry without data", function () {
      const bad = { type: "append", from: "a", to: "b", term: 1, entries: [{ term: 1, index: 1, type: "normal" }] };
      expect(() => decodeMessage(JSON.stringify(bad))).to.throw(MessageDecodeError, /entries\.0\.data/);
    });
  });
});
