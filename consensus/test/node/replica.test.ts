import { expect } from "chai";
import pino from "pino";
import { headerOf, makeBlock, type Block } from "../../src/blocks";
import type { AppliedTx, ApplierCheckpoint, ChainApplier, OrderedBlock, ReplicaHead } from "../../src/chain/applier";
import { ChainNotAtParentError } from "../../src/chain/errors";
import { Replica } from "../../src/node/replica";

const GENESIS = "0x" + "99".repeat(32);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A chain of `n` stored blocks, block k holding `txsOf(k)` transactions. */
function chainOf(n: number, txsOf: (k: number) => number = () => 0): Block[] {
  const out: Block[] = [];
  for (let k = 1; k <= n; k++) {
    const txs = Array.from({ length: txsOf(k) }, (_, i) => ({ hash: "0x" + (k * 10_000 + i).toString(16).padStart(64, "0"), raw: Uint8Array.from([k & 0xff, i & 0xff]) }));
    out.push(makeBlock(k === 1 ? null : headerOf(out[k - 2]!), { raftIndex: k + 1, timestamp: 1000 + k, txs }));
  }
  return out;
}

const head = (number: number): ReplicaHead => ({ number, hash: "0x" + number.toString(16).padStart(64, "0"), stateRoot: "0x", timestamp: 0, transactionsRoot: "0x", receiptsRoot: "0x" });

/**
 * An applier over a fake chain node: one chain block per ordered block, a checkpoint it keeps in memory. `fail` makes
 * the next calls throw (a chain node that is down); `wipe()` loses the chain (an in-memory node restarted).
 */
class FakeApplier {
  cp: ApplierCheckpoint = { appliedIndex: 0, chainBlock: 0, block: 0 };
  chainHeight = 0;
  genesis = GENESIS;
  fail = 0;
  calls: number[][] = [];
  genesisReads = 0;
  headReads = 0;
  resets = 0;
  /** Like the replica host's path: each call names the checkpoint as its parent, refused by a chain that lacks it. */
  inCall = false;
  private recovering = true;
  /** Numbers of the blocks whose records come back null (already on chain, recorded before). */
  already = new Set<number>();

  get checkpointed(): ApplierCheckpoint {
    return this.cp;
  }
  get head(): ReplicaHead | null {
    return null;
  }
  get checksChainInCall(): boolean {
    return this.inCall && !this.recovering;
  }
  async chainBlock(tag: string): Promise<ReplicaHead | null> {
    this.throwIfDown();
    if (tag === "0x0") {
      this.genesisReads++;
      return { ...head(0), hash: this.genesis };
    }
    this.headReads++;
    return head(this.chainHeight);
  }
  async applyMany(blocks: OrderedBlock[]): Promise<(AppliedTx[] | null)[]> {
    this.recovering = true;
    this.throwIfDown();
    if (this.inCall && this.chainHeight < this.cp.chainBlock) throw new ChainNotAtParentError("dplc_applyBlocks", "chain behind its parent", -32010);
    this.recovering = false;
    this.calls.push(blocks.map((b) => b.number!));
    return blocks.map((b) => {
      this.chainHeight++;
      this.cp = { ...this.cp, appliedIndex: b.index, chainBlock: this.chainHeight, block: b.number! };
      return this.already.has(b.number!) ? null : b.txs.map((tx, i) => ({ hash: tx.hash, block: b.index, index: i, chainBlock: this.chainHeight }));
    });
  }
  reset(): void {
    this.resets++;
    const { genesis } = this.cp;
    this.cp = { appliedIndex: 0, chainBlock: 0, block: 0, ...(genesis === undefined ? {} : { genesis }) };
  }
  noteGenesis(hash: string): void {
    this.cp = { ...this.cp, genesis: hash };
  }
  wipe(): void {
    this.chainHeight = 0;
  }
  private throwIfDown(): void {
    if (this.fail > 0) {
      this.fail--;
      throw new Error("chain node down");
    }
  }
}

function rig(blocks: Block[], opts: { watchMs?: number; backoffMs?: number; pumpIntervalMs?: number; inCall?: boolean } = {}) {
  const applier = new FakeApplier();
  applier.inCall = opts.inCall ?? false;
  const stored = { blocks };
  const applied: { number: number; records: AppliedTx[] }[] = [];
  let rebuilds = 0;
  const replica = new Replica({
    applier: applier as unknown as ChainApplier,
    store: {
      headNumber: () => stored.blocks.length,
      blocks: async function* (from, to) {
        for (const b of stored.blocks) if (b.number >= from && b.number <= to) yield b;
      },
    },
    logger: pino({ level: "silent" }),
    onApplied: (b, records) => applied.push({ number: b.number!, records }),
    onRebuild: () => rebuilds++,
    minBackoffMs: opts.backoffMs ?? 5,
    maxBackoffMs: opts.backoffMs ?? 20,
    watchMs: opts.watchMs ?? 60_000,
    pumpIntervalMs: opts.pumpIntervalMs ?? 0,
  });
  return { applier, stored, applied, replica, rebuilds: () => rebuilds };
}

describe("node/replica: this node's EVM replica applies its block store, in order", function () {
  let r: ReturnType<typeof rig>;
  afterEach(async function () {
    await r.replica.stop();
  });

  describe("when the store holds blocks the chain lacks", function () {
    it("applies every block once, in order, in calls of at most 64 blocks, each with its transactions", async function () {
      r = rig(chainOf(130, (k) => (k === 2 ? 2 : 0)));
      await r.replica.caughtUp();
      expect(r.applier.calls.map((c) => c.length)).to.deep.equal([64, 64, 2]);
      expect(r.applier.calls.flat()).to.deep.equal(Array.from({ length: 130 }, (_, i) => i + 1));
      expect(r.replica.appliedBlock).to.equal(130);
      expect(r.applied.map((a) => a.number)).to.deep.equal(Array.from({ length: 130 }, (_, i) => i + 1));
      const b2 = r.stored.blocks[1]!;
      expect(r.applied[1]!.records.map((x) => x.hash)).to.deep.equal(b2.txs.map((t) => t.hash));
    });

    it("passes each block's number, Raft index, timestamp and raw transactions as hex", async function () {
      r = rig(chainOf(1, () => 1));
      const seen: OrderedBlock[] = [];
      const applyMany = r.applier.applyMany.bind(r.applier);
      r.applier.applyMany = async (blocks) => (seen.push(...blocks), applyMany(blocks));
      await r.replica.caughtUp();
      const b = r.stored.blocks[0]!;
      expect(seen).to.deep.equal([{ index: b.raftIndex, number: 1, timestamp: b.timestamp, txs: [{ hash: b.txs[0]!.hash, raw: "0x0100" }] }]);
    });

    it("ends a call once it carries 2,000 transactions", async function () {
      r = rig(chainOf(5, () => 1_000));
      await r.replica.caughtUp();
      expect(r.applier.calls).to.deep.equal([[1, 2], [3, 4], [5]]);
    });

    it("does not report blocks whose transactions were already on the chain", async function () {
      r = rig(chainOf(3));
      r.applier.already.add(2);
      await r.replica.caughtUp();
      expect(r.applied.map((a) => a.number)).to.deep.equal([1, 3]);
    });

    it("applies blocks stored while a round runs, in a round of their own", async function () {
      r = rig(chainOf(3));
      r.replica.kick();
      r.stored.blocks = chainOf(5);
      r.replica.kick();
      r.replica.kick();
      await r.replica.caughtUp();
      expect(r.applier.calls.flat()).to.deep.equal([1, 2, 3, 4, 5]);
    });

    it("reads the chain's genesis once, not every round", async function () {
      r = rig(chainOf(1));
      await r.replica.caughtUp();
      r.stored.blocks = chainOf(2);
      await r.replica.caughtUp();
      expect(r.applier.genesisReads).to.equal(1);
      expect(r.applier.cp.genesis).to.equal(GENESIS);
    });
  });

  describe("when the chain node fails", function () {
    it("retries until it answers, reads its genesis again, and applies each block once", async function () {
      r = rig(chainOf(3));
      await r.replica.caughtUp();
      r.stored.blocks = chainOf(6);
      r.applier.fail = 3;
      await r.replica.caughtUp();
      expect(r.applier.calls.flat()).to.deep.equal([1, 2, 3, 4, 5, 6]);
      expect(r.applier.genesisReads).to.equal(2);
      expect(r.rebuilds()).to.equal(0);
    });

    it("stops waiting out its backoff when stopped", async function () {
      r = rig(chainOf(1), { backoffMs: 60_000 });
      r.applier.fail = 1;
      r.replica.kick();
      await sleep(20);
      const t0 = Date.now();
      await r.replica.stop();
      expect(Date.now() - t0).to.be.below(1_000);
      expect(r.applier.calls).to.deep.equal([]);
    });
  });

  describe("when the chain lost what the checkpoint says it holds", function () {
    // With calls that check the chain themselves too: the idle watch still reads the head, since no call comes.
    for (const inCall of [false, true]) {
      it(`rebuilds from block 1 when the chain is behind the checkpoint while no block comes${inCall ? " (calls check the chain)" : ""}`, async function () {
        r = rig(chainOf(3), { watchMs: 10, inCall });
        await r.replica.caughtUp();
        r.applier.wipe();
        for (let i = 0; i < 200 && r.rebuilds() === 0; i++) await sleep(5);
        await r.replica.caughtUp();
        expect(r.rebuilds()).to.equal(1);
        expect(r.applier.calls.flat()).to.deep.equal([1, 2, 3, 1, 2, 3]);
        expect(r.applier.cp.genesis).to.equal(GENESIS);
      });
    }

    it("rebuilds from block 1 on a chain with another genesis, and notes the new genesis", async function () {
      r = rig(chainOf(2));
      await r.replica.caughtUp();
      r.applier.genesis = "0x" + "77".repeat(32);
      r.applier.fail = 1;
      r.stored.blocks = chainOf(3);
      await r.replica.caughtUp();
      expect(r.rebuilds()).to.equal(1);
      expect(r.applier.calls.flat()).to.deep.equal([1, 2, 1, 2, 3]);
      expect(r.applier.cp.genesis).to.equal("0x" + "77".repeat(32));
    });

    it("does not rebuild a chain exactly at the checkpoint", async function () {
      r = rig(chainOf(2));
      await r.replica.caughtUp();
      r.stored.blocks = chainOf(3);
      await r.replica.caughtUp();
      expect(r.rebuilds()).to.equal(0);
      expect(r.applier.resets).to.equal(0);
    });
  });

  describe("when blocks are stored faster than rounds start", function () {
    it("starts no round sooner than the interval after the last one", async function () {
      r = rig(chainOf(1), { pumpIntervalMs: 60_000 });
      await r.replica.caughtUp();
      r.stored.blocks = chainOf(2);
      r.replica.kick();
      await sleep(30);
      expect(r.applier.calls).to.deep.equal([[1]]);
    });

    it("applies every block stored meanwhile in one call, with one head read for all", async function () {
      r = rig(chainOf(1), { pumpIntervalMs: 1_000 });
      await r.replica.caughtUp();
      for (let n = 2; n <= 6; n++) {
        r.stored.blocks = chainOf(n);
        r.replica.kick();
        await new Promise((resolve) => setImmediate(resolve));
      }
      await r.replica.caughtUp();
      expect(r.applier.calls).to.deep.equal([[1], [2, 3, 4, 5, 6]]);
      expect(r.applier.headReads).to.equal(2);
    });
  });

  describe("when the applier's calls check the chain themselves (the replica host)", function () {
    it("reads the head only before the first call, not before each round", async function () {
      r = rig(chainOf(1), { inCall: true });
      await r.replica.caughtUp();
      for (let n = 2; n <= 4; n++) {
        r.stored.blocks = chainOf(n);
        await r.replica.caughtUp();
      }
      expect(r.applier.calls.flat()).to.deep.equal([1, 2, 3, 4]);
      expect(r.applier.headReads).to.equal(1);
    });

    it("rebuilds from block 1 when a call is refused because the chain lost its parent", async function () {
      r = rig(chainOf(3), { inCall: true });
      await r.replica.caughtUp();
      r.applier.wipe();
      r.stored.blocks = chainOf(4);
      await r.replica.caughtUp();
      expect(r.rebuilds()).to.equal(1);
      expect(r.applier.calls.flat()).to.deep.equal([1, 2, 3, 1, 2, 3, 4]);
    });
  });
});
