import { scope, types } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import path from "node:path";
import { requireNode, runTask } from "./run";

/**
 * Tasks for people who operate or use a deployment by hand (`npx hardhat market <task> --network localhost`). Each is
 * a thin adapter over src/ops: values arrive as text and are parsed by src/cli/args, so a bad one is one line.
 * `--from` picks the signing account by index or address (defaults by role: 0 admin, 1 trading centre, 2 dispatch
 * centre, 3 grid company, 4 cashier).
 */
const market = scope("market", "Operate a DPLC market deployment: deploy, register, list, match, settle");

const ROLE_INDEX = { admin: 0, tradingCentre: 1, dispatch: 2, grid: 3, cashier: 4, participant: 5 } as const;

async function signer(hre: HardhatRuntimeEnvironment, from: string | undefined, fallback: number) {
  const { accountArg } = await import("../src/cli/args");
  const signers = await hre.ethers.getSigners();
  if (from === undefined) return signers[fallback]!;
  const address = accountArg("--from", from, signers.map((s) => s.address));
  const s = signers.find((x) => x.address === address);
  if (s === undefined) {
    const { InvalidArgumentError } = await import("../src/errors");
    throw new InvalidArgumentError(`--from ${from}: not an account this network can sign for`);
  }
  return s;
}

/** Where this network's deployment is recorded: deployments/<network>.json, or in $DPLC_DEPLOYMENTS_DIR if set. */
async function deploymentFile(hre: HardhatRuntimeEnvironment): Promise<string> {
  const { deploymentPath } = await import("../src/ops/deployment");
  const dir = process.env.DPLC_DEPLOYMENTS_DIR;
  return dir === undefined ? deploymentPath(hre.config.paths.root, hre.network.name) : path.join(dir, `${hre.network.name}.json`);
}

/** The deployment on this network, checked to be live, connected to the signing account. */
async function system(hre: HardhatRuntimeEnvironment, from: string | undefined, fallback: number) {
  await requireNode(hre);
  const { attach, checkDeployed, loadDeployment } = await import("../src/ops/deployment");
  const file = await deploymentFile(hre);
  const d = loadDeployment(file);
  await checkDeployed(path.relative(process.cwd(), file), d, hre.ethers.provider);
  const who = await signer(hre, from, fallback);
  const { marketClient } = await import("../src/actions");
  return { client: marketClient(attach(d, who)), who };
}

/** An account given by address or index among the network's accounts. */
async function account(hre: HardhatRuntimeEnvironment, flag: string, text: string) {
  const { accountArg } = await import("../src/cli/args");
  return accountArg(flag, text, (await hre.ethers.getSigners()).map((s) => s.address));
}

function print(value: unknown) {
  console.log(JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2));
}

const FROM = "Account index or address";

market
  .task("deploy", "Deploy token, registry, grid parameters, market and pricing rules; record deployments/<network>.json")
  .setAction(async (_args, hre) =>
    runTask(hre, async () => {
      await requireNode(hre);
      const { deployMarketSystem } = await import("../src/chain/deploy");
      const { describeDeployment, saveDeployment } = await import("../src/ops/deployment");
      const s = await hre.ethers.getSigners();
      const sys = await deployMarketSystem({ admin: s[0]!, tradingCentre: s[1]!, dispatch: s[2]!, gridCompany: s[3]!, cashier: s[4]! });
      const chainId = Number((await hre.ethers.provider.getNetwork()).chainId);
      const file = await deploymentFile(hre);
      saveDeployment(file, await describeDeployment(sys, hre.network.name, chainId));
      console.log(`deployed; addresses in ${path.relative(process.cwd(), file)}`);
    }),
  );

market
  .task("register", "Apply for admission (Regis) as a consumer, wind or thermal generator")
  .addParam("kind", "consumer | wind | thermal", undefined, types.string)
  .addParam("region", "Region code, e.g. B (at most 31 characters)", undefined, types.string)
  .addParam("code", "Registration code (at most 31 bytes)", undefined, types.string)
  .addOptionalParam("from", FROM, undefined, types.string)
  .setAction(async (a: { kind: string; region: string; code: string; from?: string }, hre) =>
    runTask(hre, async () => {
      const { choiceArg, codeArg } = await import("../src/cli/args");
      const { register } = await import("../src/actions");
      const kind = choiceArg("--kind", a.kind, ["consumer", "wind", "thermal"] as const);
      const region = codeArg("--region", a.region);
      const code = codeArg("--code", a.code);
      const { client, who } = await system(hre, a.from, ROLE_INDEX.participant);
      await register(client, who, { kind, region, code });
      console.log(`${who.address} applied as ${kind} in region ${region}`);
    }),
  );

market
  .task("review", "Trading centre: approve or reject an application")
  .addParam("account", "Applicant: address or account index", undefined, types.string)
  .addOptionalParam("reject", "Reject with this reason (at most 31 bytes) instead of approving", undefined, types.string)
  .addOptionalParam("from", FROM, undefined, types.string)
  .setAction(async (a: { account: string; reject?: string; from?: string }, hre) =>
    runTask(hre, async () => {
      const { codeArg } = await import("../src/cli/args");
      const { review } = await import("../src/actions");
      const applicant = await account(hre, "--account", a.account);
      const reason = a.reject === undefined ? undefined : codeArg("--reject", a.reject);
      const { client, who } = await system(hre, a.from, ROLE_INDEX.tradingCentre);
      await review(client, who, applicant, reason === undefined ? { approve: true } : { approve: false, reason });
      console.log(`${applicant} ${reason === undefined ? "approved" : "rejected"}`);
    }),
  );

market
  .task("deposit", "Cashier: convert an attested RMB deposit into tokens (10 tokens per RMB by default)")
  .addParam("account", "Participant: address or account index", undefined, types.string)
  .addParam("rmb", "RMB amount, at most 2 decimals (e.g. 30400000 or 99.5)", undefined, types.string)
  .addParam("receipt", "Deposit receipt id (any text; each converts once)", undefined, types.string)
  .addOptionalParam("from", FROM, undefined, types.string)
  .setAction(async (a: { account: string; rmb: string; receipt: string; from?: string }, hre) =>
    runTask(hre, async () => {
      const { unitArg } = await import("../src/cli/args");
      const { parseRmb } = await import("../src/units");
      const { deposit } = await import("../src/actions");
      const to = await account(hre, "--account", a.account);
      const rmb = unitArg("--rmb", a.rmb, parseRmb);
      const { client, who } = await system(hre, a.from, ROLE_INDEX.cashier);
      await deposit(client, who, { account: to, rmb, receiptId: hre.ethers.id(a.receipt) });
      console.log(`deposited ${a.rmb} RMB for ${to}`);
    }),
  );

market
  .task("corridor", "Grid company: set a (seller region, buyer region) corridor's loss rate, price and capacity")
  .addParam("seller", "Seller region code", undefined, types.string)
  .addParam("buyer", "Buyer region code", undefined, types.string)
  .addParam("loss", "Loss rate in percent, e.g. 6.5", undefined, types.string)
  .addParam("price", "Transmission price, token/kWh", undefined, types.string)
  .addOptionalParam("capacity", "Capacity in MWh per round (default unlimited)", undefined, types.string)
  .addOptionalParam("from", FROM, undefined, types.string)
  .setAction(async (a: { seller: string; buyer: string; loss: string; price: string; capacity?: string; from?: string }, hre) =>
    runTask(hre, async () => {
      const { codeArg, unitArg } = await import("../src/cli/args");
      const { parseLossRate, parsePrice, parseMwh } = await import("../src/units");
      const { setCorridor } = await import("../src/actions");
      const corridor = {
        seller: codeArg("--seller", a.seller),
        buyer: codeArg("--buyer", a.buyer),
        lossPpm: unitArg("--loss", a.loss, parseLossRate),
        transmissionPrice: unitArg("--price", a.price, parsePrice),
        capacityMwh: a.capacity === undefined ? null : unitArg("--capacity", a.capacity, (t) => parseMwh(t, 0n)),
      };
      const { client, who } = await system(hre, a.from, ROLE_INDEX.grid);
      await setCorridor(client, who, corridor);
      console.log(`corridor ${a.seller}->${a.buyer} set`);
    }),
  );

market
  .task("open", "Trading centre: open a round")
  .addOptionalParam("listing", "Listing window in seconds", "3600", types.string)
  .addOptionalParam("reveal", "Reveal window after the deadline, in seconds (600 to 604800)", "3600", types.string)
  .addOptionalParam("ratio", "Bundling ratio, thermal per wind (at most 1000)", "3", types.string)
  .addOptionalParam("pricing", "surplus-split | paper-table", "surplus-split", types.string)
  .addOptionalParam("windCert", "Certificate cost X for wind sellers, token/kWh", "0", types.string)
  .addOptionalParam("thermalCert", "Certificate cost X for thermal sellers, token/kWh", "0", types.string)
  .addOptionalParam("minOrder", "Smallest order quantity, whole MWh (at least 1)", "1", types.string)
  .addOptionalParam("from", FROM, undefined, types.string)
  .setAction(
    async (a: { listing: string; reveal: string; ratio: string; pricing: string; windCert: string; thermalCert: string; minOrder: string; from?: string }, hre) =>
      runTask(hre, async () => {
        const { choiceArg, countArg, unitArg } = await import("../src/cli/args");
        const { parsePrice, parseRatioToBps } = await import("../src/units");
        const { PRICING_RULES } = await import("../src/data");
        const { openRound } = await import("../src/actions");
        const pricing = choiceArg("--pricing", a.pricing, PRICING_RULES);
        // 30 days at most (the market's MAX_LISTING_SECONDS): a round whose listing never closes would hold every escrow.
        const listing = countArg("--listing", a.listing, 1, 30 * 24 * 3600);
        const config = {
          bundlingRatioBps: unitArg("--ratio", a.ratio, parseRatioToBps),
          windCertCost: unitArg("--wind-cert", a.windCert, parsePrice),
          thermalCertCost: unitArg("--thermal-cert", a.thermalCert, parsePrice),
          minOrderMwh: BigInt(countArg("--min-order", a.minOrder, 1, 1e12)),
          // The market's MIN_REVEAL_SECONDS and MAX_REVEAL_SECONDS.
          revealSeconds: countArg("--reveal", a.reveal, 600, 7 * 24 * 3600),
          pricing,
        };
        const { client, who } = await system(hre, a.from, ROLE_INDEX.tradingCentre);
        const now = (await hre.ethers.provider.getBlock("latest"))!.timestamp;
        const id = await openRound(client, who, { deadline: now + listing, ...config });
        console.log(`round ${id} open for ${listing} s, then ${config.revealSeconds} s to reveal`);
      }),
  );

market
  .task("list", "List a sealed order (PAYMENT): consumers give --green; thermal generators --env and --subsidy")
  .addParam("quantity", "Quantity in whole MWh", undefined, types.string)
  .addParam("price", "Bid or ask, token/kWh (above 0)", undefined, types.string)
  .addOptionalParam("green", "Consumer's wind demand in MWh", "0", types.string)
  .addOptionalParam("env", "Thermal environmental price, token/kWh", "0", types.string)
  .addOptionalParam("subsidy", "Thermal cross-subsidy price, token/kWh", "0", types.string)
  .addOptionalParam("escrow", "Consumer's escrow in tokens, at least price × quantity × 1000 (the default; more hides the bid)", undefined, types.string)
  .addOptionalParam("from", FROM, undefined, types.string)
  .setAction(async (a: { quantity: string; price: string; green: string; env: string; subsidy: string; escrow?: string; from?: string }, hre) =>
    runTask(hre, async () => {
      const { unitArg } = await import("../src/cli/args");
      const { formatDecimal, parseBidAsk, parseMwh, parsePrice, parseDecimal } = await import("../src/units");
      const { approveEscrow, listOrder, orderLiability, sealOrder } = await import("../src/actions");
      const { KIND_CODE } = await import("../src/chain/participants");
      const { sealedOrderPath, saveSealedOrder } = await import("../src/ops/sealed-orders");
      const request = {
        quantityMwh: unitArg("--quantity", a.quantity, (t) => parseMwh(t)),
        price: unitArg("--price", a.price, parseBidAsk),
        greenDemandMwh: unitArg("--green", a.green, (t) => parseMwh(t, 0n)),
        envPrice: unitArg("--env", a.env, parsePrice),
        subsidyPrice: unitArg("--subsidy", a.subsidy, parsePrice),
      };
      const { client, who } = await system(hre, a.from, ROLE_INDEX.participant);
      const consumer = (await client.sys.registry.participant(who.address)).kind === BigInt(KIND_CODE.consumer);
      const liability = consumer ? orderLiability(request) : 0n;
      const escrow = a.escrow === undefined || !consumer ? liability : unitArg("--escrow", a.escrow, (t) => parseDecimal(t, 18));
      if (escrow < liability) {
        const { InvalidArgumentError } = await import("../src/errors");
        // The reveal would fail and the order drop out: refuse now rather than after the deadline.
        throw new InvalidArgumentError(`--escrow ${a.escrow}: below the order's liability of ${formatDecimal(liability, 18)} tokens`);
      }
      if (escrow > 0n) await approveEscrow(client, who, { unlessAtLeast: escrow });
      const market = await client.sys.market.getAddress();
      const roundId = await client.sys.market.currentRound();
      const sealed = sealOrder({ market, roundId, owner: await who.getAddress(), request, escrow });
      const { orderId } = await listOrder(client, who, sealed);
      const file = sealedOrderPath(await deploymentFile(hre), hre.network.name, orderId);
      saveSealedOrder(file, orderId, sealed);
      console.log(`order ${orderId} listed sealed; reveal it after the deadline with "market reveal --order ${orderId}" (salt in ${path.relative(process.cwd(), file)})`);
    }),
  );

market
  .task("reveal", "Reveal a sealed order (listed from this machine) in the reveal window after the deadline")
  .addParam("order", "Order id", undefined, types.string)
  .addOptionalParam("from", FROM, undefined, types.string)
  .setAction(async (a: { order: string; from?: string }, hre) =>
    runTask(hre, async () => {
      const { integerArg } = await import("../src/cli/args");
      const { revealOrder } = await import("../src/actions");
      const { loadSealedOrder, sealedOrderPath, SealedOrderError } = await import("../src/ops/sealed-orders");
      const orderId = integerArg("--order", a.order, 1n);
      const sealed = loadSealedOrder(sealedOrderPath(await deploymentFile(hre), hre.network.name, orderId));
      const { client, who } = await system(hre, a.from, ROLE_INDEX.participant);
      const signer = await who.getAddress();
      if (sealed.owner.toLowerCase() !== signer.toLowerCase()) {
        throw new SealedOrderError(`order ${orderId} was listed by ${sealed.owner}, not ${signer}: pass --from with its account`);
      }
      await revealOrder(client, who, orderId, sealed);
      console.log(`order ${orderId} revealed`);
    }),
  );

market
  .task("refund", "Return the escrow of an order left unrevealed once the reveal window has closed, or (--cancelled) of an order of a cancelled round (anyone may call)")
  .addParam("order", "Order id", undefined, types.string)
  .addFlag("cancelled", "The order's round was cancelled: return its whole escrow")
  .addOptionalParam("from", FROM, undefined, types.string)
  .setAction(async (a: { order: string; cancelled: boolean; from?: string }, hre) =>
    runTask(hre, async () => {
      const { integerArg } = await import("../src/cli/args");
      const { refundCancelled, refundUnrevealed } = await import("../src/actions");
      const orderId = integerArg("--order", a.order, 1n);
      const { client, who } = await system(hre, a.from, ROLE_INDEX.admin);
      await (a.cancelled ? refundCancelled : refundUnrevealed)(client, who, orderId);
      console.log(`order ${orderId} refunded`);
    }),
  );

market
  .task("cancel", 'Cancel the current round: the trading centre before the dispatch centre approves it, or anyone once it has stalled (--stalled); escrow then comes back with "market refund --cancelled"')
  .addFlag("stalled", "Cancel as anyone: the round is still unapproved STALL_SECONDS after its reveal deadline")
  .addOptionalParam("from", FROM, undefined, types.string)
  .setAction(async (a: { stalled: boolean; from?: string }, hre) =>
    runTask(hre, async () => {
      const { cancelRound, cancelStalledRound, roundStatus } = await import("../src/actions");
      const { client, who } = await system(hre, a.from, a.stalled ? ROLE_INDEX.admin : ROLE_INDEX.tradingCentre);
      await (a.stalled ? cancelStalledRound : cancelRound)(client, who);
      console.log(`round ${(await roundStatus(client)).roundId} cancelled`);
    }),
  );

market
  .task("withdraw", "Withdraw an order before the deadline (WITHDRAW); a consumer's escrow is refunded")
  .addParam("order", "Order id", undefined, types.string)
  .addOptionalParam("from", FROM, undefined, types.string)
  .setAction(async (a: { order: string; from?: string }, hre) =>
    runTask(hre, async () => {
      const { integerArg } = await import("../src/cli/args");
      const { withdrawOrder } = await import("../src/actions");
      const order = integerArg("--order", a.order, 1n);
      const { client, who } = await system(hre, a.from, ROLE_INDEX.participant);
      await withdrawOrder(client, who, order);
      console.log(`order ${order} withdrawn`);
    }),
  );

market
  .task("status", "Show a round's state (default: the current round) as JSON")
  .addOptionalParam("round", "Round id", undefined, types.string)
  .setAction(async (a: { round?: string }, hre) =>
    runTask(hre, async () => {
      const { integerArg } = await import("../src/cli/args");
      const { roundStatus } = await import("../src/actions");
      const round = a.round === undefined ? undefined : integerArg("--round", a.round, 1n);
      const { client } = await system(hre, undefined, ROLE_INDEX.admin);
      print(await roundStatus(client, round));
    }),
  );

market
  .task("match", "Run on-chain matching after the reveal window, in bounded steps (anyone may call)")
  .addOptionalParam("steps", "Steps per transaction", "40", types.string)
  .addFlag("once", "Send one transaction instead of running to the end")
  .addOptionalParam("from", FROM, undefined, types.string)
  .setAction(async (a: { steps: string; once: boolean; from?: string }, hre) =>
    runTask(hre, async () => {
      const { countArg } = await import("../src/cli/args");
      const { runMatching } = await import("../src/actions");
      const steps = countArg("--steps", a.steps, 1);
      const { client, who } = await system(hre, a.from, ROLE_INDEX.admin);
      const r = await runMatching(client, who, { steps, untilDone: !a.once });
      console.log(`${r.calls} matching transaction(s); ${r.done ? "matching complete" : "more steps needed"}`);
    }),
  );

market
  .task("approve", "Dispatch centre: approve the matched result (security check passed)")
  .addOptionalParam("from", FROM, undefined, types.string)
  .setAction(async (a: { from?: string }, hre) =>
    runTask(hre, async () => {
      const { approveMatching } = await import("../src/actions");
      const { client, who } = await system(hre, a.from, ROLE_INDEX.dispatch);
      await approveMatching(client, who);
      console.log("matching approved");
    }),
  );

market
  .task("curtail", "Dispatch centre: curtail trades (blocking management), e.g. --cuts 0:100,3:50")
  .addParam("cuts", "tradeId:MWh pairs, comma-separated", undefined, types.string)
  .addOptionalParam("from", FROM, undefined, types.string)
  .setAction(async (a: { cuts: string; from?: string }, hre) =>
    runTask(hre, async () => {
      const { parseCuts } = await import("../src/cli/args");
      const { curtailTrades } = await import("../src/actions");
      const cuts = parseCuts("--cuts", a.cuts);
      const { client, who } = await system(hre, a.from, ROLE_INDEX.dispatch);
      await curtailTrades(client, who, cuts);
      console.log(`${cuts.length} trade(s) curtailed; run "market match" again`);
    }),
  );

market
  .task("settle", "Settle the approved round (TRANS) in bounded steps (anyone may call)")
  .addOptionalParam("steps", "Trades or refunds per transaction", "60", types.string)
  .addFlag("once", "Send one transaction instead of running to the end")
  .addOptionalParam("from", FROM, undefined, types.string)
  .setAction(async (a: { steps: string; once: boolean; from?: string }, hre) =>
    runTask(hre, async () => {
      const { countArg } = await import("../src/cli/args");
      const { runSettlement } = await import("../src/actions");
      const steps = countArg("--steps", a.steps, 1);
      const { client, who } = await system(hre, a.from, ROLE_INDEX.admin);
      const r = await runSettlement(client, who, { steps, untilDone: !a.once });
      console.log(`${r.calls} settlement transaction(s); ${r.done ? "round closed" : "more steps needed"}`);
    }),
  );
