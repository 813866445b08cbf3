import { expect } from "chai";
import { formatCount, formatFixed, formatPrice3, formatTokens, groupThousands } from "../../src/cli/format";
import { renderTable } from "../../src/cli/table";
import { parsePrice, WAD } from "../../src/units";

describe("numbers for people (src/cli/format)", function () {
  it("prints prices to the paper's 3 decimals, rounding half away from zero", function () {
    expect(formatPrice3(parsePrice("4.2245"))).to.equal("4.225");
    expect(formatPrice3(parsePrice("4.22449999"))).to.equal("4.224");
    expect(formatPrice3(parsePrice("5"))).to.equal("5.000");
    expect(formatPrice3(-parsePrice("0.0005"))).to.equal("-0.001");
    expect(formatPrice3(parsePrice("0.0004"))).to.equal("0.000");
  });

  it("groups thousands in amounts and counts", function () {
    expect(formatTokens(27_608_424_874n * WAD / 1000n)).to.equal("27,608,424.87");
    expect(formatTokens(999n * WAD)).to.equal("999.00");
    expect(formatCount(53_928n)).to.equal("53,928");
    expect(formatCount(1_000_000)).to.equal("1,000,000");
    expect(groupThousands("-1234567.891")).to.equal("-1,234,567.891");
    expect(formatFixed(15n, 0, 2)).to.equal("15.00");
  });

  it("right-aligns columns of formatted numbers in tables", function () {
    const text = renderTable(["who", "MWh"], [["B1", formatCount(5_748n)], ["D", formatCount(53_928n)]]);
    expect(text.split("\n")).to.deep.equal(["who     MWh", "---  ------", "B1    5,748", "D    53,928"]);
  });
});
