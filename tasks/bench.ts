import { task, types } from "hardhat/config";
import fs from "node:fs";
import { runTask } from "./run";

interface BenchGasArgs {
  sizes: string;
  runs: string;
  matchSteps: string;
  settleSteps: string;
  json?: string;
}

task("bench-gas", "Gas per listing, reveal, matched trade and settled trade on synthetic markets (npm run bench:gas)")
  .addOptionalParam("sizes", "Orders per side, comma-separated", "10,100,1000", types.string)
  .addOptionalParam("runs", "Runs per size (the median is reported)", "3", types.string)
  .addOptionalParam("matchSteps", "Matching steps per matchOrders transaction", "40", types.string)
  .addOptionalParam("settleSteps", "Trades or refunds per TRANS transaction", "60", types.string)
  .addOptionalParam("json", "Also write the figures as JSON to this file", undefined, types.string)
  .setAction(async (args: BenchGasArgs, hre) =>
    runTask(hre, async () => {
      const { countArg, outputFileArg } = await import("../src/cli/args");
      const { measureGas, TX_GAS_LIMIT } = await import("../src/bench/gas");
      const { renderTable } = await import("../src/cli/table");
      const { terminalProgress } = await import("../src/cli/progress-bar");
      const sizes = args.sizes.split(",").map((s) => countArg("--sizes", s.trim(), 1));
      const runCount = countArg("--runs", args.runs, 1);
      const steps = { match: countArg("--match-steps", args.matchSteps, 1), settle: countArg("--settle-steps", args.settleSteps, 1) };
      if (args.json !== undefined) outputFileArg("--json", args.json);
      const [admin, tradingCentre, dispatch, gridCompany, cashier] = await hre.ethers.getSigners();
      const operators = { admin: admin!, tradingCentre: tradingCentre!, dispatch: dispatch!, gridCompany: gridCompany!, cashier: cashier! };
      const results = [];
      for (const n of sizes) {
        const runs = [];
        for (let r = 0; r < runCount; r++) {
          console.error(`size ${n}, run ${r + 1}/${runCount}`);
          const bar = terminalProgress();
          runs.push(
            await measureGas(n, operators, hre.ethers.provider, steps, bar.sink).finally(bar.stop),
          );
        }
        runs.sort((a, b) => a.maxTx - b.maxTx);
        results.push(runs[Math.floor(runs.length / 2)]!);
      }
      const f = (x: number) => Math.round(x).toLocaleString("en-US");
      console.log(
        renderTable(
          ["orders/side", "trades", "listing mean", "listing max", "reveal mean", "reveal max", "match/trade", "match tx max", "settle/trade", "settle tx max", "max tx"],
          results.map((g) => [
            g.ordersPerSide,
            g.trades,
            f(g.listing.mean),
            f(g.listing.max),
            f(g.reveal.mean),
            f(g.reveal.max),
            f(g.matchPerTrade),
            f(g.matchTxMax),
            f(g.settlePerTrade),
            f(g.settleTxMax),
            f(g.maxTx),
          ]),
        ),
      );
      console.log("\nListing gas by book depth (mean of each kind's first and last tenth of listings)");
      console.log(
        renderTable(
          ["orders/side", "consumer first", "consumer last", "wind first", "wind last", "thermal first", "thermal last"],
          results.map((g) => {
            const d = g.listingByDepth;
            return [g.ordersPerSide, f(d.consumer.firstTenth), f(d.consumer.lastTenth), f(d.wind.firstTenth), f(d.wind.lastTenth), f(d.thermal.firstTenth), f(d.thermal.lastTenth)];
          }),
        ),
      );
      if (args.json !== undefined) fs.writeFileSync(args.json, JSON.stringify(results, null, 2) + "\n");
      const over = results.filter((g) => BigInt(g.maxTx) > TX_GAS_LIMIT);
      if (over.length > 0) {
        console.error(`error: a transaction used more than ${TX_GAS_LIMIT} gas at sizes ${over.map((g) => g.ordersPerSide).join(", ")}`);
        process.exitCode = 1;
      }
    }),
  );
