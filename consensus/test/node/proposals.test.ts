import { expect } from "chai";
import { ProposalTracker } from "../../src/node/proposals";

const H1 = "0x" + "11".repeat(32);
const H2 = "0x" + "22".repeat(32);

/** Timers alive in this process: a tracker must not keep one after its last waiter is answered or it closes. */
const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** The count once mocha has armed its own timeout timer for the running test (after the test's first await). */
const baseline = async (): Promise<number> => (await sleep(1), timers());

describe("node/proposals: clients waiting for their transaction", function () {
  describe("when the transaction commits", function () {
    it("answers every waiter of that hash with the status, and no other", async function () {
      const t = new ProposalTracker(10_000);
      const a = t.wait(H1);
      const b = t.wait(H1);
      const other = t.wait(H2);
      expect(t.waiting).to.equal(3);
      t.settle(H1, "ordered");
      expect(await a).to.deep.equal({ hash: H1, status: "ordered" });
      expect(await b).to.deep.equal({ hash: H1, status: "ordered" });
      expect(t.waiting).to.equal(1);
      t.close();
      expect(await other).to.deep.equal({ hash: H2, status: "pending" });
    });
  });

  describe("when nothing commits within the wait", function () {
    it("answers pending after waitMs (within one sweep period), not before", async function () {
      const t = new ProposalTracker(60);
      const started = Date.now();
      const res = await t.wait(H1);
      const took = Date.now() - started;
      expect(res).to.deep.equal({ hash: H1, status: "pending" });
      expect(took).to.be.at.least(59);
      expect(t.waiting).to.equal(0);
    });

    it("expires each waiter by its own deadline", async function () {
      const t = new ProposalTracker(400);
      const first = t.wait(H1);
      await new Promise((r) => setTimeout(r, 200));
      let secondDone = false;
      const second = t.wait(H1).then((r) => ((secondDone = true), r));
      expect((await first).status).to.equal("pending");
      expect(secondDone).to.equal(false);
      t.settle(H1, "ordered");
      expect((await second).status).to.equal("ordered");
      t.close();
    });
  });

  describe("when the proposal fails", function () {
    it("rejects the waiters with the cause and forgets the transaction", async function () {
      const t = new ProposalTracker(10_000);
      expect(t.take(H1)).to.equal(true);
      expect(t.take(H1)).to.equal(false);
      const w = t.wait(H1);
      const err = new Error("lost leadership");
      t.fail(H1, err);
      await expect(w).to.be.rejectedWith(err);
      expect(t.isInflight(H1)).to.equal(false);
      t.close();
    });
  });

  describe("when three clients wait for the same transaction", function () {
    it("answers all three on its commit", async function () {
      const t = new ProposalTracker(10_000);
      const ws = [t.wait(H1), t.wait(H1), t.wait(H1)];
      expect(t.waiting).to.equal(3);
      t.settle(H1, "ordered");
      for (const w of ws) expect(await w).to.deep.equal({ hash: H1, status: "ordered" });
      expect(t.waiting).to.equal(0);
      t.close();
    });

    it("expires only the ones past their deadline and keeps the others, one or several, waiting", async function () {
      const t = new ProposalTracker(400);
      const first = t.wait(H1);
      await new Promise((r) => setTimeout(r, 200));
      const done: string[] = [];
      const second = t.wait(H1).then((r) => (done.push("second"), r));
      const third = t.wait(H1).then((r) => (done.push("third"), r));
      expect((await first).status).to.equal("pending");
      expect(done).to.deep.equal([]);
      expect(t.waiting).to.equal(2);
      t.settle(H1, "ordered");
      expect((await second).status).to.equal("ordered");
      expect((await third).status).to.equal("ordered");
      t.close();
    });
  });

  describe("when a transaction is taken in", function () {
    it("is in flight until it settles, and can be taken again after", async function () {
      const t = new ProposalTracker(10_000);
      expect(t.isInflight(H1)).to.equal(false);
      expect(t.take(H1)).to.equal(true);
      expect(t.isInflight(H1)).to.equal(true);
      expect(t.isInflight(H2)).to.equal(false);
      t.settle(H1, "ordered");
      expect(t.isInflight(H1)).to.equal(false);
      expect(t.take(H1)).to.equal(true);
      t.close();
    });

    it("settles or fails a transaction nobody waits for without touching the other waiters", async function () {
      const t = new ProposalTracker(10_000);
      const other = t.wait(H2);
      t.take(H1);
      expect(() => t.settle(H1, "ordered")).not.to.throw();
      t.take(H1);
      expect(() => t.fail(H1, new Error("x"))).not.to.throw();
      expect(t.isInflight(H1)).to.equal(false);
      expect(t.waiting).to.equal(1);
      t.settle(H2, "ordered");
      expect(await other).to.deep.equal({ hash: H2, status: "ordered" });
      t.close();
    });
  });

  describe("when leadership ends", function () {
    it("rejects every waiter with the cause and forgets everything taken in", async function () {
      const t = new ProposalTracker(10_000);
      t.take(H1);
      t.take(H2);
      const ws = [t.wait(H1), t.wait(H1), t.wait(H2)];
      const err = new Error("lost leadership");
      t.failAll(err);
      for (const w of ws) await expect(w).to.be.rejectedWith(err);
      expect(t.waiting).to.equal(0);
      expect(t.isInflight(H1)).to.equal(false);
      expect(t.isInflight(H2)).to.equal(false);
      expect(t.take(H1)).to.equal(true);
      t.close();
    });

    it("rejects several waiters of one hash on a single failure", async function () {
      const t = new ProposalTracker(10_000);
      const ws = [t.wait(H1), t.wait(H1)];
      const err = new Error("not proposed");
      t.fail(H1, err);
      for (const w of ws) await expect(w).to.be.rejectedWith(err);
      expect(t.waiting).to.equal(0);
      t.close();
    });
  });

  describe("when the node shuts down", function () {
    it("answers every waiter pending, forgets what was taken in, and still expires later waiters", async function () {
      const t = new ProposalTracker(40);
      t.take(H1);
      const ws = [t.wait(H1), t.wait(H1), t.wait(H2)];
      t.close();
      expect(await Promise.all(ws)).to.deep.equal([
        { hash: H1, status: "pending" },
        { hash: H1, status: "pending" },
        { hash: H2, status: "pending" },
      ]);
      expect(t.waiting).to.equal(0);
      expect(t.isInflight(H1)).to.equal(false);
      // The sweep timer was cleared with the waiters, so a later wait arms a new one.
      expect(await t.wait(H2)).to.deep.equal({ hash: H2, status: "pending" });
      t.close();
    });
  });

  describe("when the wait is set up", function () {
    it("refuses a negative wait, NaN and infinity", function () {
      expect(() => new ProposalTracker(-1)).to.throw(RangeError, /waitMs must be a non-negative number, got -1/);
      expect(() => new ProposalTracker(NaN)).to.throw(RangeError, /got NaN/);
      expect(() => new ProposalTracker(Infinity)).to.throw(RangeError, /got Infinity/);
    });

    it("accepts a zero wait, answering pending at the first sweep", async function () {
      const t = new ProposalTracker(0);
      expect(await t.wait(H1)).to.deep.equal({ hash: H1, status: "pending" });
    });

    it("answers pending at a sweep that lands exactly on the deadline, one waiter or several of one hash", async function () {
      // Date.now frozen at the deadline: a waiter kept at that sweep would never be answered.
      const realNow = Date.now;
      const t0 = realNow();
      Date.now = () => t0;
      try {
        const t = new ProposalTracker(100);
        const waits = [t.wait(H1), t.wait(H2), t.wait(H2)];
        Date.now = () => t0 + 100;
        const answered = await Promise.race([Promise.all(waits), sleep(2_000).then(() => "not answered")]);
        expect(answered).to.deep.equal([{ hash: H1, status: "pending" }, { hash: H2, status: "pending" }, { hash: H2, status: "pending" }]);
      } finally {
        Date.now = realNow;
      }
    });

    it("sweeps a tenth of the wait apart, so a waiter never waits a whole extra wait", async function () {
      // Generous bound: a sweep period of ten times the wait (a wrong division) would answer after 2 s.
      const t = new ProposalTracker(200);
      const started = Date.now();
      await t.wait(H1);
      expect(Date.now() - started).to.be.below(1_500);
    });
  });
  describe("when it comes to its sweep timer (one per tracker, only while clients wait)", function () {
    it("arms a single timer however many clients wait", async function () {
      const before = await baseline();
      const t = new ProposalTracker(10_000);
      const ws = [t.wait(H1), t.wait(H2), t.wait(H1)];
      expect(timers()).to.equal(before + 1);
      t.close();
      await Promise.all(ws);
    });

    it("clears it on close, so a stopped node leaves nothing scheduled", async function () {
      const before = await baseline();
      const t = new ProposalTracker(10_000);
      const w = t.wait(H1);
      t.close();
      expect(timers()).to.equal(before);
      await w;
    });

    it("stops sweeping once every waiter has been answered, several of one hash included", async function () {
      const t = new ProposalTracker(20);
      const before = await baseline();
      const ws = [t.wait(H1), t.wait(H1), t.wait(H2)];
      expect((await Promise.all(ws)).map((r) => r.status)).to.deep.equal(["pending", "pending", "pending"]);
      await sleep(30);
      expect(timers()).to.equal(before);
      expect(t.waiting).to.equal(0);
    });
  });
});
