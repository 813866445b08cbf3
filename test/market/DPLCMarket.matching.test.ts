import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { GridTakesAllPricing__factory, InvertedPricing__factory, OverbidPricing__factory } from "../../typechain-types";
import {
  Kind,
  RoundState,
  b32,
  consumerOrder,
  fund,
  join,
  openRound,
  settleAll,
  matchAll,
  passDeadline,
  setPairs,
  setupBook,
  thermalOrder,
  trades,
  windOrder,
  type Book,
  type BookSpec,
  type TradeView,
  allowPricing,
  list,
} from "../helpers/fixtures";
import { amount, paperTable, price, sellerCost, surplusSplit } from "../helpers/rules";

/** A trade priced by surplus-split from the pair's converted value. */
function splitTrade(
  buyer: bigint,
  seller: bigint,
  mwh: bigint,
  thermal: boolean,
  q: { bid: bigint; ask: bigint; x?: bigint; w?: bigint; lossPpm?: bigint; transmission?: bigint },
): TradeView {
  const cost = sellerCost(q);
  const p = surplusSplit(q.bid, q.ask, q.x ?? 0n, q.lossPpm ?? 0n, q.bid - cost);
  return { buyer, seller, mwh, thermal, buyerPrice: p.buyer, sellerPrice: p.seller };
}

// ---- two phases and the bundling cap ------------------------------------------------------------------------
// ε = 5 %, S = 0.5 on A→A. Wind 2 (ask 3.8): cost = 3.8/0.95 + 0.5 = 4.5, q = 5.5. Wind 4 (ask 7.6): cost 8.5,
// q = 1.5. Thermal 3 (ask 2.85, W = 0.3 + 0.2): cost = 3 + 0.5 + 0.5 = 4, q = 6.
// Phase 1: consumer 1 wants min(G, Q) = 40 wind: 30 from wind 2 (best q), then 10 from wind 4.
// Phase 2: demand 200 − 40 = 160, cap = 40 × 3 = 120 → 120 MWh from thermal 3, then the cap is used up.
const LOSS = 50_000n;
const S = price("0.5");
const PHASES: BookSpec = {
  pairs: [{ seller: "A", buyer: "A", lossPpm: LOSS, transmission: S }],
  orders: [
    { kind: "consumer", region: "A", request: consumerOrder(200n, price("10"), 40n) },
    { kind: "wind", region: "A", request: windOrder(30n, price("3.8")) },
    { kind: "thermal", region: "A", request: thermalOrder(500n, price("2.85"), price("0.3"), price("0.2")) },
    { kind: "wind", region: "A", request: windOrder(50n, price("7.6")) },
  ],
};
const phasesFixture = () => setupBook(PHASES);
const phasesPaperFixture = () =>
  setupBook(PHASES, async (sys) => ({ pricing: await sys.pricing["paper-table"].getAddress() }));

// ---- the greatest converted value first, across region pairs ----------------------------------------------------
// A→A free; A→B costs S = 2. Consumer 1 (A, bid 10) has q = 10 − 4 = 6; consumer 2 (B, bid 11) has q = 11 − 6 = 5,
// so the lower bid goes first. Wind 3 has 50 MWh: 30 to consumer 1, the remaining 20 to consumer 2.
const ACROSS: BookSpec = {
  pairs: [
    { seller: "A", buyer: "A" },
    { seller: "A", buyer: "B", transmission: price("2") },
  ],
  orders: [
    { kind: "consumer", region: "A", request: consumerOrder(30n, price("10"), 30n) },
    { kind: "consumer", region: "B", request: consumerOrder(30n, price("11"), 30n) },
    { kind: "wind", region: "A", request: windOrder(50n, price("4")) },
  ],
};
const acrossFixture = () => setupBook(ACROSS);

// Ties (pairs of equal converted value) are ranked by the revealed salts, not by order id: DPLCMarket.ties.test.ts.

// ---- sparse regions -------------------------------------------------------------------------------------------
// Regions get indexes A = 1, C = 2, B = 3 in pair order. Consumers only in B, wind only in A (which reaches only
// A) and C (which reaches only B): the scan must skip empty regions and unreachable pairs. Wind 2 in C sells to
// consumer 1 (q = 10 − 4 = 6); wind 3 in A cannot.
const SPARSE: BookSpec = {
  pairs: [
    { seller: "A", buyer: "A" },
    { seller: "C", buyer: "B" },
  ],
  orders: [
    { kind: "consumer", region: "B", request: consumerOrder(10n, price("10"), 10n) },
    { kind: "wind", region: "C", request: windOrder(4n, price("4")) },
    { kind: "wind", region: "A", request: windOrder(10n, price("1")) },
  ],
};
const sparseFixture = () => setupBook(SPARSE);

// ---- seller regions competing for one buyer region --------------------------------------------------------------
// Buyer region A is reached by two wind regions (A: ask 4.1, D: ask 4.0; lossless, free) and two thermal regions:
// B (ask 3, W = 0.6 + 0.4, ε = 20 %: cost 3 / 0.8 + 1 = 4.75) and C (ask 4.8, lossless: cost 4.8). Each region
// enters A's heaps with a key from its cheapest seller when the load ends; B's key must not exceed 4.75 (dividing
// F_S + X + W by 1 − ε would give 5), or C would trade first. Phase 1: G = 10 from wind 5 (D). Phase 2: the cap
// 10 × 3 = 30 from thermal 3 (B).
const COMPETING: BookSpec = {
  pairs: [
    { seller: "A", buyer: "A" },
    { seller: "B", buyer: "A", lossPpm: 200_000n },
    { seller: "C", buyer: "A" },
    { seller: "D", buyer: "A" },
  ],
  orders: [
    { kind: "consumer", region: "A", request: consumerOrder(40n, price("10"), 10n) },
    { kind: "wind", region: "A", request: windOrder(10n, price("4.1")) },
    { kind: "thermal", region: "B", request: thermalOrder(30n, price("3"), price("0.6"), price("0.4")) },
    { kind: "thermal", region: "C", request: thermalOrder(30n, price("4.8")) },
    { kind: "wind", region: "D", request: windOrder(10n, price("4.0")) },
  ],
};
const competingFixture = () => setupBook(COMPETING);

// ---- grid snapshot -------------------------------------------------------------------------------------------
// The round copies a seller region's pairs when matching starts. Later grid changes wait for the next round.
const SNAPSHOT: BookSpec = {
  pairs: [{ seller: "A", buyer: "A" }],
  orders: [
    { kind: "consumer", region: "A", request: consumerOrder(10n, price("10"), 10n) },
    { kind: "wind", region: "A", request: windOrder(10n, price("4")) },
  ],
};
const snapshotFixture = () => setupBook(SNAPSHOT);
/** Consumer 1 in A; wind sellers 2 (1 MWh, withdrawn in the test) and 3 in B; A→A, B→B exist, B→A not yet. */
async function freezeFixture(): Promise<Book> {
  const b = await setupBook({
    pairs: [{ seller: "A", buyer: "A" }, { seller: "B", buyer: "B" }],
    orders: [
      { kind: "consumer", region: "A", request: consumerOrder(10n, price("10"), 10n) },
      { kind: "wind", region: "B", request: windOrder(1n, price("4")) },
    ],
  });
  await join(b, b.users[2]!, Kind.Wind, "B");
  return { ...b, owners: [...b.owners, b.users[2]!] };
}

// ---- region pairs without parameters ------------------------------------------------------------------------
// Only A→A and B→A exist. Consumer 1 in B bids 10 but no seller can reach B; consumer 3 in A (bid 2) buys.
const NO_PAIR: BookSpec = {
  pairs: [
    { seller: "A", buyer: "A" },
    { seller: "B", buyer: "A" },
  ],
  orders: [
    { kind: "consumer", region: "B", request: consumerOrder(10n, price("10"), 10n) },
    { kind: "wind", region: "A", request: windOrder(10n, price("1")) },
    { kind: "consumer", region: "A", request: consumerOrder(10n, price("2"), 10n) },
  ],
};
const noPairFixture = () => setupBook(NO_PAIR);

// ---- corridor capacity -------------------------------------------------------------------------------------
// A→A carries at most 25 MWh per round (q = 6); B→A is unlimited with S = 1 (q = 5). Consumer 1 wants 40 MWh.
const CORRIDOR: BookSpec = {
  pairs: [
    { seller: "A", buyer: "A", capacity: 25n },
    { seller: "B", buyer: "A", transmission: price("1") },
  ],
  orders: [
    { kind: "consumer", region: "A", request: consumerOrder(40n, price("10"), 40n) },
    { kind: "wind", region: "A", request: windOrder(100n, price("4")) },
    { kind: "wind", region: "B", request: windOrder(100n, price("4")) },
  ],
};
const corridorFixture = () => setupBook(CORRIDOR);

// ---- only a positive converted value trades, costs rounded up ----------------------------------------------------
// ε = 30 %: cost of ask 1 = ceil(10^24 / 700000) = 1.428571428571428572 (rounded up). Consumer 1 bids exactly the
// cost (q = 0: no trade); consumer 2 bids one wei more (q = 1 wei: trade, buyer pays its bid, seller its ask).
const ROUNDING_COST = sellerCost({ ask: price("1"), lossPpm: 300_000n });
const ROUNDING: BookSpec = {
  pairs: [{ seller: "A", buyer: "A", lossPpm: 300_000n }],
  orders: [
    { kind: "consumer", region: "A", request: consumerOrder(10n, ROUNDING_COST, 10n) },
    { kind: "consumer", region: "A", request: consumerOrder(5n, ROUNDING_COST + 1n, 5n) },
    { kind: "wind", region: "A", request: windOrder(100n, price("1")) },
  ],
};
const roundingFixture = () => setupBook(ROUNDING);

// ---- green demand and thermal-only consumers ----------------------------------------------------------------
// Consumer 1 (bid 10, G = 0) buys no wind even though wind is left; consumer 2 (bid 9, G = 10) buys 10 wind.
// Phase 2: cap = 10 × 3 = 30; consumer 1 takes 20 thermal (q = 10 − 4 = 6); consumer 2 has no demand left.
const GREEN: BookSpec = {
  pairs: [{ seller: "A", buyer: "A" }],
  orders: [
    { kind: "consumer", region: "A", request: consumerOrder(20n, price("10"), 0n) },
    { kind: "consumer", region: "A", request: consumerOrder(10n, price("9"), 10n) },
    { kind: "wind", region: "A", request: windOrder(100n, price("4")) },
    { kind: "thermal", region: "A", request: thermalOrder(100n, price("4")) },
  ],
};
const greenFixture = () => setupBook(GREEN);

// Consumer 1 wants all 10 MWh green but only 4 wind exist: the other 6 come from thermal (cap 4 × 3 = 12).
const GREEN_FALLBACK: BookSpec = {
  pairs: [{ seller: "A", buyer: "A" }],
  orders: [
    { kind: "consumer", region: "A", request: consumerOrder(10n, price("10"), 10n) },
    { kind: "wind", region: "A", request: windOrder(4n, price("4")) },
    { kind: "thermal", region: "A", request: thermalOrder(100n, price("4")) },
  ],
};
const greenFallbackFixture = () => setupBook(GREEN_FALLBACK);

// ---- no wind, no thermal -------------------------------------------------------------------------------------
const NO_WIND: BookSpec = {
  pairs: [{ seller: "A", buyer: "A" }],
  orders: [
    { kind: "consumer", region: "A", request: consumerOrder(10n, price("10"), 0n) },
    { kind: "thermal", region: "A", request: thermalOrder(100n, price("1")) },
  ],
};
const noWindFixture = () => setupBook(NO_WIND);

// ---- certificate costs X --------------------------------------------------------------------------------------
// X = 0.5 for wind and 1 for thermal; ε = 20 %, S = 0.1. Wind (ask 3.5): cost = 4/0.8 + 0.1 = 5.1.
// Thermal (ask 3, W = 0.5): cost = 4/0.8 + 0.1 + 0.5 = 5.6. Consumer: Q = 20, G = 10, bid 10; ratio 1.
const CERT: BookSpec = {
  pairs: [{ seller: "A", buyer: "A", lossPpm: 200_000n, transmission: price("0.1") }],
  round: { windCertCost: price("0.5"), thermalCertCost: price("1"), bundlingRatioBps: 10_000 },
  orders: [
    { kind: "consumer", region: "A", request: consumerOrder(20n, price("10"), 10n) },
    { kind: "wind", region: "A", request: windOrder(10n, price("3.5")) },
    { kind: "thermal", region: "A", request: thermalOrder(10n, price("3"), price("0.2"), price("0.3")) },
  ],
};
const certFixture = () => setupBook(CERT);

// ---- withdrawn orders -------------------------------------------------------------------------------------------
// Consumer 1 (bid 12) and wind 3 (ask 1) are the best orders but are withdrawn before the deadline.
const WITHDRAWN: BookSpec = {
  pairs: [{ seller: "A", buyer: "A" }],
  orders: [
    { kind: "consumer", region: "A", request: consumerOrder(10n, price("12"), 10n) },
    { kind: "consumer", region: "A", request: consumerOrder(10n, price("10"), 10n) },
    { kind: "wind", region: "A", request: windOrder(10n, price("1")) },
    { kind: "wind", region: "A", request: windOrder(10n, price("4")) },
  ],
};
async function withdrawnFixture(): Promise<Book> {
  const b = await setupBook(WITHDRAWN);
  await b.market.connect(b.owners[0]!).WITHDRAW(1n);
  await b.market.connect(b.owners[2]!).WITHDRAW(3n);
  return b;
}

// ---- a larger book for stepped matching -----------------------------------------------------------------------
// Two regions, losses, a capped corridor, withdrawn orders at heap tops, both phases and the bundling cap.
const STEPPED: BookSpec = {
  pairs: [
    { seller: "A", buyer: "A", lossPpm: 20_000n, transmission: price("0.2"), capacity: 60n },
    { seller: "A", buyer: "B", lossPpm: 50_000n, transmission: price("0.4") },
    { seller: "B", buyer: "A", lossPpm: 40_000n, transmission: price("0.3") },
    { seller: "B", buyer: "B", transmission: price("0.1") },
  ],
  round: { bundlingRatioBps: 15_000 },
  orders: [
    { kind: "consumer", region: "A", request: consumerOrder(50n, price("9"), 20n) },
    { kind: "consumer", region: "B", request: consumerOrder(40n, price("12"), 40n) }, // withdrawn
    { kind: "wind", region: "A", request: windOrder(30n, price("0.5")) }, // withdrawn
    { kind: "wind", region: "A", request: windOrder(35n, price("4")) },
    { kind: "consumer", region: "B", request: consumerOrder(60n, price("8"), 30n) },
    { kind: "wind", region: "B", request: windOrder(25n, price("3.5")) },
    { kind: "thermal", region: "A", request: thermalOrder(40n, price("3"), price("0.2"), price("0.1")) },
    { kind: "thermal", region: "B", request: thermalOrder(80n, price("2.5"), price("0.5"), price("0.5")) },
    { kind: "consumer", region: "A", request: consumerOrder(30n, price("9"), 10n) },
    { kind: "thermal", region: "A", request: thermalOrder(20n, price("1"), 0n, 0n) }, // withdrawn
    { kind: "wind", region: "B", request: windOrder(15n, price("5")) },
  ],
};
async function steppedFixture(): Promise<Book> {
  const b = await setupBook(STEPPED);
  for (const id of [2n, 3n, 10n]) await b.market.connect(b.owners[Number(id) - 1]!).WITHDRAW(id);
  await passDeadline(b);
  return b;
}

async function runToMatched(b: Book, steps?: bigint): Promise<number> {
  await passDeadline(b);
  return matchAll(b, steps);
}

describe("DPLCMarket: matching", function () {
  describe("two phases under the bundling cap", function () {
    it("fills green demand from wind sellers by converted value, then thermal up to ratio × wind", async function () {
      const b = await loadFixture(phasesFixture);
      await passDeadline(b);
      const wind2 = { bid: price("10"), ask: price("3.8"), lossPpm: LOSS, transmission: S };
      const wind4 = { ...wind2, ask: price("7.6") };
      const thermal3 = { ...wind2, ask: price("2.85"), w: price("0.5") };
      const expected = [
        splitTrade(1n, 2n, 30n, false, wind2),
        splitTrade(1n, 4n, 10n, false, wind4),
        splitTrade(1n, 3n, 120n, true, thermal3),
      ];
      // Spot-check the arithmetic by hand: buyer 10 − 5.5/2 = 7.25; seller 3.8 + 5.5 × 0.95 / 2 = 6.4125.
      expect([expected[0]!.buyerPrice, expected[0]!.sellerPrice]).to.deep.equal([price("7.25"), price("6.4125")]);
      const tx = b.market.connect(b.keeper).matchOrders(100n);
      for (const [k, t] of expected.entries()) {
        await expect(tx)
          .to.emit(b.market, "MarketTradeMatched")
          .withArgs(1n, BigInt(k), t.buyer, t.seller, t.mwh, t.buyerPrice, t.sellerPrice);
      }
      await expect(tx).to.emit(b.market, "MarketMatchingCompleted").withArgs(1n, 3n, 40n, 120n);
      expect(await trades(b)).to.deep.equal(expected);
      const r = await b.market.round(1n);
      expect([r.state, r.windTotalMwh, r.thermalTotalMwh, r.tradeCount]).to.deep.equal([RoundState.Matched, 40n, 120n, 3n]);
    });

    it("updates the fills of every order", async function () {
      const b = await loadFixture(phasesFixture);
      await runToMatched(b);
      const fills = async (id: bigint) => {
        const o = await b.market.order(id);
        return [o.windFilledMwh, o.thermalFilledMwh];
      };
      expect(await fills(1n)).to.deep.equal([40n, 120n]);
      expect(await fills(2n)).to.deep.equal([30n, 0n]); // sellers count energy sold in windFilledMwh
      expect(await fills(3n)).to.deep.equal([120n, 0n]);
      expect(await fills(4n)).to.deep.equal([10n, 0n]);
    });

    describe("with the paper-table rule", function () {
      it("prices each trade with the round's rule", async function () {
        const b = await loadFixture(phasesPaperFixture);
        await runToMatched(b);
        const bid = price("10");
        const priced = (buyer: bigint, seller: bigint, mwh: bigint, thermal: boolean, ask: bigint): TradeView => {
          const p = paperTable(bid, ask);
          return { buyer, seller, mwh, thermal, buyerPrice: p.buyer, sellerPrice: p.seller };
        };
        // Same matching as surplus-split (matching uses converted values, not the rule); only prices differ:
        // wind 2: buyer (10 + 3.8)/2 = 6.9, seller (11.4 − 10)/2 = 0.7.
        expect(await trades(b)).to.deep.equal([
          priced(1n, 2n, 30n, false, price("3.8")),
          priced(1n, 4n, 10n, false, price("7.6")),
          priced(1n, 3n, 120n, true, price("2.85")),
        ]);
        expect((await b.market.trade(1n, 0n)).sellerPrice).to.equal(price("0.7"));
      });
    });
  });

  it("takes the greatest converted value first, not the highest bid", async function () {
    const b = await loadFixture(acrossFixture);
    await runToMatched(b);
    expect(await trades(b)).to.deep.equal([
      splitTrade(1n, 3n, 30n, false, { bid: price("10"), ask: price("4") }),
      splitTrade(2n, 3n, 20n, false, { bid: price("11"), ask: price("4"), transmission: price("2") }),
    ]);
  });

  describe("when regions are sparse", function () {
    it("skips regions without orders and seller regions that cannot reach the buyer", async function () {
      const b = await loadFixture(sparseFixture);
      await runToMatched(b);
      expect(await trades(b)).to.deep.equal([splitTrade(1n, 2n, 4n, false, { bid: price("10"), ask: price("4") })]);
      expect((await b.market.order(3n)).windFilledMwh).to.equal(0n);
    });
  });

  describe("when several seller regions reach a buyer region", function () {
    it("trades the cheapest region's seller of each kind first", async function () {
      const b = await loadFixture(competingFixture);
      await runToMatched(b);
      expect(await trades(b)).to.deep.equal([
        splitTrade(1n, 5n, 10n, false, { bid: price("10"), ask: price("4.0") }),
        splitTrade(1n, 3n, 30n, true, { bid: price("10"), ask: price("3"), w: price("1"), lossPpm: 200_000n }),
      ]);
    });
  });

  describe("when the grid changes after sellers listed, before matching starts", function () {
    it("matches the round with the parameters in force when matching starts", async function () {
      const b = await loadFixture(snapshotFixture);
      // S = 5 and 1 MWh capacity leave q = 10 − (4 + 5) = 1 over one MWh.
      await b.grid.connect(b.gridCompany).setPair(b32("A"), b32("A"), 0n, price("5"), 1n);
      await runToMatched(b);
      expect(await trades(b)).to.deep.equal([
        splitTrade(1n, 2n, 1n, false, { bid: price("10"), ask: price("4"), transmission: price("5") }),
      ]);
    });

    it("trades over a corridor the grid company added after a seller of the region listed and withdrew", async function () {
      // The finding: a generator lists 1 MWh and withdraws at once; the corridor B→A added afterwards was ignored.
      const b = await loadFixture(freezeFixture);
      await b.market.connect(b.owners[1]!).WITHDRAW(2n);
      await setPairs(b, [{ seller: "B", buyer: "A" }]);
      await list(b, b.owners[2]!, windOrder(10n, price("4")));
      await runToMatched(b);
      expect(await trades(b)).to.deep.equal([splitTrade(1n, 3n, 10n, false, { bid: price("10"), ask: price("4") })]);
    });
  });

  describe("when the grid changes after matching started", function () {
    it("keeps the corridors copied when matching started", async function () {
      const b = await loadFixture(snapshotFixture);
      await passDeadline(b);
      // One step copies region A's corridors; the change comes before the sellers are even queued.
      await b.market.matchOrders(1n);
      await b.grid.connect(b.gridCompany).setPair(b32("A"), b32("A"), 0n, price("5"), 1n);
      await matchAll(b);
      expect(await trades(b)).to.deep.equal([splitTrade(1n, 2n, 10n, false, { bid: price("10"), ask: price("4") })]);
    });

    it("still trades over a pair removed after matching started, and not in the next round", async function () {
      const b = await loadFixture(snapshotFixture);
      await passDeadline(b);
      await b.market.matchOrders(1n);
      await b.grid.connect(b.gridCompany).removePair(b32("A"), b32("A"));
      await matchAll(b);
      expect((await b.market.round(1n)).tradeCount).to.equal(1n);
      await b.market.connect(b.dispatch).approveMatching();
      await settleAll(b);
      await openRound(b);
      await fund(b, b.owners[0]!, amount(price("10"), 10n));
      await list(b, b.owners[0]!, consumerOrder(10n, price("10"), 10n));
      await list(b, b.owners[1]!, windOrder(10n, price("4")));
      await passDeadline(b);
      await expect(b.market.matchOrders(100n)).to.emit(b.market, "MarketMatchingCompleted").withArgs(2n, 0n, 0n, 0n);
    });
  });

  describe("when a region pair has no grid parameters", function () {
    it("never trades over it", async function () {
      const b = await loadFixture(noPairFixture);
      await runToMatched(b);
      expect(await trades(b)).to.deep.equal([splitTrade(3n, 2n, 10n, false, { bid: price("2"), ask: price("1") })]);
      expect((await b.market.order(1n)).windFilledMwh).to.equal(0n);
    });
  });

  describe("when a corridor has a capacity", function () {
    it("sends no more than the capacity and routes the rest over another corridor", async function () {
      const b = await loadFixture(corridorFixture);
      await runToMatched(b);
      expect(await trades(b)).to.deep.equal([
        splitTrade(1n, 2n, 25n, false, { bid: price("10"), ask: price("4") }),
        splitTrade(1n, 3n, 15n, false, { bid: price("10"), ask: price("4"), transmission: price("1") }),
      ]);
    });
  });

  it("trades only a positive converted value, with the loss-adjusted cost rounded up", async function () {
    const b = await loadFixture(roundingFixture);
    await runToMatched(b);
    // 10^24 / 700000 = 1428571428571428571.43 → 1428571428571428572.
    expect(ROUNDING_COST).to.equal(1_428_571_428_571_428_572n);
    expect(await trades(b)).to.deep.equal([
      // Δf = 1 wei: buyer bid − floor(1/2) = bid; seller 1 + floor(0.35) = 1.
      { buyer: 2n, seller: 3n, mwh: 5n, thermal: false, buyerPrice: ROUNDING_COST + 1n, sellerPrice: price("1") },
    ]);
  });

  describe("green demand", function () {
    it("limits wind per consumer, and consumers without it buy only thermal", async function () {
      const b = await loadFixture(greenFixture);
      await runToMatched(b);
      expect(await trades(b)).to.deep.equal([
        splitTrade(2n, 3n, 10n, false, { bid: price("9"), ask: price("4") }),
        splitTrade(1n, 4n, 20n, true, { bid: price("10"), ask: price("4") }),
      ]);
      const r = await b.market.round(1n);
      expect([r.windTotalMwh, r.thermalTotalMwh]).to.deep.equal([10n, 20n]);
    });
  });

  describe("when green demand exceeds the wind on offer", function () {
    it("fills the rest of the quantity with thermal within the cap", async function () {
      const b = await loadFixture(greenFallbackFixture);
      await runToMatched(b);
      const q = { bid: price("10"), ask: price("4") };
      expect(await trades(b)).to.deep.equal([splitTrade(1n, 2n, 4n, false, q), splitTrade(1n, 3n, 6n, true, q)]);
    });
  });

  describe("when no wind traded", function () {
    it("trades no thermal either", async function () {
      const b = await loadFixture(noWindFixture);
      await passDeadline(b);
      await expect(b.market.matchOrders(100n)).to.emit(b.market, "MarketMatchingCompleted").withArgs(1n, 0n, 0n, 0n);
    });
  });

  describe("with certificate costs", function () {
    it("adds X to each seller's cost and price", async function () {
      const b = await loadFixture(certFixture);
      await runToMatched(b);
      const base = { bid: price("10"), lossPpm: 200_000n, transmission: price("0.1") };
      const wind = { ...base, ask: price("3.5"), x: price("0.5") };
      const thermal = { ...base, ask: price("3"), x: price("1"), w: price("0.5") };
      expect(sellerCost(wind)).to.equal(price("5.1"));
      expect(sellerCost(thermal)).to.equal(price("5.6"));
      // Ratio 1: thermal ≤ 10 wind MWh.
      expect(await trades(b)).to.deep.equal([splitTrade(1n, 2n, 10n, false, wind), splitTrade(1n, 3n, 10n, true, thermal)]);
      // Wind: Δf = 4.9; seller 3.5 + 0.5 + 4.9 × 0.8 / 2 = 5.96.
      expect((await b.market.trade(1n, 0n)).sellerPrice).to.equal(price("5.96"));
    });
  });

  describe("when orders were withdrawn", function () {
    it("skips them", async function () {
      const b = await loadFixture(withdrawnFixture);
      await runToMatched(b);
      expect(await trades(b)).to.deep.equal([splitTrade(2n, 4n, 10n, false, { bid: price("10"), ask: price("4") })]);
    });
  });

  describe("in bounded steps", function () {
    it("gives the same trades with a budget of 1 as in one call", async function () {
      const b = await loadFixture(steppedFixture);
      await expect(b.market.matchOrders(10_000n)).to.emit(b.market, "MarketMatchingCompleted");
      const oneCall = await trades(b);
      const totals = await b.market.round(1n);
      expect(oneCall.length).to.be.greaterThan(4);

      const s = await loadFixture(steppedFixture);
      let calls = 0;
      while ((await s.market.round(1n)).state === RoundState.Open) {
        const done = await s.market.matchOrders.staticCall(1n);
        if (done) await expect(s.market.matchOrders(1n)).to.emit(s.market, "MarketMatchingCompleted");
        else await expect(s.market.matchOrders(1n)).not.to.emit(s.market, "MarketMatchingCompleted");
        calls++;
      }
      expect(calls).to.be.greaterThan(oneCall.length);
      expect(await trades(s)).to.deep.equal(oneCall);
      const r = await s.market.round(1n);
      expect([r.windTotalMwh, r.thermalTotalMwh]).to.deep.equal([totals.windTotalMwh, totals.thermalTotalMwh]);
    });

    it("gives the same trades with budgets of 2 and 3", async function () {
      const b = await loadFixture(steppedFixture);
      await matchAll(b, 10_000n);
      const oneCall = await trades(b);
      for (const steps of [2n, 3n]) {
        const s = await loadFixture(steppedFixture);
        await matchAll(s, steps);
        expect(await trades(s)).to.deep.equal(oneCall);
      }
    });
  });

  describe("with a pricing rule that breaks the price bounds", function () {
    it("refuses a buyer price above the bid", async function () {
      const b = await loadFixture(overbidFixture);
      await passDeadline(b);
      // The only pair: bid 10 → the rule answers (10 + 1 wei, 0).
      await expect(b.market.matchOrders(100n))
        .to.be.revertedWithCustomError(b.market, "MarketInvalidPrices")
        .withArgs(0n, price("10") + 1n, 0n);
    });

    it("refuses a seller price above the buyer price", async function () {
      const b = await loadFixture(invertedFixture);
      await passDeadline(b);
      await expect(b.market.matchOrders(100n))
        .to.be.revertedWithCustomError(b.market, "MarketInvalidPrices")
        .withArgs(0n, price("10"), price("10") + 1n);
    });

    it("accepts an extreme rule that stays within the bounds", async function () {
      const b = await loadFixture(gridTakesAllFixture);
      await runToMatched(b);
      expect(await trades(b)).to.deep.equal([
        { buyer: 1n, seller: 2n, mwh: 10n, thermal: false, buyerPrice: price("10"), sellerPrice: 0n },
      ]);
    });
  });
});

const SIMPLE: BookSpec = {
  pairs: [{ seller: "A", buyer: "A" }],
  orders: [
    { kind: "consumer", region: "A", request: consumerOrder(10n, price("10"), 10n) },
    { kind: "wind", region: "A", request: windOrder(10n, price("4")) },
  ],
};
async function overbidFixture(): Promise<Book> {
  const [deployer] = await ethers.getSigners();
  const rule = await new OverbidPricing__factory(deployer).deploy();
  return setupBook(SIMPLE, async (sys) => ({ pricing: await allowPricing(sys, rule) }));
}
async function invertedFixture(): Promise<Book> {
  const [deployer] = await ethers.getSigners();
  const rule = await new InvertedPricing__factory(deployer).deploy();
  return setupBook(SIMPLE, async (sys) => ({ pricing: await allowPricing(sys, rule) }));
}
async function gridTakesAllFixture(): Promise<Book> {
  const [deployer] = await ethers.getSigners();
  const rule = await new GridTakesAllPricing__factory(deployer).deploy();
  return setupBook(SIMPLE, async (sys) => ({ pricing: await allowPricing(sys, rule) }));
}
