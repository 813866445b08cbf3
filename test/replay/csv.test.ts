import { expect } from "chai";
import { parse } from "csv-parse/sync";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { isCsvFile, matchesCsv, totalsCsv, totalsFileFor, writeReplayOut } from "../../src/replay/csv";
import type { ReplayJson } from "../../src/replay/result";

const json: ReplayJson = {
  case: "A",
  pricing: "surplus-split",
  matches: [
    { buyer: "D", seller: "W2", mwh: 5324, buyerPrice: 4.5335, sellerPrice: 3.489 },
    { buyer: "B, \"two\"", seller: "H1", mwh: 12, buyerPrice: 4, sellerPrice: 3.1 },
  ],
  totals: { D: { mwh: 5324, tokens: 24136354 }, "B, \"two\"": { mwh: 12, tokens: 48000 }, grid: { mwh: 5336, tokens: 1 } },
};

describe("replay/csv: the result for spreadsheets", function () {
  it("writes one match per row with the JSON's fields as columns, and reads back to the same values", function () {
    const text = matchesCsv(json);
    expect(text.split("\n")[0]).to.equal("buyer,seller,mwh,buyerPrice,sellerPrice");
    const rows = parse(text, { columns: true, cast: true }) as Record<string, unknown>[];
    expect(rows).to.deep.equal(json.matches);
  });

  it("writes the totals in the JSON's order, the grid company last, quoting a name that needs it", function () {
    const text = totalsCsv(json);
    expect(text).to.contain('"B, ""two""",12,48000');
    const rows = parse(text, { columns: true, cast: true }) as { name: string; mwh: number; tokens: number }[];
    expect(rows.map((r) => r.name)).to.deep.equal(["D", 'B, "two"', "grid"]);
    expect(rows[0]).to.deep.equal({ name: "D", mwh: 5324, tokens: 24136354 });
  });

  it("puts the totals beside the match table", function () {
    expect(totalsFileFor("out/case-a.csv")).to.equal("out/case-a.totals.csv");
    expect(totalsFileFor("result.CSV")).to.equal("result.totals.csv");
    expect(totalsFileFor("result")).to.equal("result.totals.csv");
  });

  describe("when --out names a file", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-csv-test-"));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("writes the match table to a .csv name and the totals beside it", function () {
      const file = path.join(dir, "case-a.csv");
      expect(writeReplayOut(file, json)).to.deep.equal([file, path.join(dir, "case-a.totals.csv")]);
      expect(fs.readFileSync(file, "utf8")).to.equal(matchesCsv(json));
      expect(fs.readFileSync(path.join(dir, "case-a.totals.csv"), "utf8")).to.equal(totalsCsv(json));
    });

    it("writes JSON, with every field it carries, to any other name", function () {
      const file = path.join(dir, "case-a.json");
      const withOrdering = { ...json, ordering: { mode: "direct" } };
      expect(writeReplayOut(file, withOrdering)).to.deep.equal([file]);
      expect(JSON.parse(fs.readFileSync(file, "utf8"))).to.deep.equal(withOrdering);
      expect(isCsvFile("x.CSV")).to.equal(true);
      expect(isCsvFile("x.csv.json")).to.equal(false);
    });
  });
});
