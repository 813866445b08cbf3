import { expect } from "chai";
import { headerOf } from "../../src/blocks";
import { decodeSnapshotData, EMPTY_CHAIN, encodeSnapshotData } from "../../src/node/snapshot-data";
import { chain } from "../blocks/helpers";

/** A ledger snapshot's bytes: ledger snapshots start with their version (1 to 3), never with a chain-head magic byte. */
const LEDGER = Uint8Array.from([3, 0xde, 0xad, 0xbe, 0xef]);

/** The format-0xb1 layout, written by hand: `[0xb1][number u64][hash 32]`, then the ledger. */
function formatB1(number: number, hash: string, ledger: Uint8Array): Uint8Array {
  const out = Buffer.alloc(41 + ledger.byteLength);
  out.writeUInt8(0xb1, 0);
  out.writeBigUInt64BE(BigInt(number), 1);
  out.write(hash.slice(2), 9, "hex");
  out.set(ledger, 41);
  return out;
}

describe("node/snapshot-data: the chain head in Raft snapshot data", function () {
  const blocks = chain(3);
  const head = { ...headerOf(blocks[2]!), raftIndex: 2 ** 40 + 5, timestamp: 2 ** 33 + 7 };

  describe("when a node writes a snapshot (format 0xb2)", function () {
    it("lays out magic, number, Raft index, timestamp, parent hash and hash before the ledger", function () {
      const data = Buffer.from(encodeSnapshotData(head, LEDGER));
      expect(data.byteLength).to.equal(89 + LEDGER.byteLength);
      expect(data[0]).to.equal(0xb2);
      expect([1, 9, 17].map((off) => Number(data.readBigUInt64BE(off)))).to.deep.equal([head.number, head.raftIndex, head.timestamp]);
      expect(["0x" + data.toString("hex", 25, 57), "0x" + data.toString("hex", 57, 89)]).to.deep.equal([head.parentHash, head.hash]);
      expect([...data.subarray(89)]).to.deep.equal([...LEDGER]);
    });

    it("reads back the same head, header and ledger", function () {
      const { head: read, ledger } = decodeSnapshotData(encodeSnapshotData(head, LEDGER));
      expect(read).to.deep.equal({ number: head.number, hash: head.hash, header: head });
      expect([...ledger]).to.deep.equal([...LEDGER]);
    });

    it("writes the empty chain as zeros and reads it back as the empty chain without a header", function () {
      const data = encodeSnapshotData(null, LEDGER);
      expect([...data.subarray(1, 89)].every((b) => b === 0)).to.equal(true);
      expect(decodeSnapshotData(data).head).to.deep.equal({ ...EMPTY_CHAIN, header: null });
    });

    it("writes the ledger alone for an unknown head, which reads back as a snapshot from before block stores", function () {
      const data = encodeSnapshotData("unknown", LEDGER);
      expect([...data]).to.deep.equal([...LEDGER]);
      const { head: read, ledger } = decodeSnapshotData(data);
      expect(read).to.equal(null);
      expect([...ledger]).to.deep.equal([...LEDGER]);
    });

    it("reads snapshot data that is a view into a larger buffer at its own offset", function () {
      const data = encodeSnapshotData(head, LEDGER);
      const big = new Uint8Array(data.byteLength + 16);
      big.set(data, 7);
      const { head: read, ledger } = decodeSnapshotData(big.subarray(7, 7 + data.byteLength));
      expect(read).to.deep.equal({ number: head.number, hash: head.hash, header: head });
      expect([...ledger]).to.deep.equal([...LEDGER]);
    });
  });

  describe("when a node reads what older nodes wrote", function () {
    it("takes empty data (the bootstrap snapshot) for the empty chain", function () {
      const { head: read, ledger } = decodeSnapshotData(new Uint8Array(0));
      expect(read).to.deep.equal({ ...EMPTY_CHAIN, header: null });
      expect(ledger.byteLength).to.equal(0);
    });

    it("reads format 0xb1's number and hash, without a header", function () {
      const { head: read, ledger } = decodeSnapshotData(formatB1(3, head.hash, LEDGER));
      expect(read).to.deep.equal({ number: 3, hash: head.hash });
      expect(read).to.not.have.property("header");
      expect([...ledger]).to.deep.equal([...LEDGER]);
    });

    it("accepts a chain head with no ledger after it, and refuses one byte less", function () {
      expect(decodeSnapshotData(formatB1(3, head.hash, new Uint8Array(0))).ledger.byteLength).to.equal(0);
      expect(() => decodeSnapshotData(formatB1(3, head.hash, new Uint8Array(0)).subarray(0, 40))).to.throw(
        "snapshot data of 40 bytes is shorter than its chain head",
      );
      const b2 = encodeSnapshotData(head, new Uint8Array(0));
      expect(decodeSnapshotData(b2).ledger.byteLength).to.equal(0);
      expect(() => decodeSnapshotData(b2.subarray(0, 88))).to.throw("snapshot data of 88 bytes is shorter than its chain head");
    });
  });
});
