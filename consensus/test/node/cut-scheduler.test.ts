import { expect } from "chai";
import { BlockCutter } from "../../src/batch/block-cutter";
import type { BatchTx } from "../../src/batch/types";
import { CutScheduler } from "../../src/node/cut-scheduler";

const tx = (n: number): BatchTx => ({ hash: "0x" + n.toString(16).padStart(64, "0"), raw: new Uint8Array(10), sender: "s", nonce: n });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** One turn of the event loop: what `setImmediate` scheduled before has run. */
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * A scheduler over a real cutter whose batch timeout is `batchTimeoutMs`, with `inflight` blocks of this leader
 * proposed and not yet committed (at most 2 in flight before batches wait).
 */
function rig(batchTimeoutMs = 10_000) {
  const cutter = new BlockCutter({ maxMessageCount: 100, preferredMaxBytes: 1 << 20, batchTimeoutMs });
  const proposed: BatchTx[][] = [];
  const state = { inflight: 0, stopped: false };
  const scheduler = new CutScheduler({
    cutter,
    inflight: () => state.inflight,
    maxInflight: 2,
    propose: (batch) => proposed.push(batch),
    stopped: () => state.stopped,
  });
  const add = (...ns: number[]) => {
    for (const n of ns) cutter.ordered(tx(n), Date.now());
  };
  return { cutter, proposed, state, scheduler, add };
}

describe("node/cut-scheduler: when the leader cuts its pending batch into a block", function () {
  describe("when fewer blocks than the limit are in flight (light load)", function () {
    it("cuts the pending batch on the next turn, not synchronously, once however often it is asked", async function () {
      const { proposed, scheduler, add, cutter } = rig();
      add(1, 2);
      scheduler.schedule();
      scheduler.schedule();
      add(3);
      scheduler.schedule();
      expect(proposed).to.deep.equal([]);
      await turn();
      expect(proposed).to.deep.equal([[tx(1), tx(2), tx(3)]]);
      expect(cutter.pendingCount).to.equal(0);
      await sleep(5);
      expect(proposed).to.have.length(1);
    });

    it("cuts again for a batch pending after the previous cut", async function () {
      const { proposed, scheduler, add } = rig();
      add(1);
      scheduler.schedule();
      await turn();
      add(2);
      scheduler.schedule();
      await turn();
      expect(proposed).to.deep.equal([[tx(1)], [tx(2)]]);
    });

    it("does nothing when no transaction is pending", async function () {
      const { proposed, scheduler } = rig(0);
      scheduler.schedule();
      await sleep(5);
      expect(proposed).to.deep.equal([]);
    });

    it("does not cut once the node has stopped before that turn", async function () {
      const { proposed, scheduler, add, state } = rig(0);
      add(1);
      scheduler.schedule();
      state.stopped = true;
      await sleep(5);
      expect(proposed).to.deep.equal([]);
    });

    it("waits for the batch timeout instead when the limit is reached before that turn", async function () {
      const { proposed, scheduler, add, state } = rig(40);
      add(1);
      scheduler.schedule();
      state.inflight = 2;
      await turn();
      expect(proposed).to.deep.equal([]);
      await sleep(80);
      expect(proposed).to.deep.equal([[tx(1)]]);
    });
  });

  describe("when the limit of blocks in flight is reached (load)", function () {
    it("lets the batch grow and cuts it at its batch timeout, not before", async function () {
      const { proposed, scheduler, add, state } = rig(60);
      state.inflight = 2;
      const started = Date.now();
      add(1);
      scheduler.schedule();
      await sleep(20);
      add(2);
      scheduler.schedule();
      expect(proposed).to.deep.equal([]);
      while (proposed.length === 0 && Date.now() - started < 2_000) await sleep(2);
      expect(Date.now() - started).to.be.at.least(55);
      expect(proposed).to.deep.equal([[tx(1), tx(2)]]);
      await sleep(100);
      expect(proposed).to.have.length(1);
    });

    it("cuts at once a batch whose timeout has already passed", async function () {
      const { proposed, scheduler, add, state } = rig(0);
      state.inflight = 2;
      add(1);
      await sleep(5);
      scheduler.schedule();
      await sleep(3);
      expect(proposed).to.deep.equal([[tx(1)]]);
    });

    it("proposes nothing when the batch was cut meanwhile (a full batch, or leadership lost)", async function () {
      const { proposed, scheduler, add, state, cutter } = rig(20);
      state.inflight = 2;
      add(1);
      scheduler.schedule();
      cutter.cut();
      await sleep(60);
      expect(proposed).to.deep.equal([]);
    });

    it("stops the batch timer when cancelled, and arms a new one when asked again", async function () {
      const { proposed, scheduler, add, state } = rig(20);
      state.inflight = 2;
      add(1);
      scheduler.schedule();
      scheduler.schedule();
      scheduler.cancel();
      await sleep(60);
      expect(proposed).to.deep.equal([]);
      scheduler.schedule();
      await sleep(10);
      expect(proposed).to.deep.equal([[tx(1)]]);
    });

    it("a cut at light load stops the batch timer armed under load", async function () {
      const { proposed, scheduler, add, state } = rig(40);
      state.inflight = 2;
      add(1);
      scheduler.schedule();
      state.inflight = 0;
      scheduler.schedule();
      await turn();
      expect(proposed).to.deep.equal([[tx(1)]]);
      add(2);
      state.inflight = 2;
      await sleep(80);
      // The first timer would have cut tx 2 at tx 1's deadline; nothing armed one for tx 2.
      expect(proposed).to.deep.equal([[tx(1)]]);
    });
  });
});
