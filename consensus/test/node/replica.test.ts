import { expect } from "chai";
import pino, { type Logger } from "pino";
import { headerOf, makeBlock, type Block } from "../../src/blocks";
import type { AppliedTx, ApplierCheckpoint, ChainApplier, OrderedBlock, ReplicaHead } from "../../src/chain/applier";
import { ChainNotAtParentError } from "../../src/chain/errors";
import { Replica, type ReplicaOptions } from "../../src/node/replica";
import { capturingLog } from "../helpers/capturing-log";
import { until } from "../helpers/until";

const GENESIS = "0x" + "99".repeat(32);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const RETRYING = "replica: applying to the chain failed; retrying";
const REBUILDING =
  "replica: the chain is behind this node's checkpoint (its data was wiped?) or has another genesis; re-applying every block from the store";

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
  /** The head the real applier keeps of what it mined (null until it mined). */
  mined: ReplicaHead | null = null;
  /** The chain answers null for its genesis block (a node that does not serve it). */
  noGenesis = false;
  /** How many of the next `latest` reads answer null. */
  noLatest = 0;
  /** While set, `applyMany` waits for it: a call in flight. */
  gate: Promise<void> | null = null;

  get checkpointed(): ApplierCheckpoint {
    return this.cp;
  }
  get head(): ReplicaHead | null {
    return this.mined;
  }
  get checksChainInCall(): boolean {
    return this.inCall && !this.recovering;
  }
  async chainBlock(tag: string): Promise<ReplicaHead | null> {
    this.throwIfDown();
    if (tag === "0x0") {
      this.genesisReads++;
      return this.noGenesis ? null : { ...head(0), hash: this.genesis };
    }
    // The real applier sends the tag to the chain node, which knows no other.
    if (tag !== "latest") throw new Error(`unknown block tag ${tag}`);
    if (this.noLatest > 0) {
      this.noLatest--;
      return null;
    }
    this.headReads++;
    return head(this.chainHeight);
  }
  async applyMany(blocks: OrderedBlock[]): Promise<(AppliedTx[] | null)[]> {
    this.recovering = true;
    this.throwIfDown();
    if (this.gate !== null) await this.gate;
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

interface RigOptions {
  watchMs?: number;
  /** The replica's backoff bounds (5-20 ms unless given; `{}` leaves its defaults). */
  backoff?: Pick<ReplicaOptions, "minBackoffMs" | "maxBackoffMs">;
  logger?: Logger;
  /** Runs at the start of each `headNumber()` read of the store. */
  onHead?: () => void;
  /** Runs before the store yields each block. */
  onRead?: () => Promise<void>;
  /** Rounds at least this far apart (0 unless given). */
  pumpIntervalMs?: number;
  /** The fake applier checks the parent inside each call, like the replica host. */
  inCall?: boolean;
}

function rig(blocks: Block[], opts: RigOptions = {}) {
  const applier = new FakeApplier();
  applier.inCall = opts.inCall ?? false;
  const stored = { blocks };
  const applied: { number: number; records: AppliedTx[] }[] = [];
  let rebuilds = 0;
  const replica = new Replica({
    applier: applier as unknown as ChainApplier,
    store: {
      headNumber: () => {
        opts.onHead?.();
        return stored.blocks.length;
      },
      blocks: async function* (from, to) {
        for (const b of stored.blocks) {
          if (b.number < from || b.number > to) continue;
          await opts.onRead?.();
          yield b;
        }
      },
    },
    logger: opts.logger ?? pino({ level: "silent" }),
    onApplied: (b, records) => applied.push({ number: b.number!, records }),
    onRebuild: () => rebuilds++,
    ...(opts.backoff ?? { minBackoffMs: 5, maxBackoffMs: 20 }),
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

    it("sends no empty call when the blocks fill whole calls", async function () {
      r = rig(chainOf(64));
      await r.replica.caughtUp();
      expect(r.applier.calls.map((c) => c.length)).to.deep.equal([64]);
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

    it("runs one more round by itself when kicked after a round's last look at the store", async function () {
      let stored = false;
      r = rig(chainOf(3), {
        onHead: () => {
          if (stored || r.replica.appliedBlock < 3) return;
          stored = true;
          // After this read the round ends: the kick comes while it is still running, as a new block's kick can.
          queueMicrotask(() => {
            r.stored.blocks = chainOf(5);
            r.replica.kick();
          });
        },
      });
      r.replica.kick();
      // No caughtUp() here (it kicks): the watch timer is a minute away, so only the replica itself can go on.
      await until(async () => (r.replica.appliedBlock === 5 ? true : undefined), 2_000, "blocks 4 and 5 applied");
      expect(r.applier.calls.flat()).to.deep.equal([1, 2, 3, 4, 5]);
    });

    it("reports the chain head it last read until the applier has mined one, then the applier's", async function () {
      r = rig([]);
      expect(r.replica.head).to.equal(null);
      r.applier.chainHeight = 4;
      r.replica.kick();
      await until(async () => r.replica.head ?? undefined, 2_000, "the chain head read");
      expect(r.replica.head).to.deep.equal(head(4));
      r.applier.mined = head(9);
      expect(r.replica.head).to.deep.equal(head(9));
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

    it("doubles its backoff after each failure up to the maximum, and starts from the minimum after a success", async function () {
      const { log, lines } = capturingLog("warn");
      let failedAgain = false;
      r = rig(chainOf(3), {
        logger: log,
        onHead: () => {
          if (failedAgain || r.replica.appliedBlock < 3) return;
          failedAgain = true;
          r.stored.blocks = chainOf(4);
          r.applier.fail = 1;
        },
      });
      r.applier.fail = 4;
      await r.replica.caughtUp();
      await r.replica.caughtUp();
      expect(lines.map((l) => [l.msg, l.block, l.retryMs])).to.deep.equal([
        [RETRYING, 1, 5],
        [RETRYING, 1, 10],
        [RETRYING, 1, 20],
        [RETRYING, 1, 20],
        [RETRYING, 4, 5],
      ]);
      expect(r.applier.calls.flat()).to.deep.equal([1, 2, 3, 4]);
    });

    it("backs off 100 ms after a first failure and at most 5 s by default", async function () {
      const { log, lines } = capturingLog("warn");
      r = rig(chainOf(1), { logger: log, backoff: {} });
      r.applier.fail = 1;
      await r.replica.caughtUp();
      expect(lines.map((l) => l.retryMs)).to.deep.equal([100]);
      await r.replica.stop();

      const capped = capturingLog("warn");
      r = rig(chainOf(1), { logger: capped.log, backoff: { minBackoffMs: 2_600 } });
      r.applier.fail = 2;
      r.replica.kick();
      await until(async () => (capped.lines.length === 2 ? true : undefined), 5_000, "a second failure");
      expect(capped.lines.map((l) => l.retryMs)).to.deep.equal([2_600, 5_000]);
    });

    it("retries a failed check of the chain by itself, with no block to apply (a wiped chain is rebuilt)", async function () {
      r = rig(chainOf(2));
      await r.replica.caughtUp();
      r.applier.wipe();
      r.applier.fail = 1;
      r.replica.kick();
      // No caughtUp() here (it kicks): the watch timer is a minute away, so only the retry can find the wiped chain.
      await until(async () => (r.rebuilds() === 1 && r.replica.appliedBlock === 2 ? true : undefined), 2_000, "the rebuild");
      expect(r.applier.calls.flat()).to.deep.equal([1, 2, 1, 2]);
    });

    it("retries a block whose apply call failed, and logs the chain node's error", async function () {
      const { log, lines } = capturingLog("warn");
      r = rig(chainOf(2), { logger: log });
      const applyMany = r.applier.applyMany.bind(r.applier);
      let failures = 1;
      r.applier.applyMany = async (blocks) => {
        if (failures-- > 0) throw new Error("apply refused");
        return applyMany(blocks);
      };
      await r.replica.caughtUp();
      expect(lines.map((l) => [l.msg, l.block, (l.err as { message?: string } | undefined)?.message])).to.deep.equal([[RETRYING, 1, "apply refused"]]);
      expect(r.applier.calls.flat()).to.deep.equal([1, 2]);
    });

    for (const [n, what] of [
      [2, "sends nothing more once stopped while it reads the store"],
      [130, "sends no full call either once stopped while it reads the store"],
    ] as const) {
      it(what, async function () {
        let reading!: () => void;
        const gate = new Promise<void>((resolve) => (reading = resolve));
        let read = 0;
        r = rig(chainOf(n), { onRead: async () => (read++ === 1 ? gate : undefined) });
        r.replica.kick();
        await until(async () => (read === 2 ? true : undefined), 2_000, "the second block read");
        const stopping = r.replica.stop();
        reading();
        await stopping;
        expect(r.applier.calls).to.deep.equal([]);
      });
    }

    it("sends no later call once a call failed: the blocks after it wait for the retry, in order", async function () {
      r = rig(chainOf(1));
      await r.replica.caughtUp();
      const applyMany = r.applier.applyMany.bind(r.applier);
      let failNext = true;
      r.applier.applyMany = async (blocks) => {
        if (!failNext) return applyMany(blocks);
        failNext = false;
        await sleep(20); // the next call's blocks are read meanwhile
        throw new Error("chain node down");
      };
      r.stored.blocks = chainOf(130);
      r.replica.kick();
      await r.replica.caughtUp();
      expect(r.applier.calls.flat()).to.deep.equal(Array.from({ length: 130 }, (_, i) => i + 1));
    });

    it("stops at once when nothing runs, and applies nothing afterwards", async function () {
      r = rig(chainOf(1));
      await r.replica.stop();
      r.replica.kick();
      await sleep(20);
      expect(r.applier.calls).to.deep.equal([]);
    });

    it("stops only once the call in flight has answered", async function () {
      r = rig(chainOf(2));
      let open!: () => void;
      r.applier.gate = new Promise((resolve) => (open = resolve));
      r.replica.kick();
      await sleep(20);
      let stopped = false;
      const stopping = r.replica.stop().then(() => (stopped = true));
      await sleep(20);
      expect(stopped, "stopped while blocks 1-2 were being applied").to.equal(false);
      open();
      await stopping;
      expect(r.replica.appliedBlock).to.equal(2);
    });

    it("stops waiting out its backoff when stopped", async function () {
      r = rig(chainOf(1), { backoff: { minBackoffMs: 60_000, maxBackoffMs: 60_000 } });
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

    it("applies to a chain that does not serve its genesis block, noting no genesis and rebuilding nothing", async function () {
      r = rig(chainOf(2));
      r.applier.noGenesis = true;
      await r.replica.caughtUp();
      expect(r.rebuilds()).to.equal(0);
      expect(r.applier.cp).to.not.have.property("genesis");
      expect(r.applier.calls.flat()).to.deep.equal([1, 2]);
    });

    it("keeps the genesis it knows when the chain stops serving it after a failure", async function () {
      r = rig(chainOf(2));
      await r.replica.caughtUp();
      r.applier.noGenesis = true;
      r.applier.fail = 1;
      r.stored.blocks = chainOf(3);
      await r.replica.caughtUp();
      expect(r.applier.genesisReads).to.equal(2);
      expect(r.rebuilds()).to.equal(0);
      expect(r.applier.cp.genesis).to.equal(GENESIS);
      expect(r.applier.calls.flat()).to.deep.equal([1, 2, 3]);
    });

    it("rebuilds a wiped chain that no longer serves its genesis, keeps the genesis it knew, and says where the chain is", async function () {
      const { log, lines } = capturingLog("warn");
      r = rig(chainOf(2), { logger: log });
      await r.replica.caughtUp();
      r.applier.wipe();
      r.applier.noGenesis = true;
      r.applier.fail = 1;
      r.stored.blocks = chainOf(3);
      await r.replica.caughtUp();
      expect(r.rebuilds()).to.equal(1);
      expect(r.applier.cp.genesis).to.equal(GENESIS);
      expect(r.applier.calls.flat()).to.deep.equal([1, 2, 1, 2, 3]);
      const rebuilt = lines.filter((l) => l.msg === REBUILDING);
      expect(rebuilt.map((l) => [l.chainHead, l.checkpoint])).to.deep.equal([[0, { appliedIndex: 3, chainBlock: 2, block: 2, genesis: GENESIS }]]);
    });

    it("rebuilds when the chain has no latest block", async function () {
      const { log, lines } = capturingLog("warn");
      r = rig(chainOf(2), { logger: log });
      await r.replica.caughtUp();
      r.applier.noLatest = 1;
      r.stored.blocks = chainOf(3);
      await r.replica.caughtUp();
      expect(r.rebuilds()).to.equal(1);
      expect(r.applier.calls.flat()).to.deep.equal([1, 2, 1, 2, 3]);
      expect(lines.map((l) => [l.msg, l.chainHead, l.genesis])).to.deep.equal([[REBUILDING, null, GENESIS]]);
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

    it("applies blocks kicked in within the interval once it ends, without another kick", async function () {
      r = rig(chainOf(1), { pumpIntervalMs: 50 });
      await r.replica.caughtUp();
      r.stored.blocks = chainOf(2);
      r.replica.kick();
      await until(async () => (r.applier.calls.length === 2 ? true : undefined), 2_000, "the second round");
      expect(r.applier.calls).to.deep.equal([[1], [2]]);
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
