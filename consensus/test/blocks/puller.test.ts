import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import {
  BlockStore,
  PullAbortedError,
  headerOf,
  linkedHeaderOf,
  makeBlock,
  pullBlocks,
  type Block,
  type BlockSource,
  type LinkedHeader,
} from "../../src/blocks";
import { chain, tx } from "./helpers";

interface FakePeer {
  /** The chain it serves. */
  blocks: Block[];
  /** Most records per answer (a partial answer), default all asked. */
  page?: number;
  /** Throws as a peer that is down does, while true. */
  down?: boolean;
  /** Serves these bodies instead of its chain's (its headers stay honest). */
  bodies?: Block[];
}

/** A peer serving `blocks` as the HTTP source would: pages from a number, empty past its head, counting calls. */
function source(name: string, peer: FakePeer, calls: string[] = []): BlockSource {
  const slice = <T>(list: T[], from: number, limit: number): T[] => list.slice(from - 1, from - 1 + Math.min(limit, peer.page ?? limit));
  const guard = (what: string): void => {
    calls.push(`${name} ${what}`);
    if (peer.down === true) throw new TypeError("fetch failed");
  };
  return {
    name,
    async headers(from, limit): Promise<LinkedHeader[]> {
      guard(`headers ${from}`);
      return slice(peer.blocks, from, limit).map(linkedHeaderOf);
    },
    async blocks(from, limit): Promise<Block[]> {
      guard(`blocks ${from}`);
      return slice(peer.bodies ?? peer.blocks, from, limit);
    },
  };
}

/** The honest chain with block `at` carrying another transaction, every later block re-hashed onto it. */
function forgedFrom(honest: Block[], at: number): Block[] {
  const out = honest.slice(0, at - 1);
  for (const b of honest.slice(at - 1)) {
    const parent = out.length === 0 ? null : headerOf(out[out.length - 1]!);
    const txs = b.number === at ? [tx(9_999)] : b.txs;
    out.push(makeBlock(parent, { raftIndex: b.raftIndex, timestamp: b.timestamp, txs }));
  }
  return out;
}

describe("blocks/puller: filling a store's gap from peers up to a snapshot's chain head (issue 13)", function () {
  this.timeout(30_000);
  const log = pino({ level: "silent" });
  const honest = chain(40);
  const target = { number: 40, hash: honest[39]!.hash };
  let dir: string;
  let store: BlockStore;
  /** Every block the puller handed to the store. */
  let appended: Block[];

  beforeEach(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-puller-"));
    store = await BlockStore.open(dir, { sync: false });
    await store.appendBlocks(honest.slice(0, 5));
    appended = [];
    const append = store.appendBlocks.bind(store);
    store.appendBlocks = (blocks) => {
      appended.push(...blocks);
      return append(blocks);
    };
  });

  afterEach(async function () {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function storedHashes(): Promise<string[]> {
    const out: string[] = [];
    for await (const b of store.blocks(1)) out.push(b.hash);
    return out;
  }

  const pull = (sources: BlockSource[], signal = new AbortController().signal) =>
    pullBlocks(target, { store, sources: () => sources, log, headerPage: 8, blockPage: 6, backoffMinMs: 5, backoffMaxMs: 20 }, signal);

  describe("when a peer answers in pages shorter than asked", function () {
    it("keeps asking from where each answer ended and stores the range in batches, ending at the target", async function () {
      const stored = await pull([source("p1", { blocks: honest, page: 4 })]);
      expect(stored).to.equal(35);
      expect(store.head!.hash).to.equal(target.hash);
      expect(await storedHashes()).to.deep.equal(honest.map((b) => b.hash));
    });
  });

  describe("when a peer serves a forged block (re-hashed chain)", function () {
    it("stores nothing of its chain, since it does not end at the snapshot's hash, and fills the gap from the next peer", async function () {
      const forged = forgedFrom(honest, 20);
      expect(forged[39]!.hash).to.not.equal(target.hash);
      const calls: string[] = [];
      await pull([source("liar", { blocks: forged }, calls), source("honest", { blocks: honest }, calls)]);
      expect(await storedHashes()).to.deep.equal(honest.map((b) => b.hash));
      const honestHashes = new Set(honest.map((b) => b.hash));
      expect(appended.every((b) => honestHashes.has(b.hash)), "no forged block reached the store").to.equal(true);
      expect(calls.filter((c) => c.startsWith("liar blocks")), "the liar's bodies were never asked for").to.deep.equal([]);
    });
  });

  describe("when a peer serves honest headers but forged bodies", function () {
    it("refuses each body that does not hash to its proven header and takes it from the next peer", async function () {
      const forged = forgedFrom(honest, 12);
      await pull([source("bodies-liar", { blocks: honest, bodies: forged }), source("honest", { blocks: honest })]);
      expect(await storedHashes()).to.deep.equal(honest.map((b) => b.hash));
      expect(appended.map((b) => b.number)).to.deep.equal(honest.slice(5).map((b) => b.number));
    });
  });

  describe("when a peer's chain ends before the target (its own store is behind)", function () {
    it("goes on with the next peer", async function () {
      await pull([source("short", { blocks: honest.slice(0, 25) }), source("full", { blocks: honest })]);
      expect(store.head!.hash).to.equal(target.hash);
    });
  });

  describe("when every peer serves a chain ending elsewhere", function () {
    it("stores nothing and keeps trying, with backoff, until stopped", async function () {
      const stop = new AbortController();
      const calls: string[] = [];
      const running = pull([source("a", { blocks: forgedFrom(honest, 30) }, calls), source("b", { blocks: forgedFrom(honest, 6) }, calls)], stop.signal);
      await new Promise((r) => setTimeout(r, 150));
      stop.abort();
      await expect(running).to.be.rejectedWith(PullAbortedError);
      expect(appended).to.deep.equal([]);
      expect(store.head!.number).to.equal(5);
      expect(calls.length, "retried, but backed off").to.be.within(4, 200);
    });
  });

  describe("when the peers are down", function () {
    it("backs off and retries until one comes back", async function () {
      const a: FakePeer = { blocks: honest, down: true };
      const b: FakePeer = { blocks: honest, down: true };
      const running = pull([source("a", a), source("b", b)]);
      await new Promise((r) => setTimeout(r, 60));
      expect(store.head!.number).to.equal(5);
      b.down = false;
      await running;
      expect(await storedHashes()).to.deep.equal(honest.map((b) => b.hash));
    });
  });

  describe("when a peer goes down half way", function () {
    it("keeps the blocks already proven and stored and finishes from another peer", async function () {
      const flaky: FakePeer = { blocks: honest, page: 6 };
      const src = source("flaky", flaky);
      const failing: BlockSource = {
        ...src,
        blocks: async (from, limit, signal) => {
          if (from > 20) flaky.down = true;
          return src.blocks(from, limit, signal);
        },
      };
      await pull([failing, source("other", { blocks: honest })]);
      expect(await storedHashes()).to.deep.equal(honest.map((b) => b.hash));
      expect(appended.map((b) => b.number)).to.deep.equal(honest.slice(5).map((b) => b.number));
    });
  });
});
