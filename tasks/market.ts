import { scope, types } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import path from "node:path";
import { runTask } from "./replay";

/**
 * Tasks for people who operate or use a deployment by hand (`npx hardhat market <task> --network localhost`). Each is
 * a thin adapter over src/ops; `--from` picks the signing account by index or address (defaults by role:
 * 0 admin, 1 trading centre, 2 dispatch centre, 3 grid company, 4 cashier).
 */
const market = scope("market", "Operate a DPLC market deployment: deploy, register, list, match, settle");

const ROLE_INDEX = { admin: 0, tradingCentre: 1, dispatch: 2, grid: 3, cashier: 4 } as const;

async function signer(hre: HardhatRuntimeEnvironment, from: string | undefined, fallback: number) {
  const { InvalidArgumentError } = await import("../src/errors");
  const signers = await hre.ethers.getSigners();
  if (from === undefined) return signers[fallback]!;
  if (/^\d+$/.test(from)) {
    const s = signers[Number(from)];
    if (s === undefined) throw new InvalidArgumentError(`--from ${from}: the network has ${signers.length} accounts`);
    return s;
  }
  const s = signers.find((x) => x.address.toLowerCase() === from.toLowerCase());
  if (s === undefined) throw new InvalidArgumentError(`--from ${from}: not an account of this network`);
  return s;
}

async function system(hre: HardhatRuntimeEnvironment, from: string | undefined, fallback: number) {
  const { attach, deploymentPath, loadDeployment } = await import("../src/ops/deployment");
  const who = await signer(hre, from, fallback);
  const d = loadDeployment(deploymentPath(hre.config.paths.root, hre.network.name));
  return { sys: attach(d, who), who };
}

function print(value: unknown) {
  console.log(JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2));
}

market
  .task("deploy", "Deploy token, registry, grid parameters, market and pricing rules; record deployments/<network>.json")
  .setAction(async (_args, hre) =>
    runTask(async () => {
      const { deployMarketSystem } = await import("../src/chain/deploy");
      const { describeDeployment, deploymentPath, saveDeployment } = await import("../src/ops/deployment");
      const s = await hre.ethers.getSigners();
      const sys = await deployMarketSystem({ admin: s[0]!, tradingCentre: s[1]!, dispatch: s[2]!, gridCompany: s[3]!, cashier: s[4]! });
      const chainId = Number((await hre.ethers.provider.getNetwork()).chainId);
      const file = deploymentPath(hre.config.paths.root, hre.network.name);
      saveDeployment(file, await describeDeployment(sys, hre.network.name, chainId));
      console.log(`deployed; addresses in ${path.relative(process.cwd(), file)}`);
    }),
  );

market
  .task("register", "Apply for admission (Regis) as a consumer, wind or thermal generator")
  .addParam("kind", "consumer | wind | thermal", undefined, types.string)
  .addParam("region", "Region code, e.g. B", undefined, types.string)
  .addParam("code", "Registration code (at most 31 characters)", undefined, types.string)
  .addOptionalParam("from", "Account index or address", undefined, types.string)
  .setAction(async (a: { kind: string; region: string; code: string; from?: string }, hre) =>
    runTask(async () => {
      const { InvalidArgumentError } = await import("../src/errors");
      const { register } = await import("../src/ops/actions");
      if (!["consumer", "wind", "thermal"].includes(a.kind)) throw new InvalidArgumentError(`--kind must be consumer, wind or thermal, got "${a.kind}"`);
      const { sys, who } = await system(hre, a.from, 5);
      await register(sys, who, { kind: a.kind as "consumer", region: a.region, code: a.code });
      console.log(`${who.address} applied as ${a.kind} in region ${a.region}`);
    }),
  );

market
  .task("review", "Trading centre: approve or reject an application")
  .addParam("account", "Applicant address", undefined, types.string)
  .addOptionalParam("reject", "Reject with this reason instead of approving", undefined, types.string)
  .addOptionalParam("from", "Account index or address", undefined, types.string)
  .setAction(async (a: { account: string; reject?: string; from?: string }, hre) =>
    runTask(async () => {
      const { review } = await import("../src/ops/actions");
      const { sys, who } = await system(hre, a.from, ROLE_INDEX.tradingCentre);
      await review(sys, who, a.account, a.reject === undefined ? "approve" : "reject", a.reject);
      console.log(`${a.account} ${a.reject === undefined ? "approved" : "rejected"}`);
    }),
  );

market
  .task("deposit", "Cashier: convert an attested RMB deposit into tokens (10 tokens per RMB by default)")
  .addParam("account", "Participant address", undefined, types.string)
  .addParam("rmb", "RMB amount, decimal", undefined, types.string)
  .addParam("receipt", "Deposit receipt id (any text; each converts once)", undefined, types.string)
  .addOptionalParam("from", "Account index or address", undefined, types.string)
  .setAction(async (a: { account: string; rmb: string; receipt: string; from?: string }, hre) =>
    runTask(async () => {
      const { parsePrice } = await import("../src/units");
      const { deposit } = await import("../src/ops/actions");
      const { sys, who } = await system(hre, a.from, ROLE_INDEX.cashier);
      await deposit(sys, who, a.account, parsePrice(a.rmb), hre.ethers.id(a.receipt));
      console.log(`deposited ${a.rmb} RMB for ${a.account}`);
    }),
  );

market
  .task("corridor", "Grid company: set a (seller region, buyer region) corridor's loss rate, price and capacity")
  .addParam("seller", "Seller region code", undefined, types.string)
  .addParam("buyer", "Buyer region code", undefined, types.string)
  .addParam("loss", "Loss rate in percent, e.g. 6.5", undefined, types.string)
  .addParam("price", "Transmission price, token/kWh", undefined, types.string)
  .addOptionalParam("capacity", "Capacity in MWh per round (default unlimited)", undefined, types.string)
  .addOptionalParam("from", "Account index or address", undefined, types.string)
  .setAction(async (a: { seller: string; buyer: string; loss: string; price: string; capacity?: string; from?: string }, hre) =>
    runTask(async () => {
      const { parseLossRate, parsePrice, parseMwh } = await import("../src/units");
      const { setCorridor } = await import("../src/ops/actions");
      const { sys, who } = await system(hre, a.from, ROLE_INDEX.grid);
      await setCorridor(sys, who, {
        seller: a.seller,
        buyer: a.buyer,
        lossPpm: parseLossRate(a.loss),
        transmissionPrice: parsePrice(a.price),
        capacityMwh: a.capacity === undefined ? null : parseMwh(a.capacity),
      });
      console.log(`corridor ${a.seller}->${a.buyer} set`);
    }),
  );

market
  .task("open", "Trading centre: open a round")
  .addOptionalParam("listing", "Listing window in seconds", 3600, types.int)
  .addOptionalParam("ratio", "Bundling ratio, thermal per wind", "3", types.string)
  .addOptionalParam("pricing", "surplus-split | paper-table", "surplus-split", types.string)
  .addOptionalParam("windCert", "Certificate cost X for wind sellers, token/kWh", "0", types.string)
  .addOptionalParam("thermalCert", "Certificate cost X for thermal sellers, token/kWh", "0", types.string)
  .addOptionalParam("from", "Account index or address", undefined, types.string)
  .setAction(async (a: { listing: number; ratio: string; pricing: string; windCert: string; thermalCert: string; from?: string }, hre) =>
    runTask(async () => {
      const { InvalidArgumentError } = await import("../src/errors");
      const { parsePrice, parseRatioToBps } = await import("../src/units");
      const { PRICING_RULES } = await import("../src/data");
      const { openRound } = await import("../src/ops/actions");
      if (!PRICING_RULES.includes(a.pricing as never)) throw new InvalidArgumentError(`unknown pricing rule "${a.pricing}"`);
      if (a.listing < 1) throw new InvalidArgumentError("--listing must be at least 1 second");
      const { sys, who } = await system(hre, a.from, ROLE_INDEX.tradingCentre);
      const now = (await hre.ethers.provider.getBlock("latest"))!.timestamp;
      const id = await openRound(sys, who, {
        deadline: now + a.listing,
        bundlingRatioBps: parseRatioToBps(a.ratio),
        windCertCost: parsePrice(a.windCert),
        thermalCertCost: parsePrice(a.thermalCert),
        pricing: a.pricing as "surplus-split",
      });
      console.log(`round ${id} open for ${a.listing} s`);
    }),
  );

market
  .task("list", "List an order (PAYMENT): consumers give --green; thermal generators --env and --subsidy")
  .addParam("quantity", "Quantity in whole MWh", undefined, types.string)
  .addParam("price", "Bid or ask, token/kWh", undefined, types.string)
  .addOptionalParam("green", "Consumer's wind demand in MWh", "0", types.string)
  .addOptionalParam("env", "Thermal environmental price, token/kWh", "0", types.string)
  .addOptionalParam("subsidy", "Thermal cross-subsidy price, token/kWh", "0", types.string)
  .addOptionalParam("from", "Account index or address", undefined, types.string)
  .setAction(async (a: { quantity: string; price: string; green: string; env: string; subsidy: string; from?: string }, hre) =>
    runTask(async () => {
      const { parseMwh, parsePrice } = await import("../src/units");
      const { listOrder } = await import("../src/ops/actions");
      const { sys, who } = await system(hre, a.from, 5);
      const id = await listOrder(sys, who, {
        quantityMwh: parseMwh(a.quantity),
        price: parsePrice(a.price),
        greenDemandMwh: parseMwh(a.green, 0n),
        envPrice: parsePrice(a.env),
        subsidyPrice: parsePrice(a.subsidy),
      });
      console.log(`order ${id} listed`);
    }),
  );

market
  .task("withdraw", "Withdraw an order before the deadline (WITHDRAW); a consumer's escrow is refunded")
  .addParam("order", "Order id", undefined, types.string)
  .addOptionalParam("from", "Account index or address", undefined, types.string)
  .setAction(async (a: { order: string; from?: string }, hre) =>
    runTask(async () => {
      const { withdrawOrder } = await import("../src/ops/actions");
      const { sys, who } = await system(hre, a.from, 5);
      await withdrawOrder(sys, who, BigInt(a.order));
      console.log(`order ${a.order} withdrawn`);
    }),
  );

market
  .task("status", "Show a round's state (default: the current round) as JSON")
  .addOptionalParam("round", "Round id", undefined, types.string)
  .setAction(async (a: { round?: string }, hre) =>
    runTask(async () => {
      const { roundStatus } = await import("../src/ops/actions");
      const { sys } = await system(hre, undefined, 0);
      print(await roundStatus(sys, a.round === undefined ? undefined : BigInt(a.round)));
    }),
  );

market
  .task("match", "Run on-chain matching after the deadline, in bounded steps (anyone may call)")
  .addOptionalParam("steps", "Steps per transaction", 40, types.int)
  .addFlag("once", "Send one transaction instead of running to the end")
  .addOptionalParam("from", "Account index or address", undefined, types.string)
  .setAction(async (a: { steps: number; once: boolean; from?: string }, hre) =>
    runTask(async () => {
      const { runMatching } = await import("../src/ops/actions");
      const { sys, who } = await system(hre, a.from, 0);
      const r = await runMatching(sys, who, a.steps, !a.once);
      console.log(`${r.calls} matching transaction(s); ${r.done ? "matching complete" : "more steps needed"}`);
    }),
  );

market
  .task("approve", "Dispatch centre: approve the matched result (security check passed)")
  .addOptionalParam("from", "Account index or address", undefined, types.string)
  .setAction(async (a: { from?: string }, hre) =>
    runTask(async () => {
      const { approveMatching } = await import("../src/ops/actions");
      const { sys, who } = await system(hre, a.from, ROLE_INDEX.dispatch);
      await approveMatching(sys, who);
      console.log("matching approved");
    }),
  );

market
  .task("curtail", "Dispatch centre: curtail trades (blocking management), e.g. --cuts 0:100,3:50")
  .addParam("cuts", "tradeId:MWh pairs, comma-separated", undefined, types.string)
  .addOptionalParam("from", "Account index or address", undefined, types.string)
  .setAction(async (a: { cuts: string; from?: string }, hre) =>
    runTask(async () => {
      const { InvalidArgumentError } = await import("../src/errors");
      const { curtailTrades } = await import("../src/ops/actions");
      const cuts = a.cuts.split(",").map((pair) => {
        const m = /^\s*(\d+):(\d+)\s*$/.exec(pair);
        if (m === null) throw new InvalidArgumentError(`--cuts: "${pair}" is not tradeId:MWh`);
        return { tradeId: BigInt(m[1]!), mwh: BigInt(m[2]!) };
      });
      const { sys, who } = await system(hre, a.from, ROLE_INDEX.dispatch);
      await curtailTrades(sys, who, cuts);
      console.log(`${cuts.length} trade(s) curtailed; run "market match" again`);
    }),
  );

market
  .task("settle", "Settle the approved round (TRANS) in bounded steps (anyone may call)")
  .addOptionalParam("steps", "Trades or refunds per transaction", 60, types.int)
  .addFlag("once", "Send one transaction instead of running to the end")
  .addOptionalParam("from", "Account index or address", undefined, types.string)
  .setAction(async (a: { steps: number; once: boolean; from?: string }, hre) =>
    runTask(async () => {
      const { runSettlement } = await import("../src/ops/actions");
      const { sys, who } = await system(hre, a.from, 0);
      const r = await runSettlement(sys, who, a.steps, !a.once);
      console.log(`${r.calls} settlement transaction(s); ${r.done ? "round closed" : "more steps needed"}`);
    }),
  );
