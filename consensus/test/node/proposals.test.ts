import { expect } from "chai";
import { ProposalTracker } from "../../src/node/proposals";

const H1 = "0x" + "11".repeat(32);
const H2 = "0x" + "22".repeat(32);

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
      const t = new ProposalTracker(80);
      const first = t.wait(H1);
      await new Promise((r) => setTimeout(r, 50));
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

  it("refuses a negative wait", function () {
    expect(() => new ProposalTracker(-1)).to.throw(RangeError, /waitMs/);
  });
});
