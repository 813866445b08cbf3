import { expect } from "chai";
import { UnitError } from "../../src/errors";
import {
  formatDecimal,
  formatPrice,
  MAX_PRICE,
  parseBidAsk,
  parseDecimal,
  parseLossRate,
  parseMwh,
  parsePercentToPpm,
  parsePrice,
  parseRatioToBps,
  parseRmb,
  toNumber18,
  tokenAmount,
  WAD,
} from "../../src/units";

describe("units", function () {
  describe("parsePrice", function () {
    it("scales token/kWh to 18 decimals exactly", function () {
      expect(parsePrice("5.123")).to.equal(5_123_000_000_000_000_000n);
      expect(parsePrice("0.2")).to.equal(200_000_000_000_000_000n);
      expect(parsePrice("17")).to.equal(17n * WAD);
      expect(parsePrice("0.000000000000000001")).to.equal(1n);
      expect(parsePrice("1000000")).to.equal(MAX_PRICE);
    });

    for (const bad of ["", "-1", "+1", "1e3", "1.", ".5", " 1", "1,5", "0x10", "NaN", "1.0000000000000000001"]) {
      it(`refuses ${JSON.stringify(bad)}`, function () {
        expect(() => parsePrice(bad)).to.throw(UnitError);
      });
    }

    it("refuses prices above 10^6 token/kWh", function () {
      expect(() => parsePrice("1000000.000000000000000001")).to.throw(UnitError, /above/);
    });
  });

  describe("formatDecimal / toNumber18", function () {
    it("prints the shortest exact decimal", function () {
      expect(formatPrice(4_250_000_000_000_000_000n)).to.equal("4.25");
      expect(formatPrice(3n * WAD)).to.equal("3");
      expect(formatPrice(0n)).to.equal("0");
      expect(formatPrice(1n)).to.equal("0.000000000000000001");
      expect(formatDecimal(-5n, 1)).to.equal("-0.5");
      expect(formatDecimal(65_000n, 4)).to.equal("6.5");
    });

    it("round-trips every parsed price", function () {
      for (const s of ["5.643", "3.7245", "0.15", "123456.000000000000000789"]) {
        expect(formatPrice(parsePrice(s))).to.equal(s);
      }
    });

    it("gives plain numbers that print as the decimal", function () {
      expect(toNumber18(4_250_000_000_000_000_000n)).to.equal(4.25);
      expect(toNumber18(3_724_500_000_000_000_000n)).to.equal(3.7245);
      expect(JSON.stringify(toNumber18(3_724_500_000_000_000_000n))).to.equal("3.7245");
      expect(toNumber18(0n)).to.equal(0);
    });
  });

  describe("percent, ratio and MWh", function () {
    it("turns percent into ppm", function () {
      expect(parsePercentToPpm("6.5")).to.equal(65_000n);
      expect(parsePercentToPpm("2")).to.equal(20_000n);
      expect(parsePercentToPpm("0.0001")).to.equal(1n);
      expect(() => parsePercentToPpm("0.00001")).to.throw(UnitError, /4 decimal/);
    });

    it("refuses loss rates of 100 % and above", function () {
      expect(parseLossRate("99.9999")).to.equal(999_999n);
      expect(() => parseLossRate("100")).to.throw(UnitError, /below 100/);
    });

    it("turns a bundling ratio into basis points, up to the contracts' 1000", function () {
      expect(parseRatioToBps("3")).to.equal(30_000n);
      expect(parseRatioToBps("1.5")).to.equal(15_000n);
      expect(parseRatioToBps("1000")).to.equal(10_000_000n);
      expect(() => parseRatioToBps("1000.0001")).to.throw(UnitError, /bundling ratio above 1000/);
    });

    it("takes a bid or ask above 0 only", function () {
      expect(parseBidAsk("0.000000000000000001")).to.equal(1n);
      for (const zero of ["0", "0.0", "0.000000000000000000"]) expect(() => parseBidAsk(zero)).to.throw(UnitError, /above 0/);
    });

    it("reads RMB with at most 2 decimals into 18-decimal fixed point, from 0.01 to 10^12", function () {
      expect(parseRmb("30400000")).to.equal(30_400_000n * WAD);
      expect(parseRmb("99.5")).to.equal(995n * WAD / 10n);
      expect(parseRmb("0.01")).to.equal(WAD / 100n);
      expect(parseRmb("1000000000000")).to.equal(10n ** 12n * WAD);
      expect(() => parseRmb("1000000000000.01")).to.throw(UnitError, /above 1000000000000/);
      expect(() => parseRmb("0")).to.throw(UnitError, /above 0/);
      expect(() => parseRmb("1.001")).to.throw(UnitError, /2 decimal/);
      expect(() => parseRmb("-5")).to.throw(UnitError);
    });

    it("accepts whole MWh in range only", function () {
      expect(parseMwh("17083")).to.equal(17_083n);
      expect(parseMwh("0", 0n)).to.equal(0n);
      expect(parseMwh("1000000000000")).to.equal(10n ** 12n);
      for (const bad of ["0", "1.5", "-3", "1000000000001", ""]) expect(() => parseMwh(bad)).to.throw(UnitError);
    });

    it("computes token amounts as price × MWh × 1000", function () {
      // 4.25 token/kWh × 2 MWh = 4.25 × 2000 kWh = 8500 tokens
      expect(tokenAmount(parsePrice("4.25"), 2n)).to.equal(8_500n * WAD);
    });

    it("parses with any number of decimals", function () {
      expect(parseDecimal("12.34", 2)).to.equal(1234n);
      expect(parseDecimal("12", 0)).to.equal(12n);
      expect(() => parseDecimal("12.3", 0)).to.throw(UnitError);
    });
  });
});
