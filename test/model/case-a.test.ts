import { expect } from "chai";
import path from "node:path";
import { runCaseA } from "./market-model";

const DIR = path.join(__dirname, "..", "..", "data", "case-a");

describe("market model: the paper's Case A", function () {
  // Hand check of the matching order (all sellers in A; ε, S from Table 1; W = env + subsidy; X = 0):
  // Phase 1, converted values q = F_B − F_S / (1 − ε) − S:
  //   D–W2  = 5.643 − 3.424/0.935 − 0.9 = 1.0810 (the best pair) -> min(G_D 4355, 5324) = 4355
  //   B2–W2 = 5.221 − 3.424/0.94 − 0.8 = 0.7784 -> W2's last 969
  //   B2–W3 = 5.221 − 3.511/0.94 − 0.8 = 0.6859 -> 5828 (B2 still wants 8932 − 969 = 7963)
  //   B2–W4 = 5.221 − 3.533/0.94 − 0.8 = 0.6625 -> B2's last 2135
  //   B1–W4 = 5.123 − 4.5585 = 0.5645 (> B1–W1 0.4953) -> 3425, W4 keeps 7801 − 2135 − 3425 = 2241
  //   C–W4  = 5.134 − 3.533/0.93 − 1 = 0.3351 (> C–W1 0.2652) -> 2241; then C–W1 -> 3486 (C's 7463 not met)
  //   wind total = 3486 + 5324 + 5828 + 7801 = 22439 (all wind sold) -> thermal cap = 3 × 22439 = 67317
  // Phase 2, D first (q with A->D): H4 = 5.643 − 3.144/0.935 − 0.9 − 0.2 = 1.1804, H1 1.1644, H3 1.1580,
  //   H2 = 5.643 − 3.123/0.935 − 0.9 − 0.25 = 1.1529 -> 6343, 12326, 23198, then 53928 − 4355 − 41867 = 7706
  //   H2 is the only thermal left: B2 (q 0.8487) 24353 − 8932 = 15421; B1 (0.7507) gets the cap's rest:
  //   67317 − (6343 + 12326 + 23198 + 7706 + 15421) = 2323
  const EXPECTED: [string, string, number][] = [
    ["D", "W2", 4355],
    ["B2", "W2", 969],
    ["B2", "W3", 5828],
    ["B2", "W4", 2135],
    ["B1", "W4", 3425],
    ["C", "W4", 2241],
    ["C", "W1", 3486],
    ["D", "H4", 6343],
    ["D", "H1", 12326],
    ["D", "H3", 23198],
    ["D", "H2", 7706],
    ["B2", "H2", 15421],
    ["B1", "H2", 2323],
  ];

  for (const pricing of ["surplus-split", "paper-table"] as const) {
    it(`matches in the hand-checked order (${pricing})`, function () {
      const run = runCaseA(pricing, DIR);
      expect(run.matches.map((m) => [m.buyer, m.seller, m.mwh])).to.deep.equal(EXPECTED);
      expect(run.state.trades.map((t) => t.phase)).to.deep.equal([1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2]);
    });
  }

  it("prices D–W2 exactly under surplus-split", function () {
    // cost = ceil(3.424e18 × 10^6 / 935000) + 0.9e18 = 3662032085561497327 + 9e17 = 4562032085561497327
    // q    = 5.643e18 − cost = 1080967914438502673
    // buyer  = 5.643e18 − floor(q / 2) = 5643e15 − 540483957219251336 = 5102516042780748664
    // seller = 3.424e18 + floor(q × 935000 / 2e6) = 3424e15 + 505352499999999999 = 3929352499999999999
    //          (q × 0.4675 falls just short of 0.5053525 because the cost was rounded up)
    const t = runCaseA("surplus-split", DIR).state.trades[0]!;
    expect(t.buyerPrice).to.equal(5_102_516_042_780_748_664n);
    expect(t.sellerPrice).to.equal(3_929_352_499_999_999_999n);
  });

  it("prices D–W2 under paper-table", function () {
    // buyer = (5.643 + 3.424) / 2 = 4.5335; seller = (3 × 3.424 − 5.643) / 2 = (10.272 − 5.643) / 2 = 2.3145
    const m = runCaseA("paper-table", DIR).matches[0]!;
    expect([m.buyerPrice, m.sellerPrice]).to.deep.equal([4.5335, 2.3145]);
  });

  it("conserves tokens: payments + refunds = escrow, payments = sellers + grid", function () {
    for (const pricing of ["surplus-split", "paper-table"] as const) {
      const { settlement: s } = runCaseA(pricing, DIR);
      const buyers = [...s.buyers.values()];
      const paid = buyers.reduce((a, b) => a + b.paid, 0n);
      expect(buyers.every((b) => b.paid + b.refund === b.escrow && b.refund >= 0n)).to.equal(true);
      expect(paid).to.equal([...s.sellers.values()].reduce((a, b) => a + b, 0n) + s.grid);
    }
  });
});
