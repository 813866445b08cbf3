import { expect } from "chai";
import { compareTable6, printedOutcome, secondDifferences, type MeasuredOutcome } from "../../src/paper/table6";
import { table6Findings, table6Markdown } from "../../src/paper/report6";
import { parseTable6 } from "../../src/paper/tables";
import { DataFormatError } from "../../src/errors";
import { WAD } from "../../src/units";

// Made-up series, not the paper's: one affine in the price, one not.
const affine = (p: number): MeasuredOutcome => ({
  certPrice: p,
  certIncome: BigInt(p) * 10n * WAD,
  windProfit: (1_000n + BigInt(p) * 10n) * WAD,
  generatorRevenue: (5_000n + BigInt(p)) * WAD,
});
const TABLE = `case,cert_price,cert_income,wind_profit,generator_revenue
A,0,0,100,500
B,1,10,110,520
B,2,21,120,540
B,3,30,131,560
`;

describe("Table 6 and second differences (src/paper/table6)", function () {
  it("gives 0 for a result affine in the price, exactly, in any order of prices", function () {
    expect(secondDifferences([affine(500), affine(300), affine(400)])).to.deep.equal({ certIncome: 0n, windProfit: 0n, generatorRevenue: 0n });
  });

  it("gives y(P3) − 2·y(P2) + y(P1) otherwise, and nothing for unequal spacing or another count", function () {
    const table = parseTable6(TABLE);
    const printed = table.filter((r) => r.case === "B").map(printedOutcome);
    expect(secondDifferences(printed)).to.deep.equal({ certIncome: -2n * WAD, windProfit: 1n * WAD, generatorRevenue: 0n });
    expect(secondDifferences([affine(1), affine(2), affine(4)])).to.equal(undefined);
    expect(secondDifferences([affine(1), affine(2)])).to.equal(undefined);
  });

  it("pairs the printed Case B rows with ours in price order and says which can be affine", function () {
    const cmp = compareTable6(parseTable6(TABLE), [affine(300), affine(100), affine(200)]);
    expect(cmp.pairs.map((p) => [p.paper.certPrice, p.ours?.certPrice])).to.deep.equal([[1, 100], [2, 200], [3, 300]]);
    const [, printed, ours] = table6Findings(cmp);
    expect(printed).to.match(/certificate income -2, total wind profit 1, total generator revenue 0: no model whose results are affine/);
    expect(ours).to.match(/^Ours have certificate income 0, total wind profit 0, total generator revenue 0: our Case B measures are affine/);
    expect(table6Markdown(cmp)).to.contain("| second difference | -2 | 0.00 | 1 | 0.00 | 0 | 0.00 |");
  });

  it("asks for three equally spaced prices when the sweep has other prices", function () {
    const cmp = compareTable6(parseTable6(TABLE), [affine(300)]);
    expect(cmp.pairs.every((p) => p.ours === undefined)).to.equal(true);
    expect(table6Findings(cmp)).to.deep.equal(["Second differences need the sweep at three equally spaced prices (the default, 300,400,500)."]);
  });

  it("names a malformed row of table6.csv", function () {
    expect(() => parseTable6(TABLE.replace("B,2,21", "C,2,21"))).to.throw(DataFormatError, /table6\.csv, row 3, field case/);
    expect(() => parseTable6(TABLE.replace("B,3,30,131", "B,3,30,13.1"))).to.throw(DataFormatError, /row 4, field wind_profit/);
  });
});
