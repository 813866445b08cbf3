import type { Signer, Wallet } from "ethers";
import type { MarketData, MarketOrder, PricingRule } from "../data";
import { DplcError } from "../errors";
import { UNLIMITED_MWH, deployMarketSystem, type MarketSystem, type OperatorSigners } from "../chain/deploy";
import type { DevnetRpc } from "../chain/devnet";
import { code32, participantWallet, registerParticipants } from "../chain/participants";
import { silentProgress, type ProgressSink } from "./progress";
import { approve, fundConsumers, listOrders, openRound, runMatching, settle, type GasTrace, type RoundDriver } from "./round";
import type { TradeRecord } from "./result";

/** What a replay needs: the market, the chain and the operators. */
export interface ReplayOptions {
  readonly data: MarketData;
  readonly pricing: PricingRule;
  readonly operators: OperatorSigners;
  readonly rpc: DevnetRpc;
  /** Matching steps per `matchOrders` transaction (default 40: well under 10M gas each). */
  readonly matchSteps?: number;
  /** Trades or refunds per `TRANS` transaction (default 60). */
  readonly settleSteps?: number;
  /** Seconds the listing stays open before the replay moves the devnet clock past it (default 30 days: every block
   * of an automining devnet advances the clock by at least a second, and a large market mines thousands). */
  readonly listingSeconds?: number;
  readonly progress?: ProgressSink;
}

export interface ReplayOutcome {
  readonly system: MarketSystem;
  readonly roundId: bigint;
  readonly trades: TradeRecord[];
  readonly wallets: ReadonlyMap<string, Wallet>;
  /** Gas of every listing, matching and settlement transaction (for benchmarks). */
  readonly gas: { readonly list: GasTrace; readonly match: GasTrace; readonly settle: GasTrace };
}

/** The replay found the chain in a state the rules forbid (for example tokens left in the market). */
export class ReplayInvariantError extends DplcError {
  constructor(message: string) {
    super("REPLAY_INVARIANT", message);
  }
}

/**
 * Replays one round of a market through the contracts: deploy, register and approve every participant, list every
 * order with `PAYMENT`, pass the deadline, match, approve, settle with `TRANS`; then read the trades back from chain.
 */
export async function replayMarket(opts: ReplayOptions): Promise<ReplayOutcome> {
  const progress = opts.progress ?? silentProgress;
  const { data, operators: ops } = opts;
  const system = await deployMarketSystem(ops);
  progress({ stage: "deploy", done: 1, total: 1 });
  await configureGrid(system, ops.gridCompany, data);
  const provider = system.market.runner!.provider!;
  const wallets = new Map(data.orders.map((o) => [o.name, participantWallet(o.name, provider)] as const));
  await registerParticipants(system, ops.tradingCentre, opts.rpc, data.orders, wallets);
  progress({ stage: "register", done: data.orders.length, total: data.orders.length });

  const driver = makeDriver(opts, system, ops.admin, progress);
  const { roundId, deadline } = await openRound(driver, data, opts.pricing, opts.listingSeconds ?? 30 * 24 * 3600);
  await fundConsumers(driver, data, wallets, roundId);
  const listed = await listOrders(driver, data, wallets);
  const matchGas = await runMatching(driver, roundId, deadline);
  await approve(driver);
  const trades = await readTrades(system, roundId, listed.byId);
  const settleGas = await settle(driver, roundId);
  await checkConservation(system);
  return { system, roundId, trades, wallets, gas: { list: listed.gas, match: matchGas, settle: settleGas } };
}

function makeDriver(opts: ReplayOptions, sys: MarketSystem, keeper: Signer, progress: ProgressSink): RoundDriver {
  return {
    sys,
    rpc: opts.rpc,
    tradingCentre: opts.operators.tradingCentre,
    dispatch: opts.operators.dispatch,
    cashier: opts.operators.cashier,
    keeper,
    matchSteps: opts.matchSteps ?? 40,
    settleSteps: opts.settleSteps ?? 60,
    progress,
  };
}

/**
 * Sets every corridor of the market's grid file (capacity: unlimited unless given). A corridor of capacity 0 carries
 * nothing, which on chain is a pair without parameters, so it is left unset.
 */
export async function configureGrid(sys: MarketSystem, gridCompany: Signer, data: MarketData): Promise<void> {
  const grid = sys.grid.connect(gridCompany);
  for (const link of data.grid) {
    if (link.capacityMwh === 0n) continue;
    const capacity = link.capacityMwh ?? UNLIMITED_MWH;
    await (
      await grid.setPair(code32(link.sellerRegion), code32(link.buyerRegion), link.lossPpm, link.transmissionPrice, capacity)
    ).wait();
  }
}

/** Reads a round's trades back from chain, naming both sides. */
export async function readTrades(
  sys: MarketSystem,
  roundId: bigint,
  byId: ReadonlyMap<bigint, MarketOrder>,
): Promise<TradeRecord[]> {
  const count = Number((await sys.market.round(roundId)).tradeCount);
  const trades: TradeRecord[] = [];
  for (let i = 0; i < count; i++) {
    const t = await sys.market.trade(roundId, i);
    trades.push({
      tradeId: i,
      group: t.thermal ? "thermal" : "wind",
      buyer: byId.get(t.buyerOrderId)!,
      seller: byId.get(t.sellerOrderId)!,
      mwh: t.mwh,
      buyerPrice: t.buyerPrice,
      sellerPrice: t.sellerPrice,
    });
  }
  return trades;
}

async function checkConservation(sys: MarketSystem): Promise<void> {
  const held = await sys.token.balanceOf(await sys.market.getAddress());
  if (held !== 0n) throw new ReplayInvariantError(`the market still holds ${held} token units after settlement`);
}
