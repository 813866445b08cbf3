import { id, type TransactionReceipt, type Wallet } from "ethers";
import type { MarketData, MarketOrder, PricingRule } from "../data";
import { DplcError } from "../errors";
import { tokenAmount, WAD } from "../units";
import { deployMarketSystem, type MarketSystem, type OperatorSigners } from "../chain/deploy";
import { advanceTimeTo, latestTimestamp, setBalance, type DevnetRpc } from "../chain/devnet";
import { participantWallet } from "../chain/participants";
import {
  approveEscrow,
  approveMatching,
  deposit,
  marketClient,
  openRound,
  orderLiability,
  orderRequest,
  readTrades,
  register,
  revealOrder,
  review,
  runMatching,
  runSettlement,
  sealOrder,
  setCorridor,
  submitListing,
  type MarketClient,
  type SealedOrder,
} from "../actions";
import type { Submitter } from "../submitters";
import { mapInFlight } from "./in-flight";
import { silentProgress, type ProgressSink } from "./progress";
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
  /** Seconds of the reveal window (default 7 days, the market's longest, for the same reason). */
  readonly revealSeconds?: number;
  readonly progress?: ProgressSink;
  /** How transactions reach the chain (default: direct, through each signer's JSON-RPC connection). */
  readonly submitter?: Submitter;
  /**
   * Moves the chain's clock past the listing deadline, then past the reveal deadline (default: `evm_increaseTime` and
   * an `evm_mine`). Behind an ordering service an ordered clock advance (`POST /v1/clock`): every node's replica mines
   * its own blocks, with the ordered blocks' timestamps, so only an ordered fact moves all their clocks alike.
   */
  readonly advanceTime?: (timestamp: number) => Promise<void>;
  /**
   * Gives each address `wei` of gas money (default: `hardhat_setBalance`). Behind an ordering service, ordered
   * transfers from a funded operator account, so every replica applies the same funding.
   */
  readonly fund?: (addresses: readonly string[], wei: bigint) => Promise<void>;
  /**
   * Transactions of a stage the replay waits for at once (default: all of them). Straight to an automining node, a
   * bound such as `DIRECT_MAX_IN_FLIGHT` keeps a large market from spending its time polling receipts (in-flight.ts);
   * behind an ordering service all at once lets the orderer batch them into blocks.
   */
  readonly maxInFlight?: number;
}

/** Gas used by each transaction of a stage, in order. */
export type GasTrace = bigint[];

export interface ReplayOutcome {
  readonly system: MarketSystem;
  readonly roundId: bigint;
  readonly trades: TradeRecord[];
  readonly wallets: ReadonlyMap<string, Wallet>;
  /** Every listed order by its on-chain order id. */
  readonly orders: ReadonlyMap<bigint, MarketOrder>;
  /** Gas of every listing, reveal, matching and settlement transaction (for benchmarks). */
  readonly gas: { readonly list: GasTrace; readonly reveal: GasTrace; readonly match: GasTrace; readonly settle: GasTrace };
}

/** The replay found the chain in a state the rules forbid (for example tokens left in the market). */
export class ReplayInvariantError extends DplcError {
  constructor(message: string) {
    super("REPLAY_INVARIANT", message);
  }
}

/** Gas money for each participant of a replayed market (devnet ether). */
const GAS_MONEY = 10n ** 24n;

/**
 * Replays one round of a market through the contracts: deploy, register and approve every participant, list every
 * order sealed with `PAYMENT`, pass the deadline, reveal every order, pass the reveal deadline, match, approve, settle
 * with `TRANS`; then read the trades back from chain. Every step is an action of src/actions, signed by the party that
 * takes it.
 */
export async function replayMarket(opts: ReplayOptions): Promise<ReplayOutcome> {
  const progress = opts.progress ?? silentProgress;
  const { data, operators: ops } = opts;
  const client = marketClient(await deployMarketSystem(ops, opts.submitter), opts.submitter);
  progress({ stage: "deploy", done: 1, total: 1 });
  await configureGrid(client, opts);
  const provider = client.sys.market.runner!.provider!;
  const wallets = new Map(data.orders.map((o) => [o.name, participantWallet(o.name, provider)] as const));
  await registerParticipants(client, opts, wallets);
  progress({ stage: "register", done: data.orders.length, total: data.orders.length });

  const deadline = (await latestTimestamp(provider)) + (opts.listingSeconds ?? 30 * 24 * 3600);
  const revealSeconds = opts.revealSeconds ?? 7 * 24 * 3600;
  const roundId = await openRound(client, ops.tradingCentre, { deadline, revealSeconds, ...data.round, pricing: opts.pricing });
  await fundConsumers(client, opts, wallets, roundId);
  const listed = await listOrders(client, opts, wallets, roundId);
  const advance = opts.advanceTime ?? ((t: number) => advanceTimeTo(opts.rpc, provider, t));
  await advance(deadline);
  const reveals = await revealOrders(client, opts, wallets, listed.sealed);
  await advance(deadline + revealSeconds);
  const steps = opts.matchSteps ?? 40;
  const matched = await runMatching(client, ops.admin, { steps, untilDone: true, onStep: (done) => progress({ stage: "match", done }) });
  await approveMatching(client, ops.dispatch);
  progress({ stage: "approve", done: 1, total: 1 });
  const trades = await readTrades(client, roundId, listed.byId);
  const total = trades.length;
  const settled = await runSettlement(client, ops.admin, {
    steps: opts.settleSteps ?? 60,
    untilDone: true,
    onStep: (done) => progress({ stage: "settle", done, total }),
  });
  await checkConservation(client.sys);
  return { system: client.sys, roundId, trades, wallets, orders: listed.byId, gas: { list: listed.gas, reveal: reveals, match: matched.gas, settle: settled.gas } };
}

/**
 * Sets every corridor of the market's grid file (capacity: unlimited unless given). A corridor of capacity 0 carries
 * nothing, which on chain is a pair without parameters, so it is left unset.
 */
async function configureGrid(client: MarketClient, opts: ReplayOptions): Promise<void> {
  for (const link of opts.data.grid) {
    if (link.capacityMwh === 0n) continue;
    await setCorridor(client, opts.operators.gridCompany, {
      seller: link.sellerRegion,
      buyer: link.buyerRegion,
      lossPpm: link.lossPpm,
      transmissionPrice: link.transmissionPrice,
      capacityMwh: link.capacityMwh,
    });
  }
}

/**
 * Funds, registers (`Regis`, each participant with its own key) and approves every participant. Applications go out
 * together, and so do approvals (the submitter sends one signer's in call order), so a large market registers fast.
 */
async function registerParticipants(client: MarketClient, opts: ReplayOptions, wallets: ReadonlyMap<string, Wallet>) {
  const { orders } = opts.data;
  const addresses = orders.map((o) => wallets.get(o.name)!.address);
  const fund = opts.fund ?? (async (to: readonly string[], wei: bigint) => void (await Promise.all(to.map((a) => setBalance(opts.rpc, a, wei)))));
  await fund(addresses, GAS_MONEY);
  const limit = opts.maxInFlight ?? Infinity;
  await mapInFlight(orders, limit, (o) => register(client, wallets.get(o.name)!, { kind: o.kind, region: o.region, code: o.name }));
  const tc = opts.operators.tradingCentre;
  await mapInFlight(orders, limit, (o) => review(client, tc, wallets.get(o.name)!.address, { approve: true }));
}

/** The cashier deposits each consumer's escrow as RMB; each consumer lets the market take it. */
async function fundConsumers(client: MarketClient, opts: ReplayOptions, wallets: ReadonlyMap<string, Wallet>, roundId: bigint) {
  const rate = await client.sys.token.tokensPerRmb();
  const cashier = opts.operators.cashier;
  await mapInFlight(opts.data.consumers, opts.maxInFlight ?? Infinity, (c) => {
    const rmb = (tokenAmount(c.bidPrice, c.quantityMwh) * WAD + rate - 1n) / rate;
    const account = wallets.get(c.name)!;
    return Promise.all([
      deposit(client, cashier, { account: account.address, rmb, receiptId: id(`dplc:deposit:${roundId}:${c.name}`) }),
      approveEscrow(client, account),
    ]);
  });
}

/**
 * Seals and lists every order with `PAYMENT`, in the market's listing order, each signed by its participant; a
 * consumer escrows exactly its liability (what the cashier deposited). Salts are derived from the round and the
 * participant's name so a replay is reproducible. Each listing is submitted once the previous one has its place in
 * the order (for an ordering service: ordered; for a node: accepted), so order ids follow the data, and only the
 * waiting for receipts overlaps. Returns on-chain order id -> order, the sealed orders by id, and gas.
 */
async function listOrders(client: MarketClient, opts: ReplayOptions, wallets: ReadonlyMap<string, Wallet>, roundId: bigint) {
  const total = opts.data.orders.length;
  const market = await client.sys.market.getAddress();
  let done = 0;
  const listed: Promise<{ orderId: bigint; receipt: TransactionReceipt; sealed: SealedOrder }>[] = [];
  const limit = opts.maxInFlight ?? Infinity;
  for (const o of opts.data.orders) {
    // At most `limit` listings awaiting their receipts: the next one goes out once the oldest is applied.
    if (listed.length >= limit) await listed[listed.length - limit];
    const who = wallets.get(o.name)!;
    const request = orderRequest(o);
    const escrow = o.kind === "consumer" ? orderLiability(request) : 0n;
    const sealed = sealOrder({ market, roundId, owner: who.address, request, escrow, salt: id(`dplc:salt:${roundId}:${o.name}`) });
    const { applied } = await submitListing(client, who, sealed);
    listed.push(applied.then((r) => (opts.progress?.({ stage: "list", done: ++done, total }), { ...r, sealed })));
  }
  const results = await Promise.all(listed);
  const byId = new Map<bigint, MarketOrder>(results.map((r, k) => [r.orderId, opts.data.orders[k]!] as const));
  const sealed = new Map<bigint, { name: string; sealed: SealedOrder }>(
    results.map((r, k) => [r.orderId, { name: opts.data.orders[k]!.name, sealed: r.sealed }] as const),
  );
  return { byId, sealed, gas: results.map((r) => r.receipt.gasUsed) as GasTrace };
}

/**
 * Every participant reveals its order in the reveal window, with its own key. Reveals do not depend on one another's
 * order (ties are ranked by the revealed salts, not by sequence), so they all go out at once.
 */
async function revealOrders(
  client: MarketClient,
  opts: ReplayOptions,
  wallets: ReadonlyMap<string, Wallet>,
  sealed: ReadonlyMap<bigint, { name: string; sealed: SealedOrder }>,
): Promise<GasTrace> {
  const total = sealed.size;
  let done = 0;
  const receipts = await mapInFlight([...sealed], opts.maxInFlight ?? Infinity, ([orderId, s]) =>
    revealOrder(client, wallets.get(s.name)!, orderId, s.sealed).then((r) => (opts.progress?.({ stage: "reveal", done: ++done, total }), r)),
  );
  return receipts.map((r) => r.gasUsed);
}

async function checkConservation(sys: MarketSystem): Promise<void> {
  const held = await sys.token.balanceOf(await sys.market.getAddress());
  if (held !== 0n) throw new ReplayInvariantError(`the market still holds ${held} token units after settlement`);
}
