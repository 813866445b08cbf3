import { task, types } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import fs from "node:fs";
import path from "node:path";
import { runTask } from "./run";

interface ReplayArgs {
  case?: string;
  data?: string;
  pricing?: string;
  out?: string;
  matchSteps: string;
  settleSteps: string;
  certPrice?: string;
  comparePaper: boolean;
  report?: string;
}

task("replay", "Replays a market round of the paper's case study (or --data DIR) through the contracts")
  .addOptionalParam("case", "Case study to replay: A, or B (two chains, green certificates, relayer)", undefined, types.string)
  .addOptionalParam("data", "Directory of a market in the data/ file format (overrides --case's data)", undefined, types.string)
  .addOptionalParam("pricing", "Pricing rule: surplus-split | paper-table (default: the data's round.json)", undefined, types.string)
  .addOptionalParam("out", "Write the result as JSON to this file", undefined, types.string)
  .addOptionalParam("matchSteps", "Matching steps per matchOrders transaction", "40", types.string)
  .addOptionalParam("settleSteps", "Trades or refunds per TRANS transaction", "60", types.string)
  .addOptionalParam(
    "certPrice",
    "Case B: certificate price(s) in tokens per certificate; a list (300,400,500) runs a sweep (default: 300,400,500)",
    undefined,
    types.string,
  )
  .addFlag("comparePaper", "Print the result beside the paper's table (Case A: Table 5 pair by pair; Case B: Table 6)")
  .addOptionalParam("report", "Write that comparison as Markdown (Case A: both pricing rules and the departures)", undefined, types.string)
  .setAction(async (args: ReplayArgs, hre) => runTask(hre, () => replayTask(args, hre)));

/** Every argument checked before anything starts, so a long run never fails at its end on a bad flag. */
async function checkedArgs(args: ReplayArgs, root: string) {
  const { choiceArg, countArg, outputFileArg } = await import("../src/cli/args");
  const { loadMarket, PRICING_RULES } = await import("../src/data");
  const { InvalidArgumentError } = await import("../src/errors");
  const caseName = args.case === undefined ? (args.data === undefined ? "A" : "custom") : choiceArg("--case", args.case, ["A", "B"]);
  if (args.certPrice !== undefined && caseName !== "B") throw new InvalidArgumentError("--cert-price applies to --case B only");
  if ((args.comparePaper || args.report !== undefined) && (caseName === "custom" || args.data !== undefined)) {
    throw new InvalidArgumentError("--compare-paper and --report compare the paper's own market (--case A or B) with its tables");
  }
  const data = loadMarket(args.data ?? path.join(root, "data", "case-a"));
  return {
    caseName,
    data,
    pricing: choiceArg("--pricing", args.pricing ?? data.round.pricing, PRICING_RULES),
    out: args.out === undefined ? undefined : outputFileArg("--out", args.out),
    report: args.report === undefined ? undefined : outputFileArg("--report", args.report),
    matchSteps: countArg("--match-steps", args.matchSteps, 1),
    settleSteps: countArg("--settle-steps", args.settleSteps, 1),
  };
}

async function replayTask(args: ReplayArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  const a = await checkedArgs(args, hre.config.paths.root);
  if (a.caseName === "B") {
    const { replayCaseB } = await import("../src/caseb/command");
    const root = hre.config.paths.root;
    return replayCaseB({ ...a, certPrice: args.certPrice, network: hre.network.name, comparePaper: args.comparePaper, root });
  }
  const { replayMarket } = await import("../src/replay/replay");
  const { renderReplay } = await import("../src/replay/report");
  const { toReplayJson } = await import("../src/replay/result");
  const { terminalProgress } = await import("../src/cli/progress-bar");
  const [admin, tradingCentre, dispatch, gridCompany, cashier] = await hre.ethers.getSigners();
  const replay = async (pricing: typeof a.pricing) => {
    const bar = terminalProgress();
    return replayMarket({
      data: a.data,
      pricing,
      operators: { admin: admin!, tradingCentre: tradingCentre!, dispatch: dispatch!, gridCompany: gridCompany!, cashier: cashier! },
      rpc: hre.ethers.provider,
      matchSteps: a.matchSteps,
      settleSteps: a.settleSteps,
      progress: bar.sink,
    }).finally(() => bar.stop());
  };
  const outcome = await replay(a.pricing);
  const title = `Case ${a.caseName} — ${a.pricing} pricing — network ${hre.network.name}`;
  console.log(renderReplay(title, outcome.trades, a.data.orders, process.stdout.isTTY));
  if (a.out !== undefined) {
    fs.writeFileSync(a.out, JSON.stringify(toReplayJson(a.caseName, a.pricing, outcome.trades, a.data.orders), null, 2) + "\n");
    console.log(`\nwrote ${a.out}`);
  }
  if (args.comparePaper || a.report !== undefined) {
    const { comparePaper } = await import("../src/paper/command");
    const print = (text: string) => console.log(`\n${text}`);
    await comparePaper({ root: hre.config.paths.root, pricing: a.pricing, trades: outcome.trades, replay: async (p) => (await replay(p)).trades, report: a.report, print });
  }
}
