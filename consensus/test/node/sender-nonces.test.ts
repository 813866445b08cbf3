import { expect } from "chai";
import { REFUSALS_RETAINED, SenderNonces } from "../../src/node/sender-nonces";

const A = "0x" + "aa".repeat(20);
const B = "0x" + "bb".repeat(20);
const C = "0x" + "cc".repeat(20);
const hash = (n: number) => "0x" + n.toString(16).padStart(64, "0");

describe("node/sender-nonces: each sender's next nonce in the total order", function () {
  describe("when the ledger forgets a block", function () {
    it("forgets every sender whose newest transaction was in it, and only those", function () {
      const s = new SenderNonces();
      s.admit(hash(1), A, 0, 1);
      s.admit(hash(2), B, 0, 1);
      s.admit(hash(3), C, 0, 1);
      s.admit(hash(4), C, 1, 2);
      expect(s.size).to.equal(3);
      s.forgetBlock(1);
      expect([A, B, C].map((x) => s.nextNonce(x)), "C's newest is in block 2").to.deep.equal([undefined, undefined, 2]);
      s.forgetBlock(2);
      expect(s.size).to.equal(0);
    });

    it("forgets them after a restore from a snapshot too", function () {
      const s = new SenderNonces();
      s.admit(hash(1), A, 0, 1);
      s.admit(hash(2), B, 0, 1);
      const restored = new SenderNonces();
      restored.decode(s.encode(), 0);
      expect([restored.nextNonce(A), restored.nextNonce(B)]).to.deep.equal([1, 1]);
      restored.forgetBlock(1);
      expect(restored.size).to.equal(0);
    });
  });

  describe("when more refusals come than it retains", function () {
    it("keeps exactly the newest REFUSALS_RETAINED, dropping the oldest first", function () {
      const s = new SenderNonces();
      s.admit(hash(0), A, 0, 1);
      for (let i = 1; i <= REFUSALS_RETAINED + 1; i++) s.admit(hash(i), A, 5, 1);
      expect(s.refusal(hash(1)), "the oldest").to.equal(undefined);
      expect(s.refusal(hash(2))).to.deep.equal({ hash: hash(2), sender: A, nonce: 5, expectedNonce: 1 });
      expect(s.refusal(hash(REFUSALS_RETAINED + 1))).to.not.equal(undefined);
    });
  });
});
