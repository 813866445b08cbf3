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

task("bench-gas", "Gas per listing, matched trade and settled trade on synthetic markets (npm run bench:gas)")
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
          ["orders/side", "trades", "listing mean", "listing max", "match/trade", "match tx max", "settle/trade", "settle tx max", "max tx"],
          results.map((g) => [g.ordersPerSide, g.trades, f(g.listing.mean), f(g.listing.max), f(g.matchPerTrade), f(g.matchTxMax), f(g.settlePerTrade), f(g.settleTxMax), f(g.maxTx)]),
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

interface BenchMarketArgs {
  orders: string;
  runs: string;
  ordererNodes: string;
  pool: string;
  json?: string;
}

task("bench-market", "A synthetic market replayed end to end, ordered vs direct, against hardhat node processes (npm run bench:market)")
  .addOptionalParam("orders", "Orders per side of the synthetic market", "200", types.string)
  .addOptionalParam("runs", "Runs per mode, alternating (the median is reported)", "3", types.string)
  .addOptionalParam("ordererNodes", "Nodes of the ordering service", "3", types.string)
  .addOptionalParam("pool", "Trading-centre nodes (the only ones that may lead)", "2", types.string)
  .addOptionalParam("json", "Also write every run as JSON to this file", undefined, types.string)
  .setAction(async (args: BenchMarketArgs, hre) =>
    runTask(hre, async () => {
      const { countArg, outputFileArg } = await import("../src/cli/args");
      const { benchDirect, benchOrdered, medianRun } = await import("../src/bench/market");
      const { checkClusterShape } = await import("../src/ordering/cluster");
      const { renderTable } = await import("../src/cli/table");
      const { terminalProgress } = await import("../src/cli/progress-bar");
      const ordersPerSide = countArg("--orders", args.orders, 1);
      const runCount = countArg("--runs", args.runs, 1);
      const nodes = countArg("--orderer-nodes", args.ordererNodes, 1);
      const pool = countArg("--pool", args.pool, 1);
      checkClusterShape(nodes, pool);
      if (args.json !== undefined) outputFileArg("--json", args.json);
      const runs = [];
      for (let r = 0; r < runCount; r++) {
        for (const mode of ["direct", "raft"] as const) {
          console.error(`${mode}, run ${r + 1}/${runCount}`);
          const bar = terminalProgress();
          const o = { ordersPerSide, nodes, pool, progress: bar.sink };
          const once = () => (mode === "direct" ? benchDirect(o) : benchOrdered(o));
          // A run that fails (a chain node dropping a connection on this shared machine) is run again, once, and said.
          const run = await once()
            .catch((err: Error) => (console.error(`  run failed (${err.message.split("\n")[0]}); running it again`), once()))
            .finally(bar.stop);
          console.error(`  ${run.transactions} transactions in ${run.seconds.toFixed(1)} s: ${run.txPerSecond.toFixed(1)} tx/s`);
          runs.push(run);
        }
      }
      const direct = medianRun(runs.filter((r) => r.mode === "direct"));
      const ordered = medianRun(runs.filter((r) => r.mode === "raft"));
      const row = (m: typeof direct) => [m.mode, m.transactions, m.blocks, m.trades, m.seconds.toFixed(1), m.txPerSecond.toFixed(1)];
      console.log(renderTable(["mode", "transactions", "blocks", "trades", "wall s", "tx/s"], [row(direct), row(ordered)]));
      console.log(`\nordered ÷ direct: ${((100 * ordered.txPerSecond) / direct.txPerSecond).toFixed(1)} % of direct mode's throughput (median of ${runCount})`);
      if (args.json !== undefined) fs.writeFileSync(args.json, JSON.stringify({ ordersPerSide, runs }, null, 2) + "\n");
    }),
  );
