import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { GridTakesAllPricing__factory } from "../../typechain-types";
import {
  RoundState,
  consumerOrder,
  escrowHeld,
  matchAll,
  passDeadline,
  settleAll,
  setupBook,
  thermalOrder,
  trades,
  windOrder,
  type Book,
  type BookSpec,
  type TradeView,
  allowPricing,
} from "../helpers/fixtures";
import { amount, price, sellerCost, surplusSplit } from "../helpers/rules";

// ε = 5 %, S = 0.5 on A→A; ratio 3.
// Wind 3 (ask 3.8): cost 3.8/0.95 + 0.5 = 4.5. Thermal 4 (ask 2.85, W 0.5): cost 3 + 0.5 + 0.5 = 4.
// Phase 1: consumer 1 (q 5.5, G 30) takes 30; consumer 2 (q 4.5, G 50) takes the other 30.
// Phase 2 (cap 180): consumer 1 (q 6) takes its remaining 70, consumer 2 (q 5) its remaining 20.
// Consumer 5 withdraws before the deadline; consumer 6 (bid 1) cannot afford anything and is refunded in full.
const LOSS = 50_000n;
const S = price("0.5");
const SETTLE: BookSpec = {
  pairs: [{ seller: "A", buyer: "A", lossPpm: LOSS, transmission: S }],
  orders: [
    { kind: "consumer", region: "A", request: consumerOrder(100n, price("10"), 30n) },
    { kind: "consumer", region: "A", request: consumerOrder(50n, price("9"), 50n) },
    { kind: "wind", region: "A", request: windOrder(60n, price("3.8")) },
    { kind: "thermal", region: "A", request: thermalOrder(500n, price("2.85"), price("0.3"), price("0.2")) },
    { kind: "consumer", region: "A", request: consumerOrder(10n, price("12")) },
    { kind: "consumer", region: "A", request: consumerOrder(10n, price("1")) },
  ],
};

function split(buyer: bigint, seller: bigint, mwh: bigint, thermal: boolean, bid: bigint): TradeView {
  const q = thermal
    ? { bid, ask: price("2.85"), w: price("0.5"), lossPpm: LOSS, transmission: S }
    : { bid, ask: price("3.8"), lossPpm: LOSS, transmission: S };
  const p = surplusSplit(bid, q.ask, 0n, LOSS, bid - sellerCost(q));
  return { buyer, seller, mwh, thermal, buyerPrice: p.buyer, sellerPrice: p.seller };
}

const EXPECTED = [
  split(1n, 3n, 30n, false, price("10")),
  split(2n, 3n, 30n, false, price("9")),
  split(1n, 4n, 70n, true, price("10")),
  split(2n, 4n, 20n, true, price("9")),
];
const paid = (t: TradeView) => amount(t.buyerPrice, t.mwh);
const received = (t: TradeView) => amount(t.sellerPrice, t.mwh);
const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);

const ESCROW = {
  c1: amount(price("10"), 100n),
  c2: amount(price("9"), 50n),
  c6: amount(price("1"), 10n),
};
const GRID_FEES = sum(EXPECTED.map((t) => paid(t) - received(t)));

async function approvedFixture(): Promise<Book> {
  const b = await setupBook(SETTLE);
  await b.market.connect(b.owners[4]!).WITHDRAW(5n);
  await passDeadline(b);
  await matchAll(b);
  await b.market.connect(b.dispatch).approveMatching();
  return b;
}

async function gridTakesAllFixture(): Promise<Book> {
  const [deployer] = await ethers.getSigners();
  const rule = await new GridTakesAllPricing__factory(deployer).deploy();
  const b = await setupBook(
    {
      pairs: [{ seller: "A", buyer: "A" }],
      orders: [
        { kind: "consumer", region: "A", request: consumerOrder(10n, price("10"), 10n) },
        { kind: "wind", region: "A", request: windOrder(10n, price("4")) },
      ],
    },
    async (sys) => ({ pricing: await allowPricing(sys, rule) }),
  );
  await passDeadline(b);
  await matchAll(b);
  await b.market.connect(b.dispatch).approveMatching();
  return b;
}

/** Market balance = escrow still held + grid fees accrued but not yet paid. */
async function expectConserved(b: Book): Promise<void> {
  const r = await b.market.round(1n);
  const pending = r.state === RoundState.Closed ? 0n : r.gridFees;
  expect(await b.token.balanceOf(await b.market.getAddress())).to.equal((await escrowHeld(b, 1n)) + pending);
}

describe("DPLCMarket: settlement (TRANS)", function () {
  it("matched the book as the rules say (the basis of the numbers below)", async function () {
    const b = await loadFixture(approvedFixture);
    expect(await trades(b)).to.deep.equal(EXPECTED);
    // Trade 0 by hand: buyer 10 − 5.5/2 = 7.25, seller 3.8 + 5.5 × 0.95 / 2 = 6.4125.
    expect([EXPECTED[0]!.buyerPrice, EXPECTED[0]!.sellerPrice]).to.deep.equal([price("7.25"), price("6.4125")]);
  });

  describe("in one call", function () {
    it("pays each seller, refunds each consumer's leftover escrow and pays the grid company once", async function () {
      const b = await loadFixture(approvedFixture);
      const [c1, c2, w3, t4, c5, c6] = b.owners;
      const refund1 = ESCROW.c1 - paid(EXPECTED[0]!) - paid(EXPECTED[2]!);
      const refund2 = ESCROW.c2 - paid(EXPECTED[1]!) - paid(EXPECTED[3]!);
      const tx = b.market.connect(b.keeper).TRANS(100n);
      await expect(tx).to.changeTokenBalances(
        b.token,
        [c1!, c2!, w3!, t4!, c5!, c6!, b.gridCompany, b.market],
        [
          refund1,
          refund2,
          received(EXPECTED[0]!) + received(EXPECTED[1]!),
          received(EXPECTED[2]!) + received(EXPECTED[3]!),
          0n,
          ESCROW.c6,
          GRID_FEES,
          -(ESCROW.c1 + ESCROW.c2 + ESCROW.c6),
        ],
      );
      for (const [k, t] of EXPECTED.entries()) {
        await expect(tx)
          .to.emit(b.market, "MarketTradeSettled")
          .withArgs(1n, BigInt(k), paid(t), received(t), paid(t) - received(t));
      }
      await expect(tx).to.emit(b.market, "MarketEscrowRefunded").withArgs(1n, 1n, c1!.address, refund1);
      await expect(tx).to.emit(b.market, "MarketEscrowRefunded").withArgs(1n, 2n, c2!.address, refund2);
      await expect(tx).to.emit(b.market, "MarketEscrowRefunded").withArgs(1n, 6n, c6!.address, ESCROW.c6);
      await expect(tx).to.emit(b.market, "MarketRoundSettled").withArgs(1n, GRID_FEES);
      // No refund event for the withdrawn consumer or for generators.
      const receipt = await (await tx).wait();
      const refunds = receipt!.logs.filter((l) => b.market.interface.parseLog(l)?.name === "MarketEscrowRefunded");
      expect(refunds.length).to.equal(3);
    });

    it("closes the round with every trade settled, no escrow left and the supply unchanged", async function () {
      const b = await loadFixture(approvedFixture);
      const supply = await b.token.totalSupply();
      await b.market.TRANS(100n);
      const r = await b.market.round(1n);
      expect([r.state, r.settledTrades, r.gridFees]).to.deep.equal([RoundState.Closed, 4n, GRID_FEES]);
      for (let k = 0n; k < 4n; k++) expect((await b.market.trade(1n, k)).settled).to.equal(true);
      expect(await escrowHeld(b, 1n)).to.equal(0n);
      expect(await b.token.balanceOf(await b.market.getAddress())).to.equal(0n);
      expect(await b.token.totalSupply()).to.equal(supply);
    });

    it("charges no buyer above its bid and pays no seller below its ask", async function () {
      const b = await loadFixture(approvedFixture);
      await b.market.TRANS(100n);
      for (const t of await trades(b)) {
        const buyer = await b.market.order(t.buyer);
        const seller = await b.market.order(t.seller);
        expect(t.buyerPrice <= buyer.price).to.equal(true);
        expect(t.sellerPrice >= seller.price).to.equal(true);
        expect(t.sellerPrice <= t.buyerPrice).to.equal(true);
      }
    });
  });

  describe("in bounded steps", function () {
    it("settles one trade or refund per step, conserving tokens at every step, with the one-call result", async function () {
      const b = await loadFixture(approvedFixture);
      const watched = [...b.owners, b.gridCompany];
      const before = await Promise.all(watched.map((a) => b.token.balanceOf(a.address)));
      await expectConserved(b);
      let calls = 0;
      while ((await b.market.round(1n)).state === RoundState.Settling) {
        await b.market.connect(b.keeper).TRANS(1n);
        calls++;
        await expectConserved(b);
        const r = await b.market.round(1n);
        expect(r.settledTrades).to.equal(BigInt(Math.min(calls, 4)));
      }
      // 4 trades, then one refund step per order id of the round (1–6).
      expect(calls).to.equal(10);
      const after = await Promise.all(watched.map((a) => b.token.balanceOf(a.address)));
      const deltas = after.map((x, k) => x - before[k]!);

      const one = await loadFixture(approvedFixture);
      const oneBefore = await Promise.all(watched.map((a) => one.token.balanceOf(a.address)));
      await one.market.TRANS(1_000n);
      const oneAfter = await Promise.all(watched.map((a) => one.token.balanceOf(a.address)));
      expect(deltas).to.deep.equal(oneAfter.map((x, k) => x - oneBefore[k]!));
      expect(deltas[deltas.length - 1]).to.equal(GRID_FEES);
    });

    it("accrues grid fees while settling and pays them only at the end", async function () {
      const b = await loadFixture(approvedFixture);
      await expect(b.market.TRANS(2n)).to.changeTokenBalances(b.token, [b.gridCompany], [0n]);
      expect((await b.market.round(1n)).gridFees).to.equal(
        paid(EXPECTED[0]!) - received(EXPECTED[0]!) + paid(EXPECTED[1]!) - received(EXPECTED[1]!),
      );
      expect(await b.market.TRANS.staticCall(7n)).to.equal(false);
      await expect(b.market.TRANS(8n)).to.changeTokenBalances(b.token, [b.gridCompany], [GRID_FEES]);
    });
  });

  describe("when the grid company changed before settlement ended", function () {
    it("pays the fees to the new company", async function () {
      const b = await loadFixture(approvedFixture);
      const newCompany = b.users[13]!;
      await b.market.TRANS(3n);
      await b.grid.connect(b.admin).setGridCompany(newCompany.address);
      await expect(b.market.TRANS(100n)).to.changeTokenBalances(b.token, [b.gridCompany, newCompany], [0n, GRID_FEES]);
    });
  });

  describe("when the seller's price is zero", function () {
    it("pays the seller nothing and the grid company the whole payment", async function () {
      const b = await loadFixture(gridTakesAllFixture);
      const whole = amount(price("10"), 10n);
      const tx = b.market.TRANS(10n);
      await expect(tx).to.emit(b.market, "MarketTradeSettled").withArgs(1n, 0n, whole, 0n, whole);
      await expect(tx).to.changeTokenBalances(b.token, [b.owners[0]!, b.owners[1]!, b.gridCompany], [0n, 0n, whole]);
    });
  });

  describe("when the round is closed", function () {
    it("refuses a second settlement", async function () {
      const b = await loadFixture(approvedFixture);
      await settleAll(b);
      await expect(b.market.TRANS(1n))
        .to.be.revertedWithCustomError(b.market, "MarketWrongRoundState")
        .withArgs(1n, RoundState.Closed);
    });
  });
});
