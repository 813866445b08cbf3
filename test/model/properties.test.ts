import { expect } from "chai";
import fc from "fast-check";
import { curtail, matchRound, type MarketState } from "./market-model";
import { bookArb, cutPlanArb, resolveCuts } from "./arbitraries";
import { assertProperty, FC_SEED } from "./fc";
import { WAD } from "../../src/units";
import { checkAll, checkEachTradeIsTheScansBest, checkExhausted, checkGreedyOrder } from "./invariants";

describe(`market model: properties on random books (FC_SEED=${FC_SEED})`, function () {
  it("a fresh round respects quantities, green demand, caps, prices and settlement", function () {
    assertProperty(
      fc.property(bookArb, (book) => {
        const state = matchRound(book);
        checkAll(state);
        checkExhausted(state, 1);
        checkGreedyOrder(state);
      }),
    );
  });

  it("each trade of a fresh round is the best pair a scan of every pair finds at its step", function () {
    // Whole-token prices over lossless, free corridors, so converted values tie across consumers and sellers at once,
    // and few distinct ranks, so ties between ranks and between ids both occur.
    const whole = (x: bigint) => (x / WAD) * WAD;
    const tied = bookArb.chain((book) =>
      fc.array(fc.bigInt({ min: 0n, max: 3n }), { minLength: book.buyers.length + book.sellers.length, maxLength: book.buyers.length + book.sellers.length }).map((ranks) => ({
        ...book,
        buyers: book.buyers.map((b) => ({ ...b, bid: whole(b.bid), tie: ranks[b.id - 1]! })),
        sellers: book.sellers.map((s) => ({ ...s, ask: whole(s.ask), w: whole(s.w), tie: ranks[s.id - 1]! })),
        corridors: book.corridors.map((c) => ({ ...c, lossPpm: 0n, transmission: whole(c.transmission) })),
        round: { ...book.round, windCertCost: 0n, thermalCertCost: 0n },
      })),
    );
    assertProperty(fc.property(fc.oneof(bookArb, tied), (book) => checkEachTradeIsTheScansBest(matchRound(book))));
  });

  it("every curtailment and re-matching keeps the invariants and never grows an earlier trade", function () {
    assertProperty(
      fc.property(bookArb, cutPlanArb, (book, plan) => {
        let state: MarketState = matchRound(book);
        for (const picks of plan) {
          const cuts = resolveCuts(state, picks);
          if (cuts.length === 0) break;
          const next = curtail(state, cuts);
          checkAll(next);
          expect(next.trades.length >= state.trades.length).to.equal(true);
          state.trades.forEach((before, k) => {
            const after = next.trades[k]!;
            expect({ ...after, mwh: 0n }).to.deep.equal({ ...before, mwh: 0n });
            const cut = cuts.filter((c) => c.tradeId === k).reduce((a, c) => a + c.mwh, 0n);
            expect(after.mwh <= before.mwh - cut, `trade ${k} after its cut`).to.equal(true);
          });
          state = next;
        }
      }),
    );
  });

  it("ties follow the tie ranks, not the ids: relabelling the orders in any order changes no one's trades", function () {
    const relabelArb = bookArb.chain((book) => {
      const n = book.buyers.length + book.sellers.length;
      return fc.tuple(
        fc.constant(book),
        fc.shuffledSubarray([...Array(n).keys()].map((k) => k + 1), { minLength: n, maxLength: n }),
        fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { minLength: n, maxLength: n }),
      );
    });
    assertProperty(
      fc.property(relabelArb, ([book, ids, ranks]) => {
        // Each order keeps its rank (it comes from its commitment); only its id, the position the orderer gave it, moves.
        const ranked = {
          ...book,
          buyers: book.buyers.map((b) => ({ ...b, tie: ranks[b.id - 1]! })),
          sellers: book.sellers.map((s) => ({ ...s, tie: ranks[s.id - 1]! })),
        };
        const newId = (id: number) => ids[id - 1]!;
        const relabelled = {
          ...ranked,
          buyers: ranked.buyers.map((b) => ({ ...b, id: newId(b.id) })),
          sellers: ranked.sellers.map((s) => ({ ...s, id: newId(s.id) })),
        };
        // Distinct ranks (a 64-bit collision aside): the ids never decide.
        fc.pre(new Set(ranks).size === ranks.length);
        const before = matchRound(ranked).trades.map((t) => ({ ...t, buyer: newId(t.buyer), seller: newId(t.seller) }));
        expect(matchRound(relabelled).trades).to.deep.equal(before);
      }),
    );
  });

  it("is deterministic: the same book gives the same trades", function () {
    assertProperty(
      fc.property(bookArb, (book) => {
        expect(matchRound(book)).to.deep.equal(matchRound(book));
      }),
      50,
    );
  });
});
