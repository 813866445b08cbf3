import { expect } from "chai";
import { parse } from "csv-parse/sync";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { caseACopy, hardhat, type CliResult } from "../helpers/cli";

/** The command failed with exactly this one line on stderr, printed nothing else and ran nothing. */
function expectOneLine(r: CliResult, line: string): void {
  expect({ code: r.code, stderr: r.stderr, stdout: r.stdout }).to.deep.equal({ code: 1, stderr: `${line}\n`, stdout: "" });
}

const replay = (...args: string[]) => hardhat(["replay", ...args]);

/** Replaces the first data row's `column` (by header name) in a CSV file's text. */
function setField(column: string, value: string, row = 1): (text: string) => string {
  return (text) => {
    const lines = text.split("\n");
    const k = lines[0]!.split(",").indexOf(column);
    const cells = lines[row]!.split(",");
    cells[k] = value;
    lines[row] = cells.join(",");
    return lines.join("\n");
  };
}

describe("npx hardhat replay (a user's mistakes, one line each)", function () {
  describe("when the market directory holds what the contracts would refuse", function () {
    it("names a consumer whose region no corridor runs into", async function () {
      const dir = caseACopy({ "consumers.csv": setField("region", "Z") });
      expectOneLine(
        await replay("--data", dir),
        "error: consumers.csv, row 1, field region: no corridor in grid.csv runs into region Z: this consumer could never buy",
      );
    });

    it("names a seller whose region no corridor runs out of", async function () {
      const dir = caseACopy({ "wind.csv": setField("region", "Q", 2) });
      expectOneLine(
        await replay("--data", dir),
        "error: wind.csv, row 2, field region: no corridor in grid.csv runs out of region Q: this seller could never sell",
      );
    });

    it("names a name longer than the 31 bytes a registration code holds", async function () {
      const dir = caseACopy({ "consumers.csv": setField("name", "B".repeat(38)) });
      expectOneLine(
        await replay("--data", dir),
        "error: consumers.csv, row 1, field name: expected a name of letters, digits, '_', '.' or '-' (max 31)",
      );
    });

    it("names a 32-character region code", async function () {
      const dir = caseACopy({ "thermal.csv": setField("region", "R".repeat(32)) });
      expectOneLine(
        await replay("--data", dir),
        "error: thermal.csv, row 1, field region: expected a region code of letters, digits, '_' or '-' (max 31)",
      );
    });

    it("names a bid of 0 and an ask of 0", async function () {
      expectOneLine(
        await replay("--data", caseACopy({ "consumers.csv": setField("bid_price", "0") })),
        'error: consumers.csv, row 1, field bid_price: invalid value "0": a bid or ask must be above 0',
      );
      expectOneLine(
        await replay("--data", caseACopy({ "wind.csv": setField("ask_price", "0.000", 3) })),
        'error: wind.csv, row 3, field ask_price: invalid value "0.000": a bid or ask must be above 0',
      );
    });

    it("names a bundling ratio above 1000", async function () {
      const dir = caseACopy({ "round.json": () => '{ "bundlingRatio": "5000" }\n' });
      expectOneLine(await replay("--data", dir), 'error: round.json, field bundlingRatio: invalid value "5000": bundling ratio above 1000');
    });

    it("names the corridor that brings in a 33rd region", async function () {
      const extra = Array.from({ length: 29 }, (_, k) => `A,R${k + 1},2,0.2,`).join("\n");
      const dir = caseACopy({ "grid.csv": (text) => `${text.trimEnd()}\n${extra}\n` });
      expectOneLine(
        await replay("--data", dir),
        "error: grid.csv, row 36, field buyer_region: region R29 is region number 33; the grid holds at most 32",
      );
    });
  });

  describe("when a flag is wrong", function () {
    it("refuses --out in a directory that does not exist before replaying anything", async function () {
      expectOneLine(
        await replay("--out", "/nonexistent/x.json"),
        "error: --out /nonexistent/x.json: directory /nonexistent does not exist",
      );
    });

    it("names a --data directory that does not exist", async function () {
      expectOneLine(await replay("--data", "/nonexistent/market"), "error: /nonexistent/market: no such market directory");
    });

    it("refuses a step budget that is not a whole number", async function () {
      expectOneLine(await replay("--match-steps", "abc"), 'error: --match-steps "abc": expected a whole number');
      expectOneLine(await replay("--settle-steps", "0"), "error: --settle-steps 0: must be at least 1");
    });

    it("refuses an unknown case and an unknown pricing rule", async function () {
      expectOneLine(await replay("--case", "C"), 'error: --case "C": expected A, B');
      expectOneLine(await replay("--pricing", "cheapest"), 'error: --pricing "cheapest": expected surplus-split, paper-table');
    });
  });
  describe("when --out names a CSV file", function () {
    it("writes the match table there and the totals beside it, the grid company's MWh the sum of the matches'", async function () {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-replay-csv-"));
      try {
        const r = await replay("--direct", "--out", path.join(dir, "a.csv"));
        expect(r.code).to.equal(0);
        expect(r.stdout).to.contain(`wrote ${path.join(dir, "a.csv")} and ${path.join(dir, "a.totals.csv")}`);
        const matches = parse(fs.readFileSync(path.join(dir, "a.csv"), "utf8"), { columns: true, cast: true }) as { mwh: number }[];
        const totals = parse(fs.readFileSync(path.join(dir, "a.totals.csv"), "utf8"), { columns: true, cast: true }) as { name: string; mwh: number }[];
        expect(matches.length).to.be.greaterThan(0);
        expect(totals.at(-1)!.name).to.equal("grid");
        expect(totals.at(-1)!.mwh).to.equal(matches.reduce((a, m) => a + m.mwh, 0));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe("when the ordering flags do not fit together", function () {
    it("refuses --direct with a cluster's flags, and --orderer without the chain it delivers to", async function () {
      const results = await Promise.all([
        replay("--direct", "--orderer", "http://127.0.0.1:1"),
        replay("--orderer", "http://127.0.0.1:1"),
        replay("--chain-url", "http://127.0.0.1:1"),
        replay("--orderer", "ftp://x", "--chain-url", "http://127.0.0.1:1"),
      ]);
      expectOneLine(results[0]!, "error: --direct sends straight to the chain: drop --orderer, --orderer-nodes and --pool");
      expectOneLine(results[1]!, "error: --orderer needs --chain-url: the JSON-RPC URL of the chain the ordering service delivers to");
      expectOneLine(results[2]!, "error: --chain-url goes with --orderer (a running ordering service)");
      expectOneLine(results[3]!, 'error: not an http(s) URL: "ftp://x"');
    });

    it("refuses a pool larger than the cluster and a cluster of no nodes", async function () {
      const [pool, none] = await Promise.all([replay("--orderer-nodes", "2", "--pool", "3"), replay("--orderer-nodes", "0")]);
      expectOneLine(pool!, "error: --pool 3: must be at most 2");
      expectOneLine(none!, "error: --orderer-nodes 0: must be at least 1");
    });

    it("names a running cluster that does not answer, after trying every node", async function () {
      const r = await replay("--orderer", "http://127.0.0.1:9,http://127.0.0.1:7", "--chain-url", "http://127.0.0.1:5");
      expect(r.code).to.equal(1);
      expect(r.stderr.trim().split("\n")).to.have.length(1);
      expect(r.stderr).to.match(/^error: cannot reach the chain at http:\/\/127\.0\.0\.1:5/);
    });
  });
});
