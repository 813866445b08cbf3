import { task, types } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
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
  direct: boolean;
  orderer?: string;
  chainUrl?: string;
  ordererNodes?: string;
  pool?: string;
}

task("replay", "Replays a market round of the paper's case study (or --data DIR) through the contracts")
  .addOptionalParam("case", "Case study to replay: A, or B (two chains, green certificates, relayer)", undefined, types.string)
  .addOptionalParam("data", "Directory of a market in the data/ file format (overrides --case's data)", undefined, types.string)
  .addOptionalParam("pricing", "Pricing rule: surplus-split | paper-table (default: the data's round.json)", undefined, types.string)
  .addOptionalParam("out", "Write the result to this file: JSON, or with a .csv name the match table there and the totals in NAME.totals.csv", undefined, types.string)
  .addOptionalParam("matchSteps", "Matching steps per matchOrders transaction", "40", types.string)
  .addOptionalParam("settleSteps", "Trades or refunds per TRANS transaction", "60", types.string)
  .addOptionalParam(
    "certPrice",
    "Case B: certificate price(s) in tokens per certificate; a list (300,400,500) runs a sweep (default: 300,400,500)",
    undefined,
    types.string,
  )
  .addOptionalParam("chain", "EVM to replay on: hardhat (in-process, or --network) or anvil (started for the replay); behind a local ordering service, every replica's", "hardhat", types.string)
  .addFlag("direct", "Send transactions straight to the chain, without the ordering service (the path before issue 12)")
  .addOptionalParam("orderer", "Use a running ordering service: its nodes' API URLs, URL[,URL…] (needs --chain-url)", undefined, types.string)
  .addOptionalParam("chainUrl", "With --orderer: JSON-RPC URL of one node's replica of the chain (receipts, gas estimates; every replica answers the same)", undefined, types.string)
  .addOptionalParam("ordererNodes", "Nodes of the local ordering service started for the replay (default 3)", undefined, types.string)
  .addOptionalParam("pool", "Trading-centre nodes of that service, the only ones that may lead (default 2)", undefined, types.string)
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
  const { orderingArgs } = await import("../src/ordering/args");
  const chain = choiceArg("--chain", args.chain, EVMS);
  const ordering = orderingArgs({ ...args, chain });
  return {
    ordering,
    caseName,
    data,
    pricing: choiceArg("--pricing", args.pricing ?? data.round.pricing, PRICING_RULES),
    out: args.out === undefined ? undefined : outputFileArg("--out", args.out),
    report: args.report === undefined ? undefined : outputFileArg("--report", args.report),
    chain,
    matchSteps: countArg("--match-steps", args.matchSteps, 1),
    settleSteps: countArg("--settle-steps", args.settleSteps, 1),
  };
}

async function replayTask(args: ReplayArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  const a = await checkedArgs(args, hre.config.paths.root);
  if (a.ordering.mode !== "direct" && hre.network.name !== "hardhat") {
    const { InvalidArgumentError } = await import("../src/errors");
    throw new InvalidArgumentError(`the ordering service runs its own chain; add --direct to replay on --network ${hre.network.name}`);
  }
  if (a.caseName === "B") {
    if (a.ordering.mode === "remote") throw new (await import("../src/errors")).InvalidArgumentError("--case B starts its own chains: drop --orderer");
    const { replayCaseB } = await import("../src/caseb/command");
    const root = hre.config.paths.root;
    return replayCaseB({ ...a, ordering: a.ordering, certPrice: args.certPrice, network: hre.network.name, comparePaper: args.comparePaper, root });
  }
  const chain = await openChain(a, hre);
  try {
    await replayCaseA(a, args.comparePaper, hre.config.paths.root, chain);
  } finally {
    await chain.stop();
  }
}

type CheckedArgs = Awaited<ReturnType<typeof checkedArgs>>;

/**
 * Where a Case A replay runs: behind an ordering service (a local cluster started for the replay, or a running one),
 * or directly on the Hardhat network the task runs on or an Anvil node started for it. Stopped after the replay.
 */
async function openChain(a: CheckedArgs, hre: HardhatRuntimeEnvironment): Promise<import("../src/ordering/session").MarketChain> {
  const { directChain, openOrderedChain } = await import("../src/ordering/session");
  const o = a.ordering;
  if (o.mode === "local") return openOrderedChain({ nodes: o.nodes, pool: o.pool, evm: a.chain, log: (line) => console.error(line) });
  if (o.mode === "remote") return openOrderedChain({ urls: o.urls, chainUrl: o.chainUrl });
  if (a.chain === "hardhat") {
    return directChain(await hre.ethers.getSigners(), hre.ethers.provider, `network ${hre.network.name}`, async () => undefined);
  }
  const { InvalidArgumentError } = await import("../src/errors");
  if (hre.network.name !== "hardhat") throw new InvalidArgumentError(`--chain anvil starts its own node; drop --network ${hre.network.name}`);
  const { startDevnet } = await import("../src/devnet/node");
  const { devnetProvider, devnetWallet } = await import("../src/devnet/accounts");
  // A bounded connection pool (ethers uses Node's global agent), as bench:gas has: funding a large market sends one
  // request per participant at once, which on a loaded machine otherwise times out requests to the node.
  (await import("node:http")).globalAgent.maxSockets = 64;
  const node = await startDevnet({ name: "anvil", chainId: 31337, evm: "anvil" });
  const provider = devnetProvider(node.url, node.chainId);
  const signers = [0, 1, 2, 3, 4].map((i) => devnetWallet(i, provider));
  return directChain(signers, provider, "anvil", async () => (provider.destroy(), node.stop()));
}

/** Case A (or a --data market) on one chain; with --compare-paper or --report, beside the paper's Table 5. */
async function replayCaseA(a: CheckedArgs, comparePaper: boolean, root: string, chain: import("../src/ordering/session").MarketChain): Promise<void> {
  const { replayMarket } = await import("../src/replay/replay");
  const { DIRECT_MAX_IN_FLIGHT } = await import("../src/replay/in-flight");
  const { renderReplay } = await import("../src/replay/report");
  const { toReplayJson } = await import("../src/replay/result");
  const { terminalProgress } = await import("../src/cli/progress-bar");
  const { orderingLine } = await import("../src/ordering/summary");
  const replay = async (pricing: typeof a.pricing) => {
    const bar = terminalProgress();
    return replayMarket({
      data: a.data,
      pricing,
      operators: chain.operators,
      rpc: chain.rpc,
      submitter: chain.submitter,
      advanceTime: chain.advanceTime,
      fund: chain.fund,
      matchSteps: a.matchSteps,
      settleSteps: a.settleSteps,
      // Straight to a node, a bound on waits (src/replay/in-flight.ts); an ordering service batches all at once.
      maxInFlight: a.ordering.mode === "direct" ? DIRECT_MAX_IN_FLIGHT : undefined,
      progress: bar.sink,
    }).finally(() => bar.stop());
  };
  const outcome = await replay(a.pricing);
  await checkAdmissionRegistry(chain, outcome.system.registry);
  const title = `Case ${a.caseName} — ${a.pricing} pricing — ${chain.label}`;
  const ordering = await chain.summary();
  console.log(renderReplay(title, outcome.trades, a.data.orders, process.stdout.isTTY));
  console.log(`\n${orderingLine(ordering)}`);
  if (a.out !== undefined) {
    const { writeReplayOut } = await import("../src/replay/csv");
    const written = writeReplayOut(a.out, { ...toReplayJson(a.caseName, a.pricing, outcome.trades, a.data.orders), ordering });
    console.log(`\nwrote ${written.join(" and ")}`);
  }
  if (comparePaper || a.report !== undefined) {
    const { comparePaper: compare } = await import("../src/paper/command");
    const print = (text: string) => console.log(`\n${text}`);
    await compare({ root, pricing: a.pricing, trades: outcome.trades, replay: async (p) => (await replay(p)).trades, report: a.report, print });
  }
}

/**
 * The cluster admits senders against the registry address fixed before deployment; a market deployed elsewhere would
 * leave every participant refused (403), so say so plainly. (A second market on the same chain, as --compare-paper
 * runs, keeps using the first one's registry: its participants are approved there already.)
 */
async function checkAdmissionRegistry(chain: import("../src/ordering/session").MarketChain, registry: { getAddress(): Promise<string> }) {
  if (chain.expectedRegistry === undefined) return;
  const deployed = await registry.getAddress();
  if (deployed.toLowerCase() !== chain.expectedRegistry.toLowerCase()) {
    const { ReplayInvariantError } = await import("../src/replay/replay");
    throw new ReplayInvariantError(`the ordering service admits senders against registry ${chain.expectedRegistry}, but the market's registry is at ${deployed}`);
  }
}
