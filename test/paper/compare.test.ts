import { expect } from "chai";
import hre from "hardhat";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { compareTable5, PRINTED_HALF_UNIT } from "../../src/paper/compare";
import { findings, fidelityReport } from "../../src/paper/report";
import { parseTable5, type PaperMatch } from "../../src/paper/tables";
import type { MarketOrder } from "../../src/data";
import type { TradeRecord } from "../../src/replay/result";
import { DataFormatError } from "../../src/errors";
import { parsePrice } from "../../src/units";

// A small made-up table and replay, not the paper's: the comparison must follow from whatever data it is given.
const TABLE = `group,buyer,seller,mwh,buyer_price,seller_price
1,X,S1,100,5.000,3.000
2,Y,S1,50,4.500,3.200
3,Y,S2,50,4.500,3.200
4,Z,S2,20,4.500,3.200
5,X,S3,10,6.000,2.000
`;

function trade(buyer: string, seller: string, mwh: bigint, bp: string, sp: string): TradeRecord {
  const order = (name: string) => ({ name }) as MarketOrder;
  return { tradeId: 0, group: "wind", buyer: order(buyer), seller: order(seller), mwh, buyerPrice: parsePrice(bp), sellerPrice: parsePrice(sp) };
}

describe("the paper side by side (src/paper)", function () {
  const table: PaperMatch[] = parseTable5(TABLE);

  describe("compareTable5", function () {
    const trades = [
      trade("X", "S1", 60n, "5.0004", "2.9995"), // two steps of one pair: MWh add up
      trade("X", "S1", 40n, "5.0004", "2.9995"),
      trade("Y", "S1", 50n, "4.5006", "3.200"), // the buyer price is 0.0006 off: more than the printed precision
      trade("Y", "S2", 70n, "4.400", "3.300"),
      trade("W", "S3", 5n, "6.000", "2.000"), // a pair the table does not print
      trade("X", "S3", 0n, "6.000", "2.000"), // curtailed to nothing: not traded
    ];
    const cmp = compareTable5(table, trades);

    it("reproduces a row whose MWh match and whose prices lie within half a unit of the printed third decimal", function () {
      expect(cmp.rows.map((r) => r.verdict)).to.deep.equal(["reproduced", "same MWh, other prices", "differs", "not traded", "not traded"]);
      expect(cmp.rows[0]!.replay!.mwh).to.equal(100n);
      expect(cmp.maxPriceGap).to.equal(parsePrice("0.0006"));
      expect(PRINTED_HALF_UNIT).to.equal(parsePrice("0.0005"));
    });

    it("finds rows that print an earlier row's figures, from the data alone", function () {
      expect(cmp.rows.map((r) => r.repeats)).to.deep.equal([
        undefined,
        undefined,
        { group: 2, what: "MWh and prices" },
        { group: 2, what: "prices" },
        undefined,
      ]);
    });

    it("lists the replay's pairs that the table does not print", function () {
      expect(cmp.unprinted.map((u) => [u.buyer, u.seller, u.figures.mwh])).to.deep.equal([["W", "S3", 5n]]);
    });

    it("says so in sentences, and writes a Markdown report with each rule's section and the departures", function () {
      const lines = findings(cmp);
      expect(lines[0]).to.equal(
        "Reproduced as printed (same MWh, both prices within half a unit of the printed 3rd decimal): 1 of 5 rows (1).",
      );
      expect(lines).to.include("Row 3 (Y–S2) prints row 2's MWh and prices; the rules give 70 MWh at 4.400 / 3.300 there.");
      expect(lines).to.include("Row 4 (Z–S2) prints row 2's prices; the rules give no trade there.");
      const md = fidelityReport([{ pricing: "paper-table", cmp }, { pricing: "surplus-split", cmp }], "## Departures\n\n1. one");
      expect(md).to.contain("## paper-table pricing").and.to.contain("## surplus-split pricing").and.to.contain("## Departures");
      expect(md).to.contain("| 3 | Y–S2 | 50 | 70 | +20 | 4.500 | 4.400 | -0.1 | 3.200 | 3.300 | +0.1 | differs; prints row 2's MWh and prices |");
    });
  });

  describe("parseTable5", function () {
    it("names a malformed row", function () {
      expect(() => parseTable5(TABLE.replace("1,X,S1,100,5.000", "1,X,S1,1e2,5.000"))).to.throw(DataFormatError, /table5\.csv, row 1, field mwh/);
      expect(() => parseTable5(TABLE.replace("6.000,2.000", "6.000,two"))).to.throw(DataFormatError, /row 5, field seller_price/);
    });
  });

  describe("npx hardhat replay --case A --compare-paper --report", function () {
    it("prints the comparison and writes both rules' sections with the departures", async function () {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "dplc-paper-")), "fidelity.md");
      const printed: string[] = [];
      const log = console.log;
      console.log = (...a: unknown[]) => void printed.push(a.join(" "));
      try {
        await hre.run("replay", { case: "A", pricing: "paper-table", comparePaper: true, report: file, direct: true });
      } finally {
        console.log = log;
      }
      expect(printed.join("\n")).to.match(/Case A beside the paper's Table 5 — paper-table pricing/);
      const md = fs.readFileSync(file, "utf8");
      expect(md).to.contain("## paper-table pricing").and.to.contain("## surplus-split pricing");
      expect(md).to.contain("## Where we depart from the paper, and why");
      expect(md.match(/^\| \d+ \|/gm)).to.have.length(2 * parseTable5(fs.readFileSync(path.join(__dirname, "..", "..", "data", "paper", "table5.csv"), "utf8")).length);
    });

    it("refuses another market: the table describes Case A only", async function () {
      const errors: string[] = [];
      const error = console.error;
      console.error = (...a: unknown[]) => void errors.push(a.join(" "));
      try {
        await hre.run("replay", { data: path.join(__dirname, "..", "..", "data", "case-a"), comparePaper: true });
      } finally {
        console.error = error;
      }
      expect([process.exitCode, errors]).to.deep.equal([1, ["error: --compare-paper and --report compare the paper's own market (--case A or B) with its tables"]]);
      process.exitCode = undefined;
    });
  });
});
