import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { generateSyntheticMarket, loadMarket, writeMarketFiles } from "../../src/data";
import { InvalidArgumentError } from "../../src/errors";

describe("generateSyntheticMarket", function () {
  it("builds the benchmark book: 1,000 buyers and 1,000 sellers across 4 regions, every pair priced", function () {
    const { market } = generateSyntheticMarket({ buyers: 1_000, sellers: 1_000, regions: 4, seed: 7 });
    expect(market.consumers).to.have.length(1_000);
    expect(market.wind.length + market.thermal.length).to.equal(1_000);
    expect(market.wind.length).to.equal(500);
    expect(market.regions).to.deep.equal(["R1", "R2", "R3", "R4"]);
    expect(market.grid).to.have.length(16);
    for (const s of market.regions) {
      for (const b of market.regions) {
        expect(market.grid.some((g) => g.sellerRegion === s && g.buyerRegion === b), `${s}->${b}`).to.equal(true);
      }
    }
    expect(new Set(market.orders.map((o) => o.name)).size).to.equal(2_000);
    expect(market.consumers.every((c) => c.windDemandMwh <= c.quantityMwh)).to.equal(true);
  });

  it("is deterministic in its seed", function () {
    const a = generateSyntheticMarket({ buyers: 20, sellers: 30, regions: 3, seed: 42 });
    const b = generateSyntheticMarket({ buyers: 20, sellers: 30, regions: 3, seed: 42 });
    const c = generateSyntheticMarket({ buyers: 20, sellers: 30, regions: 3, seed: 43 });
    expect(a.files).to.deep.equal(b.files);
    expect(a.files).to.not.deep.equal(c.files);
  });

  it("writes files that loadMarket reads back to the same market", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-synth-"));
    try {
      const { files, market } = generateSyntheticMarket({ buyers: 10, sellers: 10, regions: 2, seed: 1, capacityMwh: 5_000 });
      writeMarketFiles(dir, files);
      const loaded = loadMarket(dir);
      expect(loaded).to.deep.equal(market);
      expect(loaded.grid.every((g) => g.capacityMwh === 5_000n)).to.equal(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses bad options", function () {
    expect(() => generateSyntheticMarket({ buyers: -1, sellers: 1, regions: 1, seed: 1 })).to.throw(InvalidArgumentError, /buyers/);
    expect(() => generateSyntheticMarket({ buyers: 1, sellers: 1, regions: 0, seed: 1 })).to.throw(InvalidArgumentError, /regions/);
    expect(() => generateSyntheticMarket({ buyers: 1, sellers: 1, regions: 1, seed: 1.5 })).to.throw(InvalidArgumentError, /seed/);
  });
});
