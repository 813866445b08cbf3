import { expect } from "chai";
import { parse } from "csv-parse/sync";
import { matchesCsv, totalsCsv, totalsFileFor } from "../../src/replay/csv";
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
});
