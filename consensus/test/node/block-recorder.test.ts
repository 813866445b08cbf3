import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { headerOf, linkedHeaderOf, makeBlock, type Block, type BlockSource } from "../../src/blocks";
import { BlockRecorder } from "../../src/node/block-recorder";
import type { LedgerBlock } from "../../src/node/ledger";
import { decodeSnapshotData, encodeSnapshotData } from "../../src/node/snapshot-data";
import { chain, readStoredChain } from "../blocks/helpers";
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

  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-recorder-"));
    stored = 0;
  });

  afterEach(async function () {
    await recorder.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe("when entries apply while the missing blocks are being pulled", function () {
    it("makes their blocks on top of the snapshot's head, and stores them after the pulled ones, in order", async function () {
      let open!: () => void;
      const gate = new Promise<void>((r) => (open = r));
      recorder = new BlockRecorder(dir, pino({ level: "silent" }), () => stored++, (err) => expect.fail(err.message), () => [gatedSource(peerChain, gate)]);
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
    });
  });

  describe("when a newer snapshot is installed during the pull", function () {
    it("drops the queued blocks (the snapshot covers them) and pulls up to the newer head", async function () {
      recorder = new BlockRecorder(dir, pino({ level: "silent" }), () => stored++, (err) => expect.fail(err.message), () => [gatedSource(peerChain, new Promise(() => undefined))]);
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
      recorder = new BlockRecorder(dir, pino({ level: "silent" }), () => stored++, (err) => expect.fail(err.message));
      await recorder.open();
      recorder.atSnapshot(null);
      recorder.record(entry(21, 1), 2000);
      expect(recorder.snapshotHead).to.equal("unknown");
      expect(decodeSnapshotData(encodeSnapshotData("unknown", new Uint8Array([2, 0]))).head).to.equal(null);
      expect(recorder.gapReason).to.match(/predates block stores/);
    });

    it("takes up recording when a later snapshot names a full head, pulling up to it", async function () {
      recorder = new BlockRecorder(dir, pino({ level: "silent" }), () => stored++, (err) => expect.fail(err.message), () => [gatedSource(peerChain, Promise.resolve())]);
      await recorder.open();
      recorder.atSnapshot(null);
      recorder.atSnapshot({ number: 10, hash: head.hash, header: head });
      recorder.record(entry(21, 1), 2000);
      await waitFor(() => (recorder.head.number === 11 ? true : undefined), 5_000, "the pulled blocks and the new one stored");
      expect(recorder.gapReason).to.equal(null);
    });
  });
  describe("when entries apply to a store with no gap", function () {
    beforeEach(async function () {
      recorder = new BlockRecorder(dir, pino({ level: "silent" }), () => stored++, (err) => expect.fail(err.message));
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

    it("answers an empty page once closed", async function () {
      recorder.record(entry(2, 1), 2000);
      await durable(2);
      await recorder.close();
      expect(await recorder.page(1, 10, false)).to.deep.equal({ body: Buffer.alloc(0), count: 0, head: 0 });
    });
  });
});
