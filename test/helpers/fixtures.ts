/**
 * Shared fixtures and actions for the contracts' unit tests. Fixtures are named functions so `loadFixture` can
 * snapshot them; actions are thin wrappers that always wait for their transaction.
 */
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { AbiCoder, MaxUint256, encodeBytes32String, hexlify, id, keccak256, randomBytes, type ContractTransactionResponse } from "ethers";
import { deployMarketSystem, type MarketSystem } from "../../src/chain/deploy";
import type { IDPLCMarket } from "../../typechain-types";
import { UNLIMITED, WAD } from "./rules";

/** IDPLCRegistry.Kind */
export const Kind = { None: 0n, Consumer: 1n, Wind: 2n, Thermal: 3n } as const;
/** IDPLCRegistry.Status */
export const Status = { None: 0n, Pending: 1n, Approved: 2n, Rejected: 3n, Revoked: 4n } as const;
/** IDPLCMarket.RoundState */
export const RoundState = { None: 0n, Open: 1n, Matched: 2n, Settling: 3n, Closed: 4n, Cancelled: 5n } as const;

export const b32 = (text: string): string => encodeBytes32String(text);
export const LISTING_SECONDS = 3_600;
export const REVEAL_SECONDS = 3_600;

export interface System extends MarketSystem {
  admin: HardhatEthersSigner;
  tradingCentre: HardhatEthersSigner;
  dispatch: HardhatEthersSigner;
  gridCompany: HardhatEthersSigner;
  cashier: HardhatEthersSigner;
  keeper: HardhatEthersSigner;
  /** Accounts free for participants and outsiders. */
  users: HardhatEthersSigner[];
}

/** Token, registry, grid parameters, market and both pricing rules, with one account per operator role. */
export async function deployMarketFixture(): Promise<System> {
  const [admin, tradingCentre, dispatch, gridCompany, cashier, keeper, ...users] = await ethers.getSigners();
  const sys = await deployMarketSystem({ admin, tradingCentre, dispatch, gridCompany, cashier });
  return { ...sys, admin, tradingCentre, dispatch, gridCompany, cashier, keeper, users };
}

/** `Regis` then approval by the trading centre. */
export async function join(sys: System, who: HardhatEthersSigner, kind: bigint, region: string): Promise<void> {
  await (await sys.registry.connect(who).Regis(kind, b32(region), b32(`code-${who.address.slice(2, 10)}`))).wait();
  await (await sys.registry.connect(sys.tradingCentre).approve(who.address)).wait();
}

let receipts = 0;
/** Mints `tokens` to `who` through a cashier deposit (default rate 10 tokens/RMB) and approves the market. */
export async function fund(sys: System, who: HardhatEthersSigner, tokens: bigint): Promise<void> {
  const rate = await sys.token.tokensPerRmb();
  const rmb = (tokens * WAD + rate - 1n) / rate;
  await (await sys.token.connect(sys.cashier).deposit(who.address, rmb, id(`receipt-${++receipts}`))).wait();
  await (await sys.token.connect(who).approve(await sys.market.getAddress(), MaxUint256)).wait();
}

export interface PairSpec {
  seller: string;
  buyer: string;
  lossPpm?: bigint;
  transmission?: bigint;
  capacity?: bigint;
}

export async function setPairs(sys: System, pairs: readonly PairSpec[]): Promise<void> {
  for (const p of pairs) {
    await (
      await sys.grid
        .connect(sys.gridCompany)
        .setPair(b32(p.seller), b32(p.buyer), p.lossPpm ?? 0n, p.transmission ?? 0n, p.capacity ?? UNLIMITED)
    ).wait();
  }
}

/** The admin puts a pricing rule on the market's allowlist; returns its address for a round configuration. */
export async function allowPricing(sys: System, rule: { getAddress(): Promise<string> }): Promise<string> {
  const address = await rule.getAddress();
  await (await sys.market.connect(sys.admin).setPricingRule(address, true)).wait();
  return address;
}

export type RoundConfigInput = Partial<IDPLCMarket.RoundConfigStruct>;

/** Opens a round (surplus-split, ratio 3, no certificate costs unless overridden) closing in an hour. */
export async function openRound(sys: System, config: RoundConfigInput = {}): Promise<{ roundId: bigint; deadline: bigint }> {
  const deadline = BigInt(await time.latest()) + BigInt(LISTING_SECONDS);
  await (
    await sys.market.connect(sys.tradingCentre).openRound({
      deadline,
      bundlingRatioBps: 30_000,
      windCertCost: 0n,
      thermalCertCost: 0n,
      pricing: await sys.pricing["surplus-split"].getAddress(),
      minOrderMwh: 1n,
      revealSeconds: REVEAL_SECONDS,
      ...config,
    })
  ).wait();
  return { roundId: await sys.market.currentRound(), deadline: BigInt((await sys.market.round(await sys.market.currentRound())).deadline) };
}

/** Moves the clock to the listing deadline: the reveal window opens. */
export async function toRevealWindow(sys: Pick<System, "market">): Promise<void> {
  const r = await sys.market.round(await sys.market.currentRound());
  if (BigInt(await time.latest()) < r.deadline) await time.increaseTo(r.deadline);
}

/** Makes the round ready to match: passes the deadline, reveals every order listed through `list`, passes the reveal deadline. */
export async function passDeadline(sys: Pick<System, "market">): Promise<void> {
  await toRevealWindow(sys);
  await revealAll(sys);
  const r = await sys.market.round(await sys.market.currentRound());
  if (BigInt(await time.latest()) < r.revealDeadline) await time.increaseTo(r.revealDeadline);
}

/** Runs matching with `steps` per call until the round leaves Open; returns the number of calls. */
export async function matchAll(sys: System, steps = 10_000n): Promise<number> {
  const roundId = await sys.market.currentRound();
  let calls = 0;
  while ((await sys.market.round(roundId)).state === RoundState.Open) {
    await (await sys.market.connect(sys.keeper).matchOrders(steps)).wait();
    calls++;
  }
  return calls;
}

/** Runs TRANS with `steps` per call until the round is closed; returns the number of calls. */
export async function settleAll(sys: System, steps = 10_000n): Promise<number> {
  const roundId = await sys.market.currentRound();
  let calls = 0;
  while ((await sys.market.round(roundId)).state === RoundState.Settling) {
    await (await sys.market.connect(sys.keeper).TRANS(steps)).wait();
    calls++;
  }
  return calls;
}

/** A plain view of a trade, for deep equality. */
export interface TradeView {
  buyer: bigint;
  seller: bigint;
  mwh: bigint;
  thermal: boolean;
  buyerPrice: bigint;
  sellerPrice: bigint;
}

export async function trades(sys: System, roundId?: bigint): Promise<TradeView[]> {
  const id = roundId ?? (await sys.market.currentRound());
  const n = (await sys.market.round(id)).tradeCount;
  const out: TradeView[] = [];
  for (let i = 0n; i < n; i++) {
    const t = await sys.market.trade(id, i);
    out.push({
      buyer: t.buyerOrderId,
      seller: t.sellerOrderId,
      mwh: t.mwh,
      thermal: t.thermal,
      buyerPrice: t.buyerPrice,
      sellerPrice: t.sellerPrice,
    });
  }
  return out;
}

// ---- order requests -------------------------------------------------------------------------------------------

export type OrderRequest = IDPLCMarket.OrderRequestStruct;

export function consumerOrder(quantityMwh: bigint, bid: bigint, greenDemandMwh = 0n): OrderRequest {
  return { quantityMwh, price: bid, greenDemandMwh, envPrice: 0n, subsidyPrice: 0n };
}

export function windOrder(quantityMwh: bigint, ask: bigint): OrderRequest {
  return { quantityMwh, price: ask, greenDemandMwh: 0n, envPrice: 0n, subsidyPrice: 0n };
}

export function thermalOrder(quantityMwh: bigint, ask: bigint, envPrice = 0n, subsidyPrice = 0n): OrderRequest {
  return { quantityMwh, price: ask, greenDemandMwh: 0n, envPrice, subsidyPrice };
}

// ---- sealed listing ---------------------------------------------------------------------------------------------

/** Requests and salts of every commitment `list` made, by commitment: a fixture snapshot cannot make them stale. */
const SEALS = new Map<string, { request: OrderRequest; salt: string }>();
const REQUEST = "tuple(uint256 quantityMwh, uint256 price, uint256 greenDemandMwh, uint256 envPrice, uint256 subsidyPrice)";

/** keccak256(abi.encode(market, roundId, owner, request, salt)): IDPLCMarket.orderCommitment, written out here. */
export function commitmentOf(market: string, roundId: bigint, owner: string, q: OrderRequest, salt: string): string {
  const tuple = [q.quantityMwh, q.price, q.greenDemandMwh, q.envPrice, q.subsidyPrice];
  return keccak256(AbiCoder.defaultAbiCoder().encode(["address", "uint256", "address", REQUEST, "bytes32"], [market, roundId, owner, tuple, salt]));
}

/** What a consumer must escrow at least for `q`: price × quantity × 1000. */
export function liabilityOf(q: OrderRequest): bigint {
  return BigInt(q.price) * BigInt(q.quantityMwh) * 1000n;
}

/**
 * `PAYMENT` of a sealed `request` by `who` in the current round, with a fresh salt (or `salt`); a consumer escrows its
 * liability unless `escrow` says otherwise. `reveal`, `revealAll` and `passDeadline` reveal it later.
 */
export async function list(
  sys: Pick<System, "market" | "registry">,
  who: HardhatEthersSigner,
  request: OrderRequest,
  opts: { escrow?: bigint; salt?: string } = {},
): Promise<ContractTransactionResponse> {
  const salt = opts.salt ?? hexlify(randomBytes(32));
  const roundId = await sys.market.currentRound();
  const commitment = commitmentOf(await sys.market.getAddress(), roundId, who.address, request, salt);
  SEALS.set(commitment, { request, salt });
  const consumer = (await sys.registry.participant(who.address)).kind === Kind.Consumer;
  const escrow = opts.escrow ?? (consumer ? liabilityOf(request) : 0n);
  return sys.market.connect(who).PAYMENT(commitment, escrow);
}

/** The request and salt behind an order listed with `list`. */
export async function sealOf(sys: Pick<System, "market">, orderId: bigint): Promise<{ request: OrderRequest; salt: string }> {
  const seal = SEALS.get((await sys.market.order(orderId)).commitment);
  if (seal === undefined) throw new Error(`order ${orderId} was not listed through list()`);
  return seal;
}

/** The owner reveals order `orderId` (listed with `list`) as committed. */
export async function reveal(sys: Pick<System, "market">, orderId: bigint): Promise<ContractTransactionResponse> {
  const { request, salt } = await sealOf(sys, orderId);
  const owner = await ethers.getSigner((await sys.market.order(orderId)).owner);
  return sys.market.connect(owner).revealOrder(orderId, request, salt);
}

/** Reveals every active, unrevealed order of the current round that `list` listed, in id order. */
export async function revealAll(sys: Pick<System, "market">): Promise<void> {
  const r = await sys.market.round(await sys.market.currentRound());
  for (let i = r.firstOrderId; i < r.endOrderId; i++) {
    const o = await sys.market.order(i);
    if (o.active && !o.revealed && SEALS.has(o.commitment)) await (await reveal(sys, i)).wait();
  }
}

// ---- books ------------------------------------------------------------------------------------------------------

export interface OrderSpec {
  kind: "consumer" | "wind" | "thermal";
  region: string;
  request: OrderRequest;
}

export interface BookSpec {
  pairs: readonly PairSpec[];
  round?: RoundConfigInput;
  /** Listed in this order, so the n-th entry gets order id n (in the first round). */
  orders: readonly OrderSpec[];
}

export interface Book extends System {
  roundId: bigint;
  deadline: bigint;
  /** owners[k] listed orders[k]. */
  owners: HardhatEthersSigner[];
  orderIds: bigint[];
}

const KIND_OF = { consumer: Kind.Consumer, wind: Kind.Wind, thermal: Kind.Thermal } as const;

/** Deploys, sets grid pairs, registers one fresh account per order, funds consumers, opens a round and lists (sealed). */
export async function setupBook(spec: BookSpec, round?: (sys: System) => Promise<RoundConfigInput>): Promise<Book> {
  const sys = await deployMarketFixture();
  await setPairs(sys, spec.pairs);
  const owners = spec.orders.map((_, k) => sys.users[k]!);
  for (const [k, o] of spec.orders.entries()) {
    await join(sys, owners[k]!, KIND_OF[o.kind], o.region);
    if (o.kind === "consumer") {
      await fund(sys, owners[k]!, BigInt(o.request.price) * BigInt(o.request.quantityMwh) * 1000n);
    }
  }
  const config = { ...(spec.round ?? {}), ...(round ? await round(sys) : {}) };
  const { roundId, deadline } = await openRound(sys, config);
  const orderIds: bigint[] = [];
  for (const [k, o] of spec.orders.entries()) {
    const next = (await sys.market.round(roundId)).endOrderId;
    await (await list(sys, owners[k]!, o.request)).wait();
    orderIds.push(next);
  }
  return { ...sys, roundId, deadline, owners, orderIds };
}

/** Sum of the escrow still held for the orders of `roundId`. */
export async function escrowHeld(sys: System, roundId: bigint): Promise<bigint> {
  const r = await sys.market.round(roundId);
  let sum = 0n;
  for (let i = r.firstOrderId; i < r.endOrderId; i++) sum += (await sys.market.order(i)).escrow;
  return sum;
}

// ---- a market ready for listing -----------------------------------------------------------------------------

export interface ListingMarket extends System {
  roundId: bigint;
  deadline: bigint;
  consumer: HardhatEthersSigner; // approved, region A, funded
  wind: HardhatEthersSigner; // approved, region A
  thermal: HardhatEthersSigner; // approved, region A
  consumerB: HardhatEthersSigner; // approved, region B, funded
  pending: HardhatEthersSigner; // applied, not reviewed
  rejected: HardhatEthersSigner; // applied, rejected
  stranger: HardhatEthersSigner; // never applied
  lost: HardhatEthersSigner; // approved, region Z that the grid does not know
}

/** The consumer's and consumerB's funding. */
export const LISTING_FUNDS = 10n ** 30n;

/** Regions A and B (pairs A→A and B→A), one participant of each situation, and round 1 open. */
export async function listingFixture(): Promise<ListingMarket> {
  const sys = await deployMarketFixture();
  await setPairs(sys, [
    { seller: "A", buyer: "A" },
    { seller: "B", buyer: "A", lossPpm: 10_000n, transmission: WAD / 10n },
  ]);
  const [consumer, wind, thermal, consumerB, pending, rejected, stranger, lost] = sys.users;
  await join(sys, consumer!, Kind.Consumer, "A");
  await join(sys, wind!, Kind.Wind, "A");
  await join(sys, thermal!, Kind.Thermal, "A");
  await join(sys, consumerB!, Kind.Consumer, "B");
  await join(sys, lost!, Kind.Wind, "Z");
  await (await sys.registry.connect(pending!).Regis(Kind.Wind, b32("A"), b32("p"))).wait();
  await (await sys.registry.connect(rejected!).Regis(Kind.Wind, b32("A"), b32("r"))).wait();
  await (await sys.registry.connect(sys.tradingCentre).reject(rejected!.address, b32("no"))).wait();
  await fund(sys, consumer!, LISTING_FUNDS);
  await fund(sys, consumerB!, LISTING_FUNDS);
  const { roundId, deadline } = await openRound(sys);
  return {
    ...sys,
    roundId,
    deadline,
    consumer: consumer!,
    wind: wind!,
    thermal: thermal!,
    consumerB: consumerB!,
    pending: pending!,
    rejected: rejected!,
    stranger: stranger!,
    lost: lost!,
  };
}
