import { task, types } from "hardhat/config";
import fs from "node:fs";
import { runTask } from "./run";

interface BenchGasArgs {
  sizes: string;
  regions: string;
  chain: string;
  runs: string;
  matchSteps: string;
  settleSteps: string;
  json?: string;
}

task("bench-gas", "Gas per listing, reveal, matched trade and settled trade on synthetic markets (npm run bench:gas)")
  .addOptionalParam("sizes", "Orders per side, comma-separated", "10,100,1000", types.string)
  .addOptionalParam("regions", "Regions of the synthetic market (1–32, comma-separated; every region pair a corridor)", "4", types.string)
  .addOptionalParam("chain", "hardhat (in-process) or anvil (a node started for each run: far less memory for large markets)", "hardhat", types.string)
  .addOptionalParam("runs", "Runs per size (the median is reported)", "3", types.string)
  .addOptionalParam("matchSteps", "Matching steps per matchOrders transaction", "40", types.string)
  .addOptionalParam("settleSteps", "Trades or refunds per TRANS transaction", "60", types.string)
  .addOptionalParam("json", "Also write the figures as JSON to this file", undefined, types.string)
  .setAction(async (args: BenchGasArgs, hre) =>
    runTask(hre, async () => {
      const { choiceArg, countArg, outputFileArg } = await import("../src/cli/args");
      const { GAS_BENCH_CHAINS, measureGas, openGasBenchChain, TX_GAS_LIMIT } = await import("../src/bench/gas");
      const { renderTable } = await import("../src/cli/table");
      const { terminalProgress } = await import("../src/cli/progress-bar");
      const sizes = args.sizes.split(",").map((s) => countArg("--sizes", s.trim(), 1));
      const regionCounts = args.regions.split(",").map((s) => countArg("--regions", s.trim(), 1, 32));
      const chainKind = choiceArg("--chain", args.chain, GAS_BENCH_CHAINS);
      const runCount = countArg("--runs", args.runs, 1);
      const steps = { match: countArg("--match-steps", args.matchSteps, 1), settle: countArg("--settle-steps", args.settleSteps, 1) };
      if (args.json !== undefined) outputFileArg("--json", args.json);
      const inProcess = { signers: await hre.ethers.getSigners(), provider: hre.ethers.provider };
      const results = [];
      for (const [n, regions] of sizes.flatMap((n) => regionCounts.map((regions) => [n, regions] as const))) {
        const runs = [];
        for (let r = 0; r < runCount; r++) {
          console.error(`size ${n}, ${regions} regions, ${chainKind}, run ${r + 1}/${runCount}`);
          const chain = await openGasBenchChain(chainKind, inProcess);
          const bar = terminalProgress();
          runs.push(await measureGas(n, regions, chain, steps, bar.sink).finally(() => (bar.stop(), chain.stop())));
        }
        runs.sort((a, b) => a.maxTx - b.maxTx);
        results.push(runs[Math.floor(runs.length / 2)]!);
      }
      const f = (x: number) => Math.round(x).toLocaleString("en-US");
      console.log(
        renderTable(
          ["orders/side", "regions", "trades", "listing mean", "listing max", "reveal mean", "reveal max", "match/trade", "match tx max", "settle/trade", "settle tx max", "max tx"],
          results.map((g) => [
            g.ordersPerSide,
            g.regions,
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
      const mb = (b: number | undefined) => (b === undefined ? "n/a" : (b / 2 ** 20).toFixed(0));
      console.log("\nWall time and peak RSS (MiB, VmHWM) of each process, in the median run");
      console.log(
        renderTable(
          ["orders/side", "regions", "chain", "wall s", "peak RSS by process"],
          results.map((g) => [g.ordersPerSide, g.regions, chainKind, g.seconds.toFixed(1), Object.entries(g.peakRss).map(([p, b]) => `${p} ${mb(b)}`).join(", ")]),
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
