import { task, types } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Signer } from "ethers";
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
  chain: string;
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
  .addOptionalParam("chain", "EVM to replay on: hardhat (in-process, or --network) or anvil (started for the replay)", "hardhat", types.string)
  .addFlag("comparePaper", "Print the result beside the paper's table (Case A: Table 5 pair by pair; Case B: Table 6)")
  .addOptionalParam("report", "Write that comparison as Markdown (Case A: both pricing rules and the departures)", undefined, types.string)
  .setAction(async (args: ReplayArgs, hre) => runTask(hre, () => replayTask(args, hre)));

/** Every argument checked before anything starts, so a long run never fails at its end on a bad flag. */
async function checkedArgs(args: ReplayArgs, root: string) {
  const { choiceArg, countArg, outputFileArg } = await import("../src/cli/args");
  const { EVMS } = await import("../src/devnet/node");
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
    chain: choiceArg("--chain", args.chain, EVMS),
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
  const chain = await openChain(a.chain, hre);
  try {
    await replayCaseA(a, args.comparePaper, hre.config.paths.root, chain);
  } finally {
    await chain.stop();
  }
}

type CheckedArgs = Awaited<ReturnType<typeof checkedArgs>>;

/** Where a Case A replay runs: the operators' signers (roles 0 to 4), the chain's JSON-RPC, a label, a way to stop. */
interface ReplayChain {
  readonly signers: readonly Signer[];
  readonly rpc: { send(method: string, params: unknown[]): Promise<unknown> };
  readonly label: string;
  stop(): Promise<void>;
}

/** The Hardhat network the task runs on, or an Anvil node started for the replay (and stopped after it). */
async function openChain(evm: "hardhat" | "anvil", hre: HardhatRuntimeEnvironment): Promise<ReplayChain> {
  if (evm === "hardhat") {
    const signers = await hre.ethers.getSigners();
    return { signers, rpc: hre.ethers.provider, label: `network ${hre.network.name}`, stop: async () => undefined };
  }
  const { InvalidArgumentError } = await import("../src/errors");
  if (hre.network.name !== "hardhat") throw new InvalidArgumentError(`--chain anvil starts its own node; drop --network ${hre.network.name}`);
  const { startDevnet } = await import("../src/devnet/node");
  const { devnetProvider, devnetWallet } = await import("../src/devnet/accounts");
  const node = await startDevnet({ name: "anvil", chainId: 31337, evm: "anvil" });
  const provider = devnetProvider(node.url, node.chainId);
  const signers = [0, 1, 2, 3, 4].map((i) => devnetWallet(i, provider));
  return { signers, rpc: provider, label: "anvil", stop: async () => (provider.destroy(), node.stop()) };
}

/** Case A (or a --data market) on one chain; with --compare-paper or --report, beside the paper's Table 5. */
async function replayCaseA(a: CheckedArgs, comparePaper: boolean, root: string, chain: ReplayChain): Promise<void> {
  const { replayMarket } = await import("../src/replay/replay");
  const { renderReplay } = await import("../src/replay/report");
  const { toReplayJson } = await import("../src/replay/result");
  const { terminalProgress } = await import("../src/cli/progress-bar");
  const [admin, tradingCentre, dispatch, gridCompany, cashier] = chain.signers as Signer[];
  const replay = async (pricing: typeof a.pricing) => {
    const bar = terminalProgress();
    return replayMarket({
      data: a.data,
      pricing,
      operators: { admin: admin!, tradingCentre: tradingCentre!, dispatch: dispatch!, gridCompany: gridCompany!, cashier: cashier! },
      rpc: chain.rpc,
      matchSteps: a.matchSteps,
      settleSteps: a.settleSteps,
      progress: bar.sink,
    }).finally(() => bar.stop());
  };
  const outcome = await replay(a.pricing);
  const title = `Case ${a.caseName} — ${a.pricing} pricing — ${chain.label}`;
  console.log(renderReplay(title, outcome.trades, a.data.orders, process.stdout.isTTY));
  if (a.out !== undefined) {
    fs.writeFileSync(a.out, JSON.stringify(toReplayJson(a.caseName, a.pricing, outcome.trades, a.data.orders), null, 2) + "\n");
    console.log(`\nwrote ${a.out}`);
  }
  if (comparePaper || a.report !== undefined) {
    const { comparePaper: compare } = await import("../src/paper/command");
    const print = (text: string) => console.log(`\n${text}`);
    await compare({ root, pricing: a.pricing, trades: outcome.trades, replay: async (p) => (await replay(p)).trades, report: a.report, print });
  }
}
