import { expect } from "chai";
import { BoundedQueue } from "../../src/transport/bounded-queue";
import { FrameError } from "../../src/transport/errors";
import { encodeFrame, FrameDecoder } from "../../src/transport/frame";

describe("length-prefixed frames", function () {
  it("reassembles frames split at every possible byte boundary", function () {
    const frames = [Buffer.from("hello"), Buffer.alloc(0), Buffer.alloc(1000, 3)];
    const stream = Buffer.concat(frames.map(encodeFrame));
    for (let cut = 0; cut <= stream.length; cut += 7) {
      const d = new FrameDecoder(1 << 20);
      const got = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))];
      expect(got.map((b) => b.toString("hex"))).to.deep.equal(frames.map((b) => b.toString("hex")));
    }
  });

  it("delivers byte-by-byte input", function () {
    const d = new FrameDecoder(100);
    const stream = encodeFrame(Buffer.from("abc"));
    const got: Buffer[] = [];
    for (const byte of stream) got.push(...d.push(Buffer.of(byte)));
    expect(got.map((b) => b.toString())).to.deep.equal(["abc"]);
  });

  it("refuses a frame longer than the limit before buffering it", function () {
    const d = new FrameDecoder(10);
    expect(() => d.push(encodeFrame(Buffer.alloc(11)).subarray(0, 4))).to.throw(FrameError, /exceeds the 10-byte limit/);
  });
});

describe("BoundedQueue (drop oldest when full)", function () {
  it("keeps the newest items and counts drops", function () {
    const q = new BoundedQueue<number>(3);
    for (let i = 1; i <= 5; i++) q.push(i);
    expect(q.dropped).to.equal(2);
    expect(q.length).to.equal(3);
    expect(q.take(10)).to.deep.equal([3, 4, 5]);
    expect(q.length).to.equal(0);
  });

  it("takes in FIFO order in pieces", function () {
    const q = new BoundedQueue<number>(100);
    for (let i = 0; i < 50; i++) q.push(i);
    expect(q.take(20)).to.deep.equal([...Array(20).keys()]);
    q.push(50);
    expect(q.take(100)).to.deep.equal([...Array(31).keys()].map((i) => i + 20));
  });

  it("also bounds total size, dropping the oldest until the new item fits", function () {
    const q = new BoundedQueue<number>(100, 10, (n) => n);
    q.push(4);
    q.push(4);
    expect(q.push(5)).to.equal(1);
    expect(q.byteLength).to.equal(9);
    expect(q.take(10)).to.deep.equal([4, 5]);
    expect(q.byteLength).to.equal(0);
  });

  it("take() stops at a byte budget but always returns at least one item", function () {
    const q = new BoundedQueue<number>(100, Infinity, (n) => n);
    [3, 3, 3, 50, 1].forEach((n) => q.push(n));
    expect(q.take(10, 7)).to.deep.equal([3, 3]);
    expect(q.take(10, 7)).to.deep.equal([3]);
    expect(q.take(10, 7)).to.deep.equal([50]);
    expect(q.byteLength).to.equal(1);
    expect(q.take(10, 7)).to.deep.equal([1]);
    expect(q.take(10, 7)).to.deep.equal([]);
  });

  it("keeps a single item larger than the byte bound, alone", function () {
    const q = new BoundedQueue<number>(100, 10, (n) => n);
    q.push(3);
    expect(q.push(50)).to.equal(1);
    expect(q.take(10)).to.deep.equal([50]);
  });

  it("refuses a zero capacity", function () {
    expect(() => new BoundedQueue(0)).to.throw(RangeError);
  });
});
