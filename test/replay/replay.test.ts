import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre, { ethers } from "hardhat";
import { loadMarket, type PricingRule } from "../../src/data";
import { replayMarket } from "../../src/replay/replay";
import { toReplayJson, type ReplayJson } from "../../src/replay/result";
import { renderReplay } from "../../src/replay/report";
import type { OrderingJson } from "../../src/ordering/summary";
import { runCaseA } from "../model/market-model";

const CASE_A = path.join(__dirname, "..", "..", "data", "case-a");

async function operators() {
  const [admin, tradingCentre, dispatch, gridCompany, cashier] = await ethers.getSigners();
  return { admin: admin!, tradingCentre: tradingCentre!, dispatch: dispatch!, gridCompany: gridCompany!, cashier: cashier! };
}

describe("Case A replay (paper §IV) end to end", function () {
  for (const pricing of ["surplus-split", "paper-table"] as PricingRule[]) {
    describe(`when priced by ${pricing}`, function () {
      it("settles through the contracts exactly as the reference model predicts", async function () {
        const data = loadMarket(CASE_A);
        const ops = await operators();
        const outcome = await replayMarket({ data, pricing, operators: ops, rpc: ethers.provider, matchSteps: 7, settleSteps: 5 });
        const model = runCaseA(pricing, CASE_A);

        const json = toReplayJson("A", pricing, outcome.trades, data.orders);
        expect(json.matches).to.deep.equal(model.matches);
        expect(json.matches.length).to.be.greaterThan(0);

        // Every generator received what the model says; the grid company the rest; consumers got their refunds.
        for (const o of data.orders) {
          const balance = await outcome.system.token.balanceOf(outcome.wallets.get(o.name)!.address);
          if (o.kind === "consumer") expect(balance, o.name).to.equal(model.settlement.buyers.get(o.orderId)!.refund);
          else expect(balance, o.name).to.equal(model.settlement.sellers.get(o.orderId));
        }
        const grid = await outcome.system.token.balanceOf(await ops.gridCompany.getAddress());
        expect(grid).to.equal(model.settlement.grid);
        expect(await outcome.system.token.balanceOf(await outcome.system.market.getAddress())).to.equal(0n);
      });
    });
  }

  it("respects the 1:3 wind-thermal bundling and each consumer's wind demand", async function () {
    const data = loadMarket(CASE_A);
    const outcome = await replayMarket({ data, pricing: "surplus-split", operators: await operators(), rpc: ethers.provider });
    const wind = outcome.trades.filter((t) => t.group === "wind").reduce((a, t) => a + t.mwh, 0n);
    const thermal = outcome.trades.filter((t) => t.group === "thermal").reduce((a, t) => a + t.mwh, 0n);
    expect(thermal).to.be.lte(wind * 3n);
    for (const c of data.consumers) {
      const w = outcome.trades.filter((t) => t.group === "wind" && t.buyer.name === c.name).reduce((a, t) => a + t.mwh, 0n);
      expect(w, c.name).to.be.lte(c.windDemandMwh);
    }
    const text = renderReplay("Case A", outcome.trades, data.orders);
    expect(text).to.match(/group\s+consumer\s+seller\s+MWh\s+buyer price\s+seller price/);
    expect(text).to.contain("Totals");
  });
});

describe("hardhat replay task", function () {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-replay-"));
    process.exitCode = undefined;
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    process.exitCode = undefined;
  });

  it("writes --out JSON of exactly the documented shape, through a local ordering service by default", async function () {
    const out = path.join(dir, "a.json");
    await hre.run("replay", { case: "A", pricing: "paper-table", out });
    const json = JSON.parse(fs.readFileSync(out, "utf8")) as ReplayJson & { ordering: OrderingJson };
    expect(Object.keys(json)).to.deep.equal(["case", "pricing", "matches", "totals", "ordering"]);
    expect(Object.keys(json.ordering)).to.deep.equal(["mode", "nodes", "pool", "leaderChanges", "blocks", "transactions", "replicas"]);
    // Every node's replica, all at the same head.
    expect(json.ordering.replicas!.map((r) => r.node)).to.deep.equal(["n1", "n2", "n3"]);
    for (const r of json.ordering.replicas!) {
      expect(Object.keys(r)).to.deep.equal(["node", "head"]);
      expect(r.head).to.deep.equal(json.ordering.replicas![0]!.head);
    }
    expect(json.ordering.replicas![0]!.head.hash).to.match(/^0x[0-9a-f]{64}$/);
    expect(json.ordering).to.include({ mode: "raft", nodes: 3 });
    expect(Number.isSafeInteger(json.ordering.leaderChanges) && json.ordering.leaderChanges >= 0).to.equal(true);
    expect(json.ordering.pool).to.deep.equal(["n1", "n2"]);
    expect(json.ordering.transactions).to.be.greaterThan(json.matches.length);
    expect(json.ordering.blocks).to.be.within(1, json.ordering.transactions);
    expect(json.case).to.equal("A");
    expect(json.pricing).to.equal("paper-table");
    for (const m of json.matches) {
      expect(Object.keys(m)).to.deep.equal(["buyer", "seller", "mwh", "buyerPrice", "sellerPrice"]);
      expect(m.mwh).to.be.a("number");
      expect(m.buyerPrice).to.be.a("number");
    }
    expect(json.matches).to.deep.equal(runCaseA("paper-table", CASE_A).matches);
    expect(Object.keys(json.totals)).to.include.members(["B1", "W1", "H1", "grid"]);
  });

  it("replays another market given with --data", async function () {
    const custom = path.join(dir, "m");
    fs.cpSync(CASE_A, custom, { recursive: true });
    const lines = fs.readFileSync(path.join(custom, "consumers.csv"), "utf8").trim().split("\n").slice(0, 2);
    fs.writeFileSync(path.join(custom, "consumers.csv"), lines.join("\n") + "\n");
    const out = path.join(dir, "m.json");
    await hre.run("replay", { data: custom, out, direct: true });
    const json = JSON.parse(fs.readFileSync(out, "utf8")) as ReplayJson & { ordering: OrderingJson };
    expect(json.case).to.equal("custom");
    expect(new Set(json.matches.map((m) => m.buyer))).to.deep.equal(new Set(["B1"]));
    expect(json.ordering).to.deep.include({ mode: "direct", nodes: 0, pool: [], leaderChanges: 0 });
  });

  describe("when the input is bad", function () {
    it("refuses a malformed data file with one line naming file, row and field", async function () {
      const bad = path.join(dir, "bad");
      fs.cpSync(CASE_A, bad, { recursive: true });
      fs.writeFileSync(path.join(bad, "wind.csv"), "name,region,ask_price,quantity_mwh\nW1,A,abc,3486\n");
      const errors = await captureStderr(() => hre.run("replay", { data: bad }));
      expect(process.exitCode).to.equal(1);
      expect(errors).to.match(/^error: .*wind\.csv.*row 1.*ask_price/);
    });

    it("refuses an unknown case and an unknown pricing rule", async function () {
      expect(await captureStderr(() => hre.run("replay", { case: "Z" }))).to.equal('error: --case "Z": expected A, B');
      expect(process.exitCode).to.equal(1);
      process.exitCode = undefined;
      expect(await captureStderr(() => hre.run("replay", { case: "A", pricing: "fancy" }))).to.equal('error: --pricing "fancy": expected surplus-split, paper-table');
      expect(process.exitCode).to.equal(1);
    });
  });
});

async function captureStderr(body: () => Promise<unknown>): Promise<string> {
  const original = console.error;
  const lines: string[] = [];
  console.error = (...args: unknown[]) => void lines.push(args.join(" "));
  try {
    await body();
  } finally {
    console.error = original;
  }
  return lines.join("\n");
}
