import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DataFormatError } from "../../src/errors";
import { loadMarket, readMarketFiles, writeMarketFiles, type MarketFiles } from "../../src/data";
import { parsePrice, WAD } from "../../src/units";

const CASE_A = path.join(__dirname, "..", "..", "data", "case-a");

describe("loadMarket", function () {
  describe("on data/case-a (the paper's Tables 1–4)", function () {
    const market = loadMarket(CASE_A);

    it("reads 4 consumers, 4 wind and 4 thermal orders, numbered in listing order", function () {
      expect(market.consumers.map((c) => c.name)).to.deep.equal(["B1", "B2", "C", "D"]);
      expect(market.wind.map((c) => c.name)).to.deep.equal(["W1", "W2", "W3", "W4"]);
      expect(market.thermal.map((c) => c.name)).to.deep.equal(["H1", "H2", "H3", "H4"]);
      expect(market.orders.map((o) => o.orderId)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      expect(market.orders[4]!.name).to.equal("W1");
      expect(market.regions).to.deep.equal(["A", "B", "C", "D"]);
    });

    it("keeps Table 2 exactly, wind demand from its MWh column", function () {
      const b2 = market.consumers[1]!;
      expect(b2).to.deep.include({ kind: "consumer", region: "B", quantityMwh: 24_353n, windDemandMwh: 8_932n });
      expect(b2.bidPrice).to.equal(5_221n * 10n ** 15n);
      expect(b2.windRatioPpm).to.equal(150_000n);
      expect(market.consumers.map((c) => c.region)).to.deep.equal(["B", "B", "C", "D"]);
    });

    it("keeps Tables 3 and 4 exactly, all sellers in region A", function () {
      expect(market.wind[2]).to.deep.include({ region: "A", askPrice: parsePrice("3.511"), quantityMwh: 5_828n });
      const h2 = market.thermal[1]!;
      expect(h2).to.deep.include({ region: "A", askPrice: 3_123n * 10n ** 15n, quantityMwh: 32_445n });
      expect(h2.envPrice).to.equal(15n * 10n ** 16n);
      expect(h2.subsidyPrice).to.equal(WAD / 10n);
    });

    it("keeps Table 1 with the repeated A-A row once, capacities unlimited", function () {
      expect(market.grid).to.have.length(7);
      const ad = market.grid.find((g) => g.sellerRegion === "A" && g.buyerRegion === "D")!;
      expect(ad).to.deep.equal({
        sellerRegion: "A",
        buyerRegion: "D",
        lossPpm: 65_000n,
        transmissionPrice: 9n * 10n ** 17n,
        capacityMwh: null,
      });
    });

    it("reads the round: ratio 3, no certificate costs", function () {
      expect(market.round).to.deep.equal({
        bundlingRatioBps: 30_000n,
        windCertCost: 0n,
        thermalCertCost: 0n,
        pricing: "surplus-split",
      });
    });
  });

  describe("when a file is malformed", function () {
    let dir: string;
    let good: MarketFiles;

    beforeEach(function () {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-market-"));
      good = readMarketFiles(CASE_A);
    });
    afterEach(function () {
      fs.rmSync(dir, { recursive: true, force: true });
    });

    /** Writes Case A with one file replaced and expects a DataFormatError at file, row, field. */
    function expectError(
      file: keyof MarketFiles,
      text: string,
      where: { row?: number; field?: string },
      reason: RegExp,
    ): DataFormatError {
      writeMarketFiles(dir, { ...good, [file]: text });
      let caught: unknown;
      try {
        loadMarket(dir);
      } catch (err) {
        caught = err;
      }
      expect(caught).to.be.instanceOf(DataFormatError);
      const e = caught as DataFormatError;
      expect({ file: e.file, row: e.row, field: e.field }).to.deep.equal({ file, row: where.row, field: where.field });
      expect(e.code).to.equal("DATA_FORMAT");
      expect(e.message).to.match(reason);
      expect(e.message).to.include(file);
      if (where.row !== undefined && where.row > 0) expect(e.message).to.include(`row ${where.row}`);
      if (where.field !== undefined) expect(e.message).to.include(`field ${where.field}`);
      return e;
    }

    /** Replaces one line (0 = header) of a CSV file of Case A. */
    function withLine(file: keyof MarketFiles, line: number, text: string): string {
      const lines = good[file].split("\n");
      lines[line] = text;
      return lines.join("\n");
    }

    it("names a missing file", function () {
      writeMarketFiles(dir, good);
      fs.rmSync(path.join(dir, "wind.csv"));
      expect(() => loadMarket(dir)).to.throw(DataFormatError, /^wind\.csv: file is missing/);
    });

    it("names a wrong header column", function () {
      expectError("wind.csv", withLine("wind.csv", 0, "name,region,price,quantity_mwh"), { row: 0, field: "ask_price" }, /expected columns/);
    });

    it("names a missing header column", function () {
      expectError("thermal.csv", withLine("thermal.csv", 0, "name,region,ask_price,quantity_mwh,env_price"), { row: 0, field: "subsidy_price" }, /found nothing/);
    });

    it("names an empty file", function () {
      expectError("consumers.csv", "", { row: 0 }, /empty/);
    });

    it("accepts grid.csv without the optional capacity column", function () {
      const text = good["grid.csv"].split("\n").map((l) => l.split(",").slice(0, 4).join(",")).join("\n");
      writeMarketFiles(dir, { ...good, "grid.csv": text });
      expect(loadMarket(dir).grid.every((g) => g.capacityMwh === null)).to.equal(true);
    });

    it("names a row with too few fields", function () {
      expectError("wind.csv", withLine("wind.csv", 2, "W2,A,3.424"), { row: 2, field: "quantity_mwh" }, /expected 4 fields but found 3/);
    });

    it("names a bad price", function () {
      expectError("consumers.csv", withLine("consumers.csv", 3, "C,C,5.1x4,14892,15,7463"), { row: 3, field: "bid_price" }, /"5\.1x4"/);
    });

    it("names a price with too many decimals, keeping the unit error as cause", function () {
      const e = expectError("thermal.csv", withLine("thermal.csv", 4, "H4,A,3.144,6343,0.1,0.1000000000000000001"), { row: 4, field: "subsidy_price" }, /18 decimal/);
      expect((e.cause as Error).name).to.equal("UnitError");
    });

    it("names a zero quantity", function () {
      expectError("wind.csv", withLine("wind.csv", 1, "W1,A,3.598,0"), { row: 1, field: "quantity_mwh" }, /at least 1 MWh/);
    });

    it("names a negative quantity", function () {
      expectError("thermal.csv", withLine("thermal.csv", 2, "H2,A,3.123,-5,0.15,0.1"), { row: 2, field: "quantity_mwh" }, /whole number/);
    });

    it("names a fractional quantity", function () {
      expectError("consumers.csv", withLine("consumers.csv", 1, "B1,B,5.123,17083.5,20,3425"), { row: 1, field: "quantity_mwh" }, /whole number/);
    });

    it("names a wind demand above the quantity", function () {
      expectError("consumers.csv", withLine("consumers.csv", 4, "D,D,5.643,53928,20,53929"), { row: 4, field: "wind_demand_mwh" }, /exceeds quantity/);
    });

    it("names a wind ratio above 100 %", function () {
      expectError("consumers.csv", withLine("consumers.csv", 2, "B2,B,5.221,24353,100.5,8932"), { row: 2, field: "wind_ratio_pct" }, /at most 100/);
    });

    it("names a loss rate of 100 %", function () {
      expectError("grid.csv", withLine("grid.csv", 5, "A,B,100,0.8,"), { row: 5, field: "loss_rate_pct" }, /below 100/);
    });

    it("names a bad capacity", function () {
      expectError("grid.csv", withLine("grid.csv", 6, "A,C,7,1,lots"), { row: 6, field: "capacity_mwh" }, /whole number/);
    });

    it("names a region pair listed twice (Table 1 prints A-A twice; the file keeps one)", function () {
      expectError("grid.csv", good["grid.csv"] + "A,A,2,0.2,\n", { row: 8, field: "buyer_region" }, /A->A is listed twice/);
    });

    it("names a bad region code", function () {
      expectError("wind.csv", withLine("wind.csv", 3, "W3,A B,3.511,5828"), { row: 3, field: "region" }, /region code/);
    });

    describe("when the contracts would refuse what the file holds", function () {
      it("names a name or region code over the 31 bytes of a bytes32 code, and accepts 31", function () {
        const long = "N".repeat(32);
        expectError("consumers.csv", withLine("consumers.csv", 2, `${long},B,5.221,24353,15,8932`), { row: 2, field: "name" }, /\(max 31\)/);
        expectError("wind.csv", withLine("wind.csv", 1, `W1,${"R".repeat(32)},3.598,3486`), { row: 1, field: "region" }, /\(max 31\)/);
        writeMarketFiles(dir, { ...good, "consumers.csv": withLine("consumers.csv", 2, `${long.slice(1)},B,5.221,24353,15,8932`) });
        expect(loadMarket(dir).consumers[1]!.name).to.have.length(31);
      });

      it("names a bid or an ask of 0, and accepts a zero environmental price", function () {
        expectError("consumers.csv", withLine("consumers.csv", 1, "B1,B,0,17083,20,3425"), { row: 1, field: "bid_price" }, /above 0/);
        expectError("thermal.csv", withLine("thermal.csv", 2, "H2,A,0.0,32445,0.15,0.1"), { row: 2, field: "ask_price" }, /above 0/);
        writeMarketFiles(dir, { ...good, "thermal.csv": withLine("thermal.csv", 2, "H2,A,3.123,32445,0,0") });
        expect(loadMarket(dir).thermal[1]!.envPrice).to.equal(0n);
      });

      it("names a bundling ratio above 1000, and accepts 1000", function () {
        expectError("round.json", '{"bundlingRatio": "1000.0001"}', { field: "bundlingRatio" }, /bundling ratio above 1000/);
        writeMarketFiles(dir, { ...good, "round.json": '{"bundlingRatio": 1000}' });
        expect(loadMarket(dir).round.bundlingRatioBps).to.equal(10_000_000n);
      });

      it("names the corridor that brings in region 33, and accepts 32 regions", function () {
        const rows = (n: number) => Array.from({ length: n }, (_, k) => `A,R${k + 1},2,0.2,`).join("\n");
        // Case A's grid names A to D; R1 to R28 make 32, R29 the 33rd.
        expectError("grid.csv", `${good["grid.csv"].trimEnd()}\n${rows(29)}\n`, { row: 36, field: "buyer_region" }, /region R29 is region number 33; the grid holds at most 32/);
        writeMarketFiles(dir, { ...good, "grid.csv": `${good["grid.csv"].trimEnd()}\n${rows(28)}\n` });
        expect(loadMarket(dir).regions).to.have.length(32);
      });

      it("names a consumer no corridor runs into and a seller no corridor runs out of", function () {
        expectError("consumers.csv", withLine("consumers.csv", 4, "D,Z,5.643,53928,20,4355"), { row: 4, field: "region" }, /runs into region Z: this consumer could never buy/);
        // Region B is known (A->B, B->B) but B->B alone would let a B seller trade: drop it.
        const grid = good["grid.csv"].split("\n").filter((l) => !l.startsWith("B,B,")).join("\n");
        writeMarketFiles(dir, { ...good, "grid.csv": grid, "wind.csv": withLine("wind.csv", 3, "W3,B,3.511,5828") });
        expect(() => loadMarket(dir)).to.throw(DataFormatError, /^wind\.csv, row 3, field region: no corridor in grid\.csv runs out of region B/);
      });
    });

    it("names a market directory that does not exist", function () {
      expect(() => loadMarket(path.join(dir, "nothing"))).to.throw(DataFormatError, /nothing: no such market directory$/);
    });

    it("names a duplicate participant name, even across files", function () {
      expectError("thermal.csv", withLine("thermal.csv", 3, "W1,A,3.165,23198,0.1,0.1"), { row: 3, field: "name" }, /W1 is already used in wind\.csv row 1/);
    });

    it("names a blank line inside a file", function () {
      expectError("wind.csv", withLine("wind.csv", 2, ""), { row: 2 }, /blank line/);
    });

    it("names quoted fields", function () {
      expectError("wind.csv", withLine("wind.csv", 2, '"W2",A,3.424,5324'), { row: 2 }, /quoted/);
    });

    it("names invalid JSON in round.json", function () {
      expectError("round.json", "{ bundlingRatio: 3 }", {}, /not valid JSON/);
    });

    it("names a bad round field", function () {
      expectError("round.json", '{"bundlingRatio": "three"}', { field: "bundlingRatio" }, /"three"/);
      expectError("round.json", '{"windCertCost": "-1"}', { field: "windCertCost" }, /non-negative/);
      expectError("round.json", '{"pricing": "vickrey"}', { field: "pricing" }, /surplus-split/);
    });

    it("names an unknown round field", function () {
      expectError("round.json", '{"bundlingRatio": 3, "ratio": 2}', { field: "ratio" }, /[Uu]nrecognized/);
    });

    it("fills round defaults", function () {
      writeMarketFiles(dir, { ...good, "round.json": "{}" });
      expect(loadMarket(dir).round).to.deep.equal({
        bundlingRatioBps: 30_000n,
        windCertCost: 0n,
        thermalCertCost: 0n,
        pricing: "surplus-split",
      });
    });

    it("accepts CRLF line ends, a BOM, trailing blank lines and spaces around fields", function () {
      const text = "\uFEFF" + good["wind.csv"].replace("W1,A,3.598,3486", " W1 , A , 3.598 , 3486 ").replace(/\n/g, "\r\n") + "\r\n\r\n";
      writeMarketFiles(dir, { ...good, "wind.csv": text });
      expect(loadMarket(dir).wind[0]).to.deep.include({ name: "W1", region: "A", quantityMwh: 3_486n });
    });
  });
});
