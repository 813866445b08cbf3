import os from "node:os";
import path from "node:path";
import fs from "node:fs";
import type { ContractTransaction, JsonRpcProvider, Wallet } from "ethers";
import pino, { type Logger } from "pino";
import type { MarketData, PricingRule } from "../data";
import { DplcError, type DplcErrorOptions } from "../errors";
import { setBalance } from "../chain/devnet";
import { replayMarket, type ReplayOutcome } from "../replay/replay";
import type { TradeRecord } from "../replay/result";
import type { ProgressSink } from "../replay/progress";
import type { ChainEndpoint } from "../devnet/node";
import { ACCOUNT, devnetProvider, devnetWallet } from "../devnet/accounts";
import { OPERATORS } from "../chain/roles";
import { directChain, type MarketChain } from "../ordering/session";
import { deployBridge, describeBridge, type BridgeSystem } from "../devnet/bridge";
import { describeDeployment, type Deployment } from "../ops/deployment";
import { marketClient, setGreenQuota } from "../actions";
import { parseRelayerConfig } from "../../relayer/config";
import { startRelayerDaemon, type RelayerDaemon } from "../../relayer/daemon";
import { relayerConfigFor, startValidatorProcesses, writeValidatorSet } from "../devnet/validators";
import {
  certPriceWad,
  planPurchases,
  planQuotaTransfers,
  withCertificateCosts,
  UNITS_PER_CERTIFICATE,
  type CertListing,
  type CertPurchase,
  type WindCertificates,
} from "./certificates";

/** Case B could not complete (a bridge message did not arrive, an obligation could not be met, …). One line. */
export class CaseBError extends DplcError {
  constructor(message: string, options: DplcErrorOptions = {}) {
    super("CASE_B", message, options);
  }
}

export type { ChainEndpoint };

export interface CaseBOptions {
  /** The Case A market (its certificate costs are replaced by Case B's). */
  readonly data: MarketData;
  readonly pricing: PricingRule;
  /** Certificate price, tokens per certificate (one certificate per MWh of wind). */
  readonly certPrice: string;
  /** The main chain's endpoint: where the relayer and the validators watch it. */
  readonly main: ChainEndpoint;
  /** How the main chain's transactions are sent, and by which operators (default: straight to `main` with the
   * devnet operator accounts). Behind the ordering service: the cluster's chain (`openOrderedChain`). */
  readonly mainChain?: MarketChain;
  readonly side: ChainEndpoint;
  /** Thermal obligation in basis points of a certificate per MWh (default 2000: the paper's 0.2). */
  readonly obligationBps?: bigint;
  /** The relayer's confirmation depth; after each bridge step on the main chain the keeper sends this many empty
   * transactions, one block each (on an ordered chain the cluster cuts the blocks), and this many blocks are mined on
   * the side chain. */
  readonly confirmations?: number;
  /** How long to wait for bridge messages to arrive (default 120 s). */
  readonly bridgeTimeoutMs?: number;
  readonly matchSteps?: number;
  readonly settleSteps?: number;
  /** A line per stage, for progress output. */
  readonly progress?: (line: string) => void;
  /** Progress of the market round on the main chain (listing, matching, settlement). */
  readonly marketProgress?: ProgressSink;
  /** The relayer's log (default: warnings and errors on stderr). */
  readonly relayerLogger?: Logger;
}

/** Units owed and retired by one account in the round. */
export interface Compliance {
  readonly owed: bigint;
  readonly retired: bigint;
  readonly met: boolean;
}

/** Everything Case B measured at one certificate price. Token and certificate amounts are exact (wei, units). */
export interface CaseBOutcome {
  readonly certPrice: string;
  readonly certPriceWad: bigint;
  /** X_thermal, token/kWh × 10^18. */
  readonly thermalCertCost: bigint;
  readonly trades: TradeRecord[];
  readonly data: MarketData;
  readonly certificates: { readonly issued: bigint; readonly traded: bigint; readonly retired: bigint };
  readonly bridge: { readonly locked: bigint; readonly wrappedSupply: bigint };
  readonly purchases: CertPurchase[];
  /** Per thermal generator: obligation and retired units, and whether it complies. */
  readonly compliance: Map<string, Compliance>;
  /** Per consumer with a green quota: the quota and the units retired for it, and whether it is met. */
  readonly quotas: Map<string, Compliance>;
  readonly deployment: Deployment;
}

interface Ctx {
  readonly opts: CaseBOptions;
  readonly mainProvider: JsonRpcProvider;
  readonly mainChain: MarketChain;
  readonly sideProvider: JsonRpcProvider;
  readonly confirmations: number;
  readonly market: ReplayOutcome;
  readonly bridge: BridgeSystem;
  readonly relayer: RelayerDaemon;
  /** Participants' wallets on the side chain. */
  readonly side: ReadonlyMap<string, Wallet>;
  /** Per consumer, the quota units reported for the round (set once reported). */
  quotas: ReadonlyMap<string, bigint>;
}

/**
 * Case B at one certificate price, on two running chains (the main one a devnet, or the chain behind an ordering
 * service, `mainChain`): the Case A market with X_thermal in matching and pricing
 * on the main chain; bridge and side-chain contracts; the relayer; certificates issued to wind generators for their
 * settled wind trades; thermal obligations recorded, bought on the certificate market with wrapped DPLC locked on
 * the main chain, and retired.
 */
export async function runCaseB(opts: CaseBOptions): Promise<CaseBOutcome> {
  const progress = opts.progress ?? (() => undefined);
  const mainProvider = devnetProvider(opts.main.url, opts.main.chainId);
  const sideProvider = devnetProvider(opts.side.url, opts.side.chainId);
  const mainChain = opts.mainChain ?? directDevnetChain(mainProvider);
  try {
    const priceWad = certPriceWad(opts.certPrice);
    const data = withCertificateCosts(opts.data, priceWad, opts.obligationBps ?? 2000n);
    progress(`P=${opts.certPrice}: market round on the main chain (X_thermal = ${data.round.thermalCertCost} wei/kWh)`);
    const market = await runMarket(opts, data, mainChain);
    progress(`P=${opts.certPrice}: bridge and side-chain contracts, 3 validator processes, relayer`);
    const bridge = await deployBridge(
      market.system,
      mainChain.operators.admin,
      devnetWallet(ACCOUNT.admin, sideProvider),
      { validators: ACCOUNT.validators.map((i) => devnetWallet(i).address), threshold: 2, obligationBps: opts.obligationBps },
      mainChain.submitter,
    );
    const relayer = await startRelayer(opts, bridge);
    try {
      const side = await sideWallets(market, sideProvider);
      const ctx: Ctx = { opts, mainProvider, mainChain, sideProvider, confirmations: opts.confirmations ?? 2, market, bridge, relayer, side, quotas: new Map() };
      progress(`P=${opts.certPrice}: settled trades reported over the bridge`);
      await reportSettlement(ctx);
      progress(`P=${opts.certPrice}: certificates of wind energy retired for the buyers' quotas`);
      await meetQuotas(ctx);
      progress(`P=${opts.certPrice}: the excess listed, bought with bridged DPLC and retired`);
      const purchases = await meetObligations(ctx, priceWad);
      return await readOutcome(ctx, data, priceWad, purchases);
    } finally {
      await relayer.stop();
    }
  } finally {
    mainProvider.destroy();
    sideProvider.destroy();
  }
}

/** The main devnet sent to directly, by the devnet operator accounts (Case B's `--direct` path). */
function directDevnetChain(provider: JsonRpcProvider): MarketChain {
  const signers = OPERATORS.map((o) => devnetWallet(ACCOUNT[o], provider));
  return directChain(signers, provider, "main devnet", async () => undefined);
}

async function runMarket(opts: CaseBOptions, data: MarketData, chain: MarketChain): Promise<ReplayOutcome> {
  return replayMarket({
    data,
    pricing: opts.pricing,
    operators: chain.operators,
    rpc: chain.rpc,
    submitter: chain.submitter,
    advanceTime: chain.advanceTime,
    fund: chain.fund,
    matchSteps: opts.matchSteps,
    settleSteps: opts.settleSteps,
    progress: opts.marketProgress,
  });
}

/**
 * Three validator processes (devnet accounts 10–12, each with its own encrypted keystore, watching both chains) and
 * a relayer that holds no validator key and collects two of their signatures per message. `stop` stops all four.
 */
async function startRelayer(opts: CaseBOptions, b: BridgeSystem): Promise<RelayerDaemon> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-caseb-relayer-"));
  const chains = {
    main: { rpcUrl: opts.main.url, chainId: opts.main.chainId, gateway: await b.main.gateway.getAddress(), startBlock: b.main.startBlock },
    side: { rpcUrl: opts.side.url, chainId: opts.side.chainId, gateway: await b.side.gateway.getAddress(), startBlock: b.side.startBlock },
  };
  const confirmations = opts.confirmations ?? 2;
  const files = await writeValidatorSet({ dir: path.join(dir, "validators"), ...chains, confirmations, pollIntervalMs: 100, logLevel: "warn" });
  const validators = await startValidatorProcesses(files, dir);
  const config = parseRelayerConfig({
    ...relayerConfigFor({ ...chains, validators: files.endpoints, checkpointFile: path.join(dir, "checkpoint.json"), confirmations, pollIntervalMs: 100, mainOrderer: opts.mainChain?.ordererUrls }),
    http: { host: "127.0.0.1", port: 0 },
    retry: { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 2000 },
  });
  const logger = opts.relayerLogger ?? pino({ level: "warn", base: { service: "relayer" } }, pino.destination(2));
  // The keystores, checkpoint and logs live only as long as the daemons: one directory per Case B price otherwise
  // piled up in the temporary directory.
  const removeDir = () => fs.rmSync(dir, { recursive: true, force: true });
  const relayer = await startRelayerDaemon(config, { logger }).catch(async (err: unknown) => {
    await Promise.all(validators.map((v) => v.stop()));
    throw err; // the validators' logs stay for the diagnosis
  });
  return {
    ...relayer,
    stop: async () => {
      await relayer.stop();
      await Promise.all(validators.map((v) => v.stop()));
      removeDir();
    },
  };
}

/** Participants act on the side chain with the same keys (gas money from the devnet). */
async function sideWallets(market: ReplayOutcome, sideProvider: JsonRpcProvider): Promise<Map<string, Wallet>> {
  const out = new Map<string, Wallet>();
  for (const [name, w] of market.wallets) {
    await setBalance(sideProvider, w.address, 10n ** 24n);
    out.set(name, w.connect(sideProvider));
  }
  return out;
}

/**
 * Puts `confirmations` blocks on top of the main chain's last bridge step, so the validators and the relayer take it
 * in. The keeper sends that many empty transactions (to itself), each once the previous one is applied: a node that
 * mines on demand mines one block for each, and an ordering service orders each into a block of its own. Blocks mined
 * beside the ordering service would race its delivery, so no `hardhat_mine` here; it would also be the one step that
 * differs between the paths.
 */
async function confirmMain(ctx: Ctx): Promise<void> {
  const keeper = devnetWallet(ACCOUNT.keeper, ctx.mainProvider);
  for (let i = 0; i < ctx.confirmations; i++) {
    await (await ctx.mainChain.submitter.submit(keeper, { to: keeper.address, data: "0x", value: 0n })).wait();
  }
}

/** Polls `check` until true; on timeout, says what was awaited and what the relayer reports. */
async function waitUntil(ctx: Ctx, what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + (ctx.opts.bridgeTimeoutMs ?? 120_000);
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  const h = ctx.relayer.relayer.health();
  throw new CaseBError(
    `timed out waiting for ${what} (relayer: ${h.pending} pending, ${h.setAside.length} set aside` +
      `${h.lastError === null ? "" : `, last error ${h.lastError}`})`,
  );
}

/**
 * Reports every settled trade (wind: certificates; thermal: obligations) and every consumer order's green quota, and
 * waits for the side chain to record them.
 */
async function reportSettlement(ctx: Ctx): Promise<void> {
  const { market, bridge } = ctx;
  const keeper = devnetWallet(ACCOUNT.keeper, ctx.mainProvider);
  const reporter = bridge.main.reporter;
  const send = async (tx: Promise<ContractTransaction>) => (await ctx.mainChain.submitter.submit(keeper, await tx)).wait();
  const settled = market.trades.filter((t) => t.mwh > 0n);
  const wind = settled.filter((t) => t.group === "wind").map((t) => BigInt(t.tradeId));
  const thermal = settled.filter((t) => t.group === "thermal").map((t) => BigInt(t.tradeId));
  const quotaOrders = await assignQuotas(ctx);
  if (wind.length > 0) await send(reporter.report.populateTransaction(market.roundId, wind));
  if (thermal.length > 0) await send(reporter.reportThermal.populateTransaction(market.roundId, thermal));
  const quotas = new Map<string, bigint>();
  if (quotaOrders.length > 0) {
    const receipt = await send(reporter.reportQuotas.populateTransaction(market.roundId, quotaOrders));
    for (const log of receipt.logs) {
      const event = bridge.main.reporter.interface.parseLog(log);
      if (event?.name !== "SettlementReporterQuotaReported") continue;
      const name = ctx.market.orders.get(event.args.orderId as bigint)!.name;
      quotas.set(name, (quotas.get(name) ?? 0n) + (event.args.quotaUnits as bigint));
    }
  }
  ctx.quotas = quotas;
  await confirmMain(ctx);
  const cert = bridge.side.certificate;
  await waitUntil(ctx, `${settled.length} settlement and ${quotaOrders.length} quota reports on the side chain`, async () => {
    for (const t of settled) if (!(await cert.isReported(market.roundId, t.tradeId))) return false;
    for (const [name, units] of quotas) {
      if ((await cert.complianceDetail(ctx.side.get(name)!.address, market.roundId)).quota < units) return false;
    }
    return true;
  });
}

/**
 * The trading centre sets each consumer's green quota from the market data (Table 2's wind power ratio, a share of
 * the energy it buys). Returns the consumer orders that owe certificates: a quota set and energy bought.
 */
async function assignQuotas(ctx: Ctx): Promise<bigint[]> {
  const client = marketClient(ctx.market.system, ctx.mainChain.submitter);
  const tc = ctx.mainChain.operators.tradingCentre;
  const bought = new Map<string, bigint>();
  for (const t of ctx.market.trades) bought.set(t.buyer.name, (bought.get(t.buyer.name) ?? 0n) + t.mwh);
  const owing: bigint[] = [];
  for (const [orderId, o] of ctx.market.orders) {
    if (o.kind !== "consumer" || o.windRatioPpm === 0n) continue;
    await setGreenQuota(client, tc, ctx.market.wallets.get(o.name)!.address, o.windRatioPpm);
    if ((bought.get(o.name) ?? 0n) > 0n) owing.push(orderId);
  }
  return owing;
}

/** The certificates of each settled wind trade, in trade order, with the consumer that bought its energy. */
async function windCertificates(ctx: Ctx): Promise<WindCertificates[]> {
  const out: WindCertificates[] = [];
  for (const t of ctx.market.trades.filter((x) => x.group === "wind" && x.mwh > 0n)) {
    const id = await ctx.bridge.side.certificate.certificateId(ctx.market.roundId, t.tradeId);
    out.push({ certificateId: id, seller: t.seller.name, buyer: t.buyer.name, units: t.mwh * UNITS_PER_CERTIFICATE });
  }
  return out;
}

/**
 * The certificates of wind energy sold to a consumer go to its quota first ({@link planQuotaTransfers}): the wind
 * generator transfers them to the consumer, who retires them for its quota. A quota the consumer's wind purchases do
 * not cover stays short (reported), since only the excess of others' quotas reaches the certificate market.
 */
async function meetQuotas(ctx: Ctx): Promise<void> {
  const { certificate } = ctx.bridge.side;
  const plan = planQuotaTransfers(await windCertificates(ctx), ctx.quotas);
  const CONSUMER_QUOTA = 2n; // IGreenCertificate.Purpose.ConsumerQuota
  for (const q of plan.transfers) {
    const seller = ctx.side.get(q.seller)!;
    const buyer = ctx.side.get(q.buyer)!;
    await (await certificate.connect(seller).safeTransferFrom(seller.address, buyer.address, q.certificateId, q.units, "0x")).wait();
    await (await certificate.connect(buyer).retire(q.certificateId, q.units, CONSUMER_QUOTA)).wait();
  }
}

/**
 * Wind generators list what is left of their certificates after the quotas at the price; each thermal generator
 * locks the DPLC its purchases cost on the main chain, receives wrapped DPLC on the side chain, buys what it can of
 * its obligation and retires it. An obligation the excess cannot cover stays short (reported in `compliance`).
 */
async function meetObligations(ctx: Ctx, priceWad: bigint): Promise<CertPurchase[]> {
  const listings = await listCertificates(ctx, priceWad);
  const needs = [];
  for (const o of ctx.opts.data.thermal) {
    const d = await ctx.bridge.side.certificate.complianceDetail(ctx.side.get(o.name)!.address, ctx.market.roundId);
    needs.push({ buyer: o.name, units: d.obligation - d.obligationRetired });
  }
  const { purchases } = planPurchases(listings, needs);
  await bridgeFunds(ctx, purchases);
  await buyAndRetire(ctx, purchases);
  return purchases;
}

async function listCertificates(ctx: Ctx, priceWad: bigint): Promise<CertListing[]> {
  const { certificate, certificateMarket } = ctx.bridge.side;
  const marketAddress = await certificateMarket.getAddress();
  const listings: CertListing[] = [];
  for (const w of await windCertificates(ctx)) {
    const seller = ctx.side.get(w.seller)!;
    const units = await certificate.balanceOf(seller.address, w.certificateId);
    if (units === 0n) continue;
    if (!(await certificate.isApprovedForAll(seller.address, marketAddress))) {
      await (await certificate.connect(seller).setApprovalForAll(marketAddress, true)).wait();
    }
    await (await certificateMarket.connect(seller).list(w.certificateId, units, priceWad)).wait();
    const listingId = await certificateMarket.listingCount();
    listings.push({ listingId, seller: w.seller, certificateId: w.certificateId, units, priceWad });
  }
  return listings;
}

/** Each buyer locks exactly what its purchases cost; the relayer mints it as wrapped DPLC on the side chain. */
async function bridgeFunds(ctx: Ctx, purchases: readonly CertPurchase[]): Promise<void> {
  const cost = new Map<string, bigint>();
  for (const p of purchases) cost.set(p.buyer, (cost.get(p.buyer) ?? 0n) + p.cost);
  const { vault } = ctx.bridge.main;
  const vaultAddress = await vault.getAddress();
  const token = ctx.market.system.token;
  const wrapped = ctx.bridge.side.wrapped;
  const before = new Map<string, bigint>();
  for (const [buyer, amount] of cost) {
    const w = ctx.market.wallets.get(buyer)!;
    before.set(buyer, await wrapped.balanceOf(w.address));
    const submitter = ctx.mainChain.submitter;
    await (await submitter.submit(w, await token.approve.populateTransaction(vaultAddress, amount))).wait();
    await (await submitter.submit(w, await vault.lock.populateTransaction(amount, w.address))).wait();
  }
  await confirmMain(ctx);
  await waitUntil(ctx, "wrapped DPLC for the certificate buyers", async () => {
    for (const [buyer, amount] of cost) {
      const balance = await wrapped.balanceOf(ctx.market.wallets.get(buyer)!.address);
      if (balance < before.get(buyer)! + amount) return false;
    }
    return true;
  });
}

async function buyAndRetire(ctx: Ctx, purchases: readonly CertPurchase[]): Promise<void> {
  const { wrapped, certificate, certificateMarket } = ctx.bridge.side;
  const marketAddress = await certificateMarket.getAddress();
  const THERMAL_OBLIGATION = 1n; // IGreenCertificate.Purpose.ThermalObligation
  for (const p of purchases) {
    const buyer = ctx.side.get(p.buyer)!;
    await (await wrapped.connect(buyer).approve(marketAddress, p.cost)).wait();
    await (await certificateMarket.connect(buyer).buy(p.listingId, p.units)).wait();
    await (await certificate.connect(buyer).retire(p.certificateId, p.units, THERMAL_OBLIGATION)).wait();
  }
}

async function readOutcome(ctx: Ctx, data: MarketData, priceWad: bigint, purchases: CertPurchase[]): Promise<CaseBOutcome> {
  const { certificate, certificateMarket, wrapped } = ctx.bridge.side;
  const compliance = new Map<string, Compliance>();
  for (const o of data.thermal) {
    const d = await certificate.complianceDetail(ctx.side.get(o.name)!.address, ctx.market.roundId);
    compliance.set(o.name, { owed: d.obligation, retired: d.obligationRetired, met: d.obligationRetired >= d.obligation });
  }
  const quotas = new Map<string, Compliance>();
  for (const name of ctx.quotas.keys()) {
    const d = await certificate.complianceDetail(ctx.side.get(name)!.address, ctx.market.roundId);
    quotas.set(name, { owed: d.quota, retired: d.quotaRetired, met: d.quotaRetired >= d.quota });
  }
  const main = await describeDeployment(ctx.market.system, "devnets", ctx.opts.main.chainId);
  const { bridge, side } = await describeBridge(ctx.bridge, { main: ctx.opts.main.url, side: ctx.opts.side.url });
  return {
    certPrice: ctx.opts.certPrice,
    certPriceWad: priceWad,
    thermalCertCost: data.round.thermalCertCost,
    trades: ctx.market.trades,
    data,
    certificates: {
      issued: await certificate.totalIssued(),
      traded: await certificateMarket.totalTraded(),
      retired: await certificate.totalRetired(),
    },
    bridge: { locked: await ctx.bridge.main.vault.locked(), wrappedSupply: await wrapped.totalSupply() },
    purchases,
    compliance,
    quotas,
    deployment: { ...main, main: { ...main.main, bridge }, side },
  };
}
