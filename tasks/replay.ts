import { task, types } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import fs from "node:fs";
import path from "node:path";

interface ReplayArgs {
  case?: string;
  data?: string;
  pricing?: string;
  out?: string;
  matchSteps: number;
  settleSteps: number;
  certPrice?: string;
}

task("replay", "Replays a market round of the paper's case study (or --data DIR) through the contracts")
  .addOptionalParam("case", "Case study to replay: A, or B (two chains, green certificates, relayer)", undefined, types.string)
  .addOptionalParam("data", "Directory of a market in the data/ file format (overrides --case's data)", undefined, types.string)
  .addOptionalParam("pricing", "Pricing rule: surplus-split | paper-table (default: the data's round.json)", undefined, types.string)
  .addOptionalParam("out", "Write the result as JSON to this file", undefined, types.string)
  .addOptionalParam("matchSteps", "Matching steps per matchOrders transaction", 40, types.int)
  .addOptionalParam("settleSteps", "Trades or refunds per TRANS transaction", 60, types.int)
  .addOptionalParam(
    "certPrice",
    "Case B: certificate price(s) in tokens per certificate; a list (300,400,500) runs a sweep (default: 300,400,500)",
    undefined,
    types.string,
  )
  .setAction(async (args: ReplayArgs, hre) => runTask(() => replayTask(args, hre)));

async function replayTask(args: ReplayArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  const { loadMarket, PRICING_RULES } = await import("../src/data");
  const { InvalidArgumentError } = await import("../src/errors");
  const { replayMarket } = await import("../src/replay/replay");
  const { renderReplay } = await import("../src/replay/report");
  const { toReplayJson } = await import("../src/replay/result");
  const { terminalProgress } = await import("../src/cli/progress-bar");

  const caseName = args.case ?? (args.data === undefined ? "A" : "custom");
  if (caseName === "B") {
    const { replayCaseB } = await import("../src/caseb/command");
    return replayCaseB({ ...args, network: hre.network.name, root: hre.config.paths.root });
  }
  if (args.certPrice !== undefined) throw new InvalidArgumentError("--cert-price applies to --case B only");
  if (args.data === undefined && caseName !== "A") {
    throw new InvalidArgumentError(`unknown case "${caseName}" (known: A, B; or give --data DIR)`);
  }
  const dir = args.data ?? path.join(__dirname, "..", "data", "case-a");
  const data = loadMarket(dir);
  const pricing = args.pricing ?? data.round.pricing;
  if (!PRICING_RULES.includes(pricing as never)) {
    throw new InvalidArgumentError(`unknown pricing rule "${pricing}" (use ${PRICING_RULES.join(" or ")})`);
  }
  if (args.matchSteps < 1 || args.settleSteps < 1) throw new InvalidArgumentError("step budgets must be at least 1");
  const [admin, tradingCentre, dispatch, gridCompany, cashier] = await hre.ethers.getSigners();
  const bar = terminalProgress();
  const outcome = await replayMarket({
    data,
    pricing: pricing as (typeof PRICING_RULES)[number],
    operators: { admin: admin!, tradingCentre: tradingCentre!, dispatch: dispatch!, gridCompany: gridCompany!, cashier: cashier! },
    rpc: hre.ethers.provider,
    matchSteps: args.matchSteps,
    settleSteps: args.settleSteps,
    progress: bar.sink,
  }).finally(() => bar.stop());
  const title = `Case ${caseName} — ${pricing} pricing — network ${hre.network.name}`;
  console.log(renderReplay(title, outcome.trades, data.orders, process.stdout.isTTY));
  if (args.out !== undefined) {
    const json = toReplayJson(caseName, pricing as (typeof PRICING_RULES)[number], outcome.trades, data.orders);
    fs.writeFileSync(args.out, JSON.stringify(json, null, 2) + "\n");
    console.log(`\nwrote ${args.out}`);
  }
}

/** Runs a task body; a dplc error becomes one line on stderr and exit code 1 instead of a stack trace. */
export async function runTask(body: () => Promise<void>): Promise<void> {
  const { DplcError } = await import("../src/errors");
  try {
    await body();
  } catch (err) {
    if (!(err instanceof DplcError)) throw err;
    console.error(`error: ${err.message}`);
    process.exitCode = 1;
  }
}
