import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { Registry } from "prom-client";
import { BlockStore, headerOf, linkedHeaderOf, makeBlock, type Block, type BlockSource } from "../../src/blocks";
import { BlockRecorder } from "../../src/node/block-recorder";
import type { LedgerBlock } from "../../src/node/ledger";
import { pullMetrics } from "../../src/node/pull-metrics";
import { decodeSnapshotData, EMPTY_CHAIN, encodeSnapshotData } from "../../src/node/snapshot-data";
import { chain, readStoredChain } from "../blocks/helpers";
import { capturingLog } from "../helpers/capturing-log";
import { waitFor } from "./harness";

/** A peer serving `blocks` whose answers wait until `open` resolves (or the request is aborted, as fetch is). */
function gatedSource(blocks: Block[], open: Promise<void>): BlockSource {
  const wait = (signal: AbortSignal) =>
    Promise.race([open, new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(new Error("aborted")), { once: true }))]);
  return {
    name: "peer",
    headers: async (from, limit, signal) => {
      await wait(signal);
      return blocks.slice(from - 1, from - 1 + limit).map(linkedHeaderOf);
    },
    blocks: async (from, limit, signal) => {
      await wait(signal);
      return blocks.slice(from - 1, from - 1 + limit);
    },
  };
}

/** A peer serving `blocks` at most `page` at a time, each page only once the test calls `next()`. */
function steppedSource(blocks: Block[], page: number): { source: BlockSource; next: () => Promise<void> } {
  const waiting: (() => void)[] = [];
  const source: BlockSource = {
    name: "stepped",
    headers: async (from, limit) => blocks.slice(from - 1, from - 1 + limit).map(linkedHeaderOf),
    blocks: async (from, limit) => {
      await new Promise<void>((r) => waiting.push(r));
      return blocks.slice(from - 1, from - 1 + Math.min(limit, page));
    },
  };
  const next = async (): Promise<void> => {
    await until(() => waiting.length > 0, "a page requested");
    waiting.shift()!();
  };
  return { source, next };
}

/** Polls `cond` on real timers: the progress tests freeze `Date.now`, which `waitFor` reads. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 250; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`never happened: ${what}`);
}

/** The committed entry a peer's block `b` was made from. */
function entryOf(b: Block): LedgerBlock {
  return { index: b.raftIndex, txs: b.txs.map((t) => ({ hash: t.hash, raw: t.raw })), refused: [] };
}

function entry(index: number, n: number): LedgerBlock {
  const hash = "0x" + (0xabc000 + n).toString(16).padStart(64, "0");
  return { index, txs: [{ hash, raw: Buffer.from([n, n + 1]), sender: "0x" + "11".repeat(20), nonce: n }], refused: [] };
}

describe("node/block-recorder: a gap behind an installed snapshot (issue 13)", function () {
  this.timeout(20_000);
  const peerChain = chain(10); // Raft indices 1, 3, …, 19; timestamps 1000…1009
  const head = headerOf(peerChain[9]!);
  let dir: string;
  let recorder: BlockRecorder;
  let stored: number;
  /** Errors the recorder reported as fatal; thrown from its callback they would be lost as unhandled rejections. */
  let fatal: Error[];
  const fail = (err: Error): void => void fatal.push(err);

  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-recorder-"));
    stored = 0;
    fatal = [];
  });

  afterEach(async function () {
    await recorder.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe("when entries apply while the missing blocks are being pulled", function () {
    it("makes their blocks on top of the snapshot's head, and stores them after the pulled ones, in order", async function () {
      let open!: () => void;
      const gate = new Promise<void>((r) => (open = r));
      recorder = new BlockRecorder(dir, pino({ level: "silent" }), () => stored++, fail, () => [gatedSource(peerChain, gate)]);
      await recorder.open();
      recorder.atSnapshot(decodeSnapshotData(encodeSnapshotData(head, new Uint8Array([2]))).head);
      recorder.record(entry(21, 1), 2000);
      recorder.record(entry(22, 2), 1500); // a leader whose clock is behind: the parent's timestamp is kept
      const b11 = makeBlock(head, { raftIndex: 21, timestamp: 2000, txs: [{ hash: entry(21, 1).txs[0]!.hash, raw: Uint8Array.from([1, 2]) }] });
      const b12 = makeBlock(headerOf(b11), { raftIndex: 22, timestamp: 2000, txs: [{ hash: entry(22, 2).txs[0]!.hash, raw: Uint8Array.from([2, 3]) }] });
      expect(recorder.snapshotHead, "a snapshot taken now names the true head").to.deep.equal(headerOf(b12));
      expect(recorder.head.number, "nothing stored before the gap is filled").to.equal(0);
      expect(recorder.catchingUp).to.include({ stored: 0, pulled: 0 });
      expect(recorder.catchingUp!.target).to.deep.equal({ number: 10, hash: head.hash });

      open();
      await waitFor(() => (recorder.head.number === 12 ? true : undefined), 5_000, "the pulled and queued blocks stored");
      expect(recorder.catchingUp).to.equal(null);
      expect(recorder.durableRaftIndex).to.equal(22);
      expect(stored, "onStored fired for pulled blocks and for the queue").to.be.at.least(2);
      await recorder.close();
      const kept = await readStoredChain(dir);
      expect(kept.blocks.map((b) => b.hash)).to.deep.equal([...peerChain.map((b) => b.hash), b11.hash, b12.hash]);
      expect(fatal, "no fatal error").to.deep.equal([]);
    });
  });

  describe("when a newer snapshot is installed during the pull", function () {
    it("drops the queued blocks (the snapshot covers them) and pulls up to the newer head", async function () {
      recorder = new BlockRecorder(dir, pino({ level: "silent" }), () => stored++, fail, () => [gatedSource(peerChain, new Promise(() => undefined))]);
      await recorder.open();
      recorder.atSnapshot({ number: 5, hash: peerChain[4]!.hash, header: headerOf(peerChain[4]!) });
      recorder.record(entry(11, 1), 2000);
      expect(recorder.snapshotHead).to.not.deep.equal(headerOf(peerChain[4]!));
      recorder.atSnapshot({ number: 10, hash: head.hash, header: head });
      expect(recorder.snapshotHead).to.deep.equal(head);
      expect(recorder.catchingUp!.target.number).to.equal(10);
    });
  });

  describe("when the snapshot predates block stores (no chain head)", function () {
    it("stops storing and writes later snapshots without a head, so the gap is never papered over", async function () {
      const { log, lines } = capturingLog();
      recorder = new BlockRecorder(dir, log, () => stored++, fail);
      await recorder.open();
      recorder.atSnapshot(null);
      recorder.record(entry(21, 1), 2000);
      expect(recorder.madeIndex, "no block made").to.equal(0);
      expect(recorder.snapshotHead).to.equal("unknown");
      expect(decodeSnapshotData(encodeSnapshotData("unknown", new Uint8Array([2, 0]))).head).to.equal(null);
      const reason = "the snapshot predates block stores: its blocks are not in this store";
      expect(recorder.gapReason).to.equal(reason);
      expect(lines).to.deep.equal([{ level: 50, stored: 0, snapshot: null, msg: `block store gap: ${reason}; blocks are no longer stored on this node` }]);
    });

    it("stops storing too when a snapshot of format 0xb1 names a head beyond the store but not its header", async function () {
      const { log, lines } = capturingLog();
      recorder = new BlockRecorder(dir, log, () => stored++, fail);
      await recorder.open();
      recorder.atSnapshot({ number: 10, hash: head.hash });
      recorder.record(entry(21, 1), 2000);
      expect(recorder.madeIndex, "no block made").to.equal(0);
      expect(recorder.snapshotHead).to.equal("unknown");
      const reason = "the snapshot (format 0xb1) names block 10 but not its header, so later blocks cannot be made";
      expect(recorder.gapReason).to.equal(reason);
      expect(lines).to.deep.equal([{ level: 50, stored: 0, snapshot: 10, msg: `block store gap: ${reason}; blocks are no longer stored on this node` }]);
      expect(fatal).to.deep.equal([]);
    });

    it("takes up recording when a later snapshot names a full head, pulling up to it", async function () {
      recorder = new BlockRecorder(dir, pino({ level: "silent" }), () => stored++, fail, () => [gatedSource(peerChain, Promise.resolve())]);
      await recorder.open();
      recorder.atSnapshot(null);
      recorder.atSnapshot({ number: 10, hash: head.hash, header: head });
      recorder.record(entry(21, 1), 2000);
      await waitFor(() => (recorder.head.number === 11 ? true : undefined), 5_000, "the pulled blocks and the new one stored");
      expect(recorder.gapReason).to.equal(null);
      expect(fatal).to.deep.equal([]);
    });
  });
  describe("when a snapshot's chain head is checked against the store", function () {
    const never = new Promise<void>(() => undefined);
    const at = (b: Block) => ({ number: b.number, hash: b.hash, header: headerOf(b) });

    it("checks a snapshot restored before the store opened once it opens", async function () {
      recorder = new BlockRecorder(dir, pino({ level: "silent" }), () => stored++, fail, () => [gatedSource(peerChain, never)]);
      recorder.atSnapshot(at(peerChain[9]!));
      expect(recorder.gapReason, "nothing to compare with yet").to.equal(null);
      await recorder.open();
      expect(recorder.gapReason).to.equal("pulling blocks up to 10 from peers");
      expect(recorder.snapshotHead).to.deep.equal(head);
    });

    it("goes on from its own head when the snapshot's is at or behind it, with or without a header", async function () {
      recorder = new BlockRecorder(dir, pino({ level: "silent" }), () => stored++, fail, () => [gatedSource(peerChain, never)]);
      await recorder.open();
      for (const b of peerChain.slice(0, 3)) recorder.record(entryOf(b), b.timestamp);
      await waitFor(() => (recorder.head.number === 3 ? true : undefined), 5_000, "three blocks stored");
      recorder.atSnapshot(at(peerChain[2]!));
      recorder.atSnapshot(at(peerChain[1]!));
      recorder.atSnapshot({ number: 3, hash: peerChain[2]!.hash });
      expect(recorder.gapReason).to.equal(null);
      expect(recorder.catchingUp).to.equal(null);
      expect(recorder.snapshotHead).to.deep.equal(headerOf(peerChain[2]!));
      expect(fatal).to.deep.equal([]);
    });

    it("waits for a write in flight before pulling, then pulls only the blocks after it", async function () {
      const { log, lines } = capturingLog();
      recorder = new BlockRecorder(dir, log, () => stored++, fail, () => [gatedSource(peerChain, Promise.resolve())]);
      await recorder.open();
      recorder.record(entryOf(peerChain[0]!), peerChain[0]!.timestamp);
      recorder.atSnapshot(at(peerChain[9]!));
      await waitFor(() => (recorder.head.number === 10 && recorder.gapReason === null ? true : undefined), 5_000, "the gap filled");
      expect(recorder.durableRaftIndex).to.equal(peerChain[9]!.raftIndex);
      await recorder.close();
      expect((await readStoredChain(dir)).blocks.map((b) => b.hash)).to.deep.equal(peerChain.map((b) => b.hash));
      expect(lines.filter((l) => l.msg === "block pull: peer failed; trying the next"), "the peer's blocks never clashed with ours").to.deep.equal([]);
      expect(fatal).to.deep.equal([]);
    });

    it("counts only the blocks the store lacks as remaining, and says where the store ends", async function () {
      const metrics = pullMetrics(new Registry());
      const { log, lines } = capturingLog();
      recorder = new BlockRecorder(dir, log, () => stored++, fail, () => [gatedSource(peerChain, never)], metrics);
      await recorder.open();
      for (const b of peerChain.slice(0, 3)) recorder.record(entryOf(b), b.timestamp);
      await waitFor(() => (recorder.head.number === 3 ? true : undefined), 5_000, "three blocks stored");
      recorder.atSnapshot(at(peerChain[9]!));
      expect((await metrics.remaining.get()).values[0]?.value).to.equal(7);
      expect(lines.filter((l) => l.level === 40).map((l) => [l.stored, l.snapshot, l.msg])).to.deep.equal([
        [3, 10, "block store gap: the snapshot covers blocks up to 10, this store ends at 3; pulling them from peers"],
      ]);
    });

    it("writes nothing more once the history is unknowable, not even blocks queued before", async function () {
      recorder = new BlockRecorder(dir, pino({ level: "silent" }), () => stored++, fail);
      await recorder.open();
      recorder.record(entry(2, 1), 1000);
      await new Promise((r) => setImmediate(r)); // made on the next turn and written then
      recorder.record(entry(4, 2), 1001); // queued behind that write
      recorder.atSnapshot(null);
      await waitFor(() => (recorder.durableRaftIndex === 2 ? true : undefined), 5_000, "the first write");
      await recorder.close();
      expect((await readStoredChain(dir)).blocks.map((b) => b.raftIndex)).to.deep.equal([2]);
      expect(fatal).to.deep.equal([]);
    });

    it("stops a pull when it closes: what a peer sends afterwards is not stored, and no error is fatal", async function () {
      let open!: () => void;
      const gate = new Promise<void>((r) => (open = r));
      recorder = new BlockRecorder(dir, pino({ level: "silent" }), () => stored++, fail, () => [gatedSource(peerChain, gate)]);
      await recorder.open();
      recorder.atSnapshot(at(peerChain[9]!));
      await recorder.close();
      expect(recorder.gapReason, "no pull left behind").to.equal(null);
      expect(recorder.catchingUp).to.equal(null);
      open();
      await new Promise((r) => setTimeout(r, 100));
      expect(fatal).to.deep.equal([]);
      expect((await readStoredChain(dir)).blocks).to.deep.equal([]);
    });

    it("keeps the gap open without peers, retrying, instead of failing", async function () {
      recorder = new BlockRecorder(dir, pino({ level: "silent" }), () => stored++, fail);
      await recorder.open();
      recorder.atSnapshot(at(peerChain[9]!));
      await new Promise((r) => setTimeout(r, 300));
      expect(fatal).to.deep.equal([]);
      expect(recorder.gapReason).to.equal("pulling blocks up to 10 from peers");
    });

    it("reports a pull that fails for any reason but a peer's fault as fatal", async function () {
      const broken: BlockSource = {
        name: "broken",
        headers: async () => {
          throw new RangeError("a bug, not a peer's fault");
        },
        blocks: async () => [],
      };
      recorder = new BlockRecorder(dir, pino({ level: "silent" }), () => stored++, fail, () => [broken]);
      await recorder.open();
      recorder.atSnapshot(at(peerChain[9]!));
      await waitFor(() => (fatal.length > 0 ? true : undefined), 5_000, "the fatal error");
      expect(fatal.map((e) => e.message)).to.deep.equal(["a bug, not a peer's fault"]);
    });
  });

  describe("when it reports a pull's progress (the clock frozen)", function () {
    const realNow = Date.now;
    let now: number;

    beforeEach(function () {
      now = 1_000_000;
      Date.now = () => now;
    });

    afterEach(function () {
      Date.now = realNow;
    });

    const gauge = async (m: ReturnType<typeof pullMetrics>) => ({
      pulled: (await m.pulledBlocks.get()).values[0]?.value,
      txs: (await m.pulledTxs.get()).values[0]?.value,
      remaining: (await m.remaining.get()).values[0]?.value,
    });

    it("counts pulled blocks, transactions and what remains, and logs progress at most every 2 s", async function () {
      const metrics = pullMetrics(new Registry());
      const { log, lines } = capturingLog();
      const { source, next } = steppedSource(peerChain, 4);
      recorder = new BlockRecorder(dir, log, () => stored++, fail, () => [source], metrics);
      await recorder.open();
      recorder.atSnapshot({ number: 10, hash: head.hash, header: head });
      expect(recorder.catchingUp).to.deep.equal({ target: { number: 10, hash: head.hash }, stored: 0, pulled: 0, blocksPerSecond: 0 });
      expect(await gauge(metrics)).to.deep.equal({ pulled: 0, txs: 0, remaining: 10 });
      expect(lines.filter((l) => l.level === 40)).to.deep.equal([
        { level: 40, stored: 0, snapshot: 10, msg: "block store gap: the snapshot covers blocks up to 10, this store ends at 0; pulling them from peers" },
      ]);
      const progress = () => lines.filter((l) => l.msg === "block pull progress");

      now += 2_000;
      await next();
      await until(() => recorder.head.number === 4, "blocks 1-4 stored");
      expect(recorder.durableRaftIndex).to.equal(peerChain[3]!.raftIndex);
      expect(recorder.catchingUp).to.deep.include({ stored: 4, pulled: 4, blocksPerSecond: 2 });
      expect(await gauge(metrics)).to.deep.equal({ pulled: 4, txs: 4, remaining: 6 });
      expect(progress()).to.deep.equal([{ level: 30, peer: "stepped", pulled: 4, remaining: 6, blocksPerSecond: 2, msg: "block pull progress" }]);
      expect(stored, "onStored for the pulled batch").to.equal(1);

      now += 1_999;
      await next();
      await until(() => recorder.head.number === 8, "blocks 5-8 stored");
      expect(progress(), "less than 2 s since the last line").to.have.length(1);
      recorder.record(entry(21, 1), 5_000);

      now += 1;
      await next();
      await until(() => recorder.head.number === 11, "the rest and the queued block stored");
      expect(progress()[1]).to.deep.equal({ level: 30, peer: "stepped", pulled: 10, remaining: 0, blocksPerSecond: 3, msg: "block pull progress" });
      expect(lines.find((l) => l.msg === "block store caught up from peers")).to.deep.equal({
        level: 30, pulled: 10, head: 10, seconds: 4, blocksPerSecond: 3, queued: 1, msg: "block store caught up from peers",
      });
      expect(await gauge(metrics)).to.deep.equal({ pulled: 10, txs: 10, remaining: 0 });
      expect(recorder.catchingUp).to.equal(null);
      expect(fatal).to.deep.equal([]);
    });
  });

  describe("when the store's writes are spaced (writeIntervalMs)", function () {
    const durable = (raftIndex: number) => waitFor(() => (recorder.durableRaftIndex === raftIndex ? true : undefined), 5_000, `blocks up to ${raftIndex} durable`);
    const spaced = async (ms: number): Promise<BlockRecorder> => {
      const r = new BlockRecorder(dir, pino({ level: "silent" }), () => stored++, fail, () => [], undefined, ms);
      await r.open();
      return r;
    };

    it("writes the blocks that commit within the interval in one write, and none of them before it ends", async function () {
      recorder = await spaced(1_000);
      recorder.record(entry(2, 1), 1000);
      await durable(2); // the first write goes at once
      const writes = stored;
      recorder.record(entry(4, 2), 1001);
      await new Promise((r) => setImmediate(r));
      recorder.record(entry(6, 3), 1002);
      await new Promise((r) => setTimeout(r, 100));
      expect([recorder.durableRaftIndex, recorder.head.number, recorder.madeIndex], "held back, made").to.deep.equal([2, 1, 6]);
      await durable(6);
      expect(stored - writes, "writes after the first").to.equal(1);
      await recorder.close();
      expect((await readStoredChain(dir)).blocks.map((b) => b.raftIndex)).to.deep.equal([2, 4, 6]);
      expect(fatal).to.deep.equal([]);
    });

    it("writes what it holds back when it closes, without waiting for the interval", async function () {
      recorder = await spaced(60_000);
      recorder.record(entry(2, 1), 1000);
      await durable(2);
      recorder.record(entry(4, 2), 1001);
      const started = Date.now();
      await recorder.close();
      expect(Date.now() - started, "closed long before the interval").to.be.below(10_000);
      expect((await readStoredChain(dir)).blocks.map((b) => b.raftIndex)).to.deep.equal([2, 4]);
      expect(fatal).to.deep.equal([]);
    });
  });

  describe("when entries apply to a store with no gap", function () {
    beforeEach(async function () {
      recorder = new BlockRecorder(dir, pino({ level: "silent" }), () => stored++, fail);
      await recorder.open();
    });

    const durable = (raftIndex: number) => waitFor(() => (recorder.durableRaftIndex === raftIndex ? true : undefined), 5_000, `blocks up to ${raftIndex} durable`);

    it("makes no block for an entry without transactions, unless it is a clock advance", async function () {
      recorder.record({ index: 2, txs: [], refused: [] }, 1000);
      expect(recorder.madeIndex).to.equal(0);
      recorder.record({ index: 3, txs: [], refused: [] }, 1000, true);
      expect(recorder.madeIndex).to.equal(3);
      await durable(3);
      expect(recorder.head.number).to.equal(1);
    });

    it("skips an entry replayed after a restart, whose index the chain already holds", async function () {
      recorder.record(entry(5, 1), 1000);
      recorder.record(entry(5, 2), 1001);
      recorder.record(entry(4, 3), 1002);
      expect(recorder.pendingHead.number).to.equal(1);
      await durable(5);
      expect(recorder.head).to.deep.equal(recorder.pendingHead);
      expect(await recorder.locate(entry(5, 2).txs[0]!.hash)).to.equal(undefined);
    });

    it("never dates a block before its parent, and finds each transaction where it was stored", async function () {
      recorder.record(entry(2, 1), 2000);
      recorder.record(entry(4, 2), 1500);
      recorder.record(entry(6, 3), null);
      await durable(6);
      const blocks: Block[] = [];
      for await (const b of recorder.blocks(1, 10)) blocks.push(b);
      expect(blocks.map((b) => [b.number, b.raftIndex, b.timestamp])).to.deep.equal([
        [1, 2, 2000],
        [2, 4, 2000],
        [3, 6, 2000],
      ]);
      expect(await recorder.locate(entry(4, 2).txs[0]!.hash)).to.deep.equal({ number: 2, raftIndex: 4, index: 0 });
      expect(stored).to.be.at.least(1);
    });

    it("reports the empty chain and refuses to record before it opens", async function () {
      await recorder.close();
      recorder = new BlockRecorder(dir, pino({ level: "silent" }), () => stored++, fail);
      expect([recorder.head, recorder.pendingHead]).to.deep.equal([EMPTY_CHAIN, EMPTY_CHAIN]);
      expect([recorder.madeIndex, recorder.durableRaftIndex, recorder.gapReason, recorder.snapshotHead, recorder.catchingUp]).to.deep.equal([0, 0, null, null, null]);
      expect(() => recorder.record(entry(2, 1), 1000)).to.throw("block store not open");
      await recorder.open();
      expect(recorder.durableRaftIndex, "an empty store").to.equal(0);
    });

    it("writes every queued block before it closes, then serves nothing", async function () {
      for (const i of [2, 4, 6]) recorder.record(entry(i, i), 1000);
      await recorder.close();
      expect(recorder.head).to.deep.equal(EMPTY_CHAIN);
      expect(await recorder.locate(entry(2, 2).txs[0]!.hash)).to.equal(undefined);
      const served: Block[] = [];
      for await (const b of recorder.blocks(1, 10)) served.push(b);
      expect(served).to.deep.equal([]);
      expect((await readStoredChain(dir)).blocks.map((b) => b.raftIndex)).to.deep.equal([2, 4, 6]);
      expect(fatal).to.deep.equal([]);
    });

    it("goes on from the stored head after a restart: replayed entries skipped, the next block linked to it", async function () {
      recorder.record(entry(2, 1), 1000);
      recorder.record(entry(4, 2), 1001);
      await durable(4);
      const before = recorder.head;
      await recorder.close();
      recorder = new BlockRecorder(dir, pino({ level: "silent" }), () => stored++, fail);
      await recorder.open();
      expect([recorder.head, recorder.madeIndex, recorder.durableRaftIndex]).to.deep.equal([before, 4, 4]);
      recorder.record(entry(4, 9), 1002);
      expect(recorder.pendingHead).to.deep.equal(before);
      recorder.record(entry(6, 3), 1003);
      await durable(6);
      const third: Block[] = [];
      for await (const b of recorder.blocks(3, 3)) third.push(b);
      expect(third.map((b) => [b.number, b.parentHash])).to.deep.equal([[3, before.hash]]);
    });

    it("serves peers and readers the durable blocks asked for, and no more", async function () {
      for (const i of [2, 4, 6]) recorder.record(entry(i, i), 1000);
      await durable(6);
      expect(await recorder.page(2, 10, false)).to.include({ count: 2, head: 3 });
      const some: number[] = [];
      for await (const b of recorder.blocks(2, 2)) some.push(b.number);
      expect(some).to.deep.equal([2]);
      expect(await recorder.locate("0x" + "ee".repeat(32))).to.equal(undefined);
    });

    it("reports a failed write as fatal and counts nothing durable", async function () {
      const append = BlockStore.prototype.appendBlocks;
      BlockStore.prototype.appendBlocks = () => Promise.reject(new Error("disk full"));
      try {
        recorder.record(entry(2, 1), 1000);
        await waitFor(() => (fatal.length > 0 ? true : undefined), 5_000, "the fatal error");
      } finally {
        BlockStore.prototype.appendBlocks = append;
      }
      expect(fatal.map((e) => e.message)).to.deep.equal(["disk full"]);
      expect([recorder.durableRaftIndex, stored]).to.deep.equal([0, 0]);
    });

    it("leaves no rejected promise behind once the queue is written", async function () {
      const rejections: unknown[] = [];
      const onRejection = (reason: unknown): void => void rejections.push(reason);
      process.on("unhandledRejection", onRejection);
      try {
        recorder.record(entry(2, 1), 1000);
        await durable(2);
        recorder.record(entry(4, 2), 1000);
        await durable(4);
        await new Promise((r) => setTimeout(r, 50));
      } finally {
        process.off("unhandledRejection", onRejection);
      }
      expect(rejections).to.deep.equal([]);
      expect(stored).to.equal(2);
    });

    it("answers an empty page once closed", async function () {
      recorder.record(entry(2, 1), 2000);
      await durable(2);
      await recorder.close();
      expect(await recorder.page(1, 10, false)).to.deep.equal({ body: Buffer.alloc(0), count: 0, head: 0 });
    });
  });
});
