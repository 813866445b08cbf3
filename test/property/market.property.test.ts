import { expect } from "chai";
import fc from "fast-check";
import hre, { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { Wallet } from "ethers";
import { deployMarketSystem } from "../../src/chain/deploy";
import { code32 } from "../../src/chain/participants";
import { RoundState } from "../../src/actions";
import { commitmentOf } from "../helpers/fixtures";
import { chainTrades, modelTrades, pickCuts, priceArb as price, registerParticipant } from "./market-harness";
import {
  curtail as modelCurtail,
  matchRound,
  revealedBook,
  settle as modelSettle,
  settleCancelled,
  tieRank,
  tieSeed,
  type Book,
  type Buyer,
  type Corridor,
  type MarketState,
  type Seller,
} from "../model/market-model";

/**
 * Model-based tests: random books run through the contracts and through the independent reference model
 * (test/model/market-model.ts) must give the same trades, prices and payments; invariants in test/PROPERTIES.md.
 */
const SEED = Number(process.env.FC_SEED ?? 20261124);
// Instrumented coverage runs are ~50x slower: a few cases still cover every path there.
const COVERAGE = (hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING === true;
const RUNS = Number(process.env.FC_RUNS ?? (COVERAGE ? 5 : 60));
const REGIONS = ["R1", "R2", "R3"] as const;
const KINDS = ["consumer", "wind", "thermal"] as const;
type Kind = (typeof KINDS)[number];
const PAIRS = REGIONS.flatMap((s) => REGIONS.map((b) => [s, b] as const));
const MAX_U64 = 2n ** 64n - 1n;
const REVEAL_SECONDS = 1_000;
const STALL_SECONDS = 14 * 24 * 3600;

/** Two participants of each kind in each region, registered once in the fixture. */
const POOL = REGIONS.flatMap((region) =>
  KINDS.flatMap((kind) => [0, 1].map((k) => ({ name: `${kind}-${region}-${k}`, kind, region }))),
);

async function poolFixture() {
  const [admin, tradingCentre, dispatch, gridCompany, cashier, keeper] = await ethers.getSigners();
  const sys = await deployMarketSystem({ admin: admin!, tradingCentre: tradingCentre!, dispatch: dispatch!, gridCompany: gridCompany!, cashier: cashier! });
  for (const [s, b] of PAIRS) await sys.grid.connect(gridCompany!).setPair(code32(s), code32(b), 0, 0, MAX_U64);
  const wallets = new Map<string, Wallet>();
  for (const p of POOL) {
    wallets.set(p.name, await registerParticipant(sys, p, tradingCentre!, cashier!));
  }
  return { sys, wallets, tradingCentre: tradingCentre!, dispatch: dispatch!, gridCompany: gridCompany!, keeper: keeper! };
}

// ---- generators ---------------------------------------------------------------------------------------------------

const orderArb = fc.record({
  participant: fc.integer({ min: 0, max: POOL.length - 1 }),
  quantity: fc.bigInt({ min: 1n, max: 600n }),
  greenShare: fc.integer({ min: 0, max: 100 }),
  // Coarse prices now and then, so converted values tie and the tie ranks decide.
  bid: fc.oneof(price(4, 8), fc.constantFrom(6n * 10n ** 18n, 7n * 10n ** 18n)),
  ask: fc.oneof(price(2, 4), fc.constantFrom(3n * 10n ** 18n)),
  w: fc.oneof(fc.constant(0n), price(0, 1)),
  salt: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => ethers.hexlify(b)),
  // A consumer escrows its liability plus this much, so the escrow does not give its bid away.
  extraEscrow: fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 10n ** 24n })),
  // Some owners never reveal (one in eight), or first try a reveal that does not match (one in eight).
  reveal: fc.constantFrom("yes", "yes", "yes", "yes", "yes", "yes", "no", "mismatch"),
  // Unrevealed escrow pulled with refundUnrevealed once the window closes, or left to settlement or cancellation.
  pullRefund: fc.boolean(),
});
const corridorArb = fc.record({
  used: fc.integer({ min: 0, max: 9 }).map((x) => x < 8),
  lossPpm: fc.integer({ min: 0, max: 120_000 }).map(BigInt),
  transmission: price(0, 1),
  capacity: fc.oneof(fc.constant(null), fc.bigInt({ min: 1n, max: 900n })),
});
const scenarioArb = fc.record({
  orders: fc.array(orderArb, { minLength: 1, maxLength: 16 }),
  corridors: fc.array(corridorArb, { minLength: PAIRS.length, maxLength: PAIRS.length }),
  bundlingBps: fc.integer({ min: 0, max: 50_000 }).map(BigInt),
  windCert: fc.oneof(fc.constant(0n), price(0, 1)),
  thermalCert: fc.oneof(fc.constant(0n), price(0, 1)),
  pricing: fc.constantFrom("surplus-split" as const, "paper-table" as const),
  cuts: fc.array(fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 3 }), { maxLength: 2 }),
  matchSteps: fc.integer({ min: 1, max: 30 }),
  settleSteps: fc.integer({ min: 1, max: 30 }),
  // Half the rounds run to settlement; the others are cancelled by the trading centre while listing, revealing,
  // during matching or once matched, or by a stranger once the round stalled.
  cancel: fc.constantFrom("none", "none", "none", "none", "none", "listing", "revealing", "matching", "matched", "stalled"),
  refundSeed: fc.nat(),
  // A participant the trading centre revokes once listing is done; anyone then removes its orders (full refund).
  revoked: fc.oneof(
    { arbitrary: fc.constant(null), weight: 3 },
    { arbitrary: fc.integer({ min: 0, max: POOL.length - 1 }), weight: 1 },
  ),
});
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

/** The model's book for a scenario; order ids are listing positions from 1, as on chain. */
function toBook(s: Scenario): Book {
  const buyers: Buyer[] = [];
  const sellers: Seller[] = [];
  s.orders.forEach((o, k) => {
    const p = POOL[o.participant]!;
    const id = k + 1;
    if (p.kind === "consumer") {
      const escrow = o.bid * o.quantity * 1000n + o.extraEscrow;
      buyers.push({ id, region: p.region, bid: o.bid, quantity: o.quantity, green: (o.quantity * BigInt(o.greenShare)) / 100n, escrow });
    } else {
      sellers.push({ id, kind: p.kind, region: p.region, ask: o.ask, quantity: o.quantity, w: p.kind === "thermal" ? o.w : 0n });
    }
  });
  const corridors: Corridor[] = [];
  s.corridors.forEach((c, k) => {
    if (!c.used) return;
    const [sellerRegion, buyerRegion] = PAIRS[k]!;
    corridors.push({ sellerRegion, buyerRegion, lossPpm: c.lossPpm, transmission: c.transmission, capacity: c.capacity });
  });
  return {
    buyers,
    sellers,
    corridors,
    round: { bundlingBps: s.bundlingBps, windCertCost: s.windCert, thermalCertCost: s.thermalCert },
    pricing: s.pricing,
  };
}

/** Ids of the orders their owners reveal (the revoked participant's are removed before the deadline). */
function revealedIds(s: Scenario, removed: ReadonlySet<number>): Set<number> {
  return new Set(s.orders.flatMap((o, k) => (o.reveal === "yes" && !removed.has(k + 1) ? [k + 1] : [])));
}

/** The model's book of a round: revealed orders only, each with its tie rank from the revealed salts. */
function matchingBook(book: Book, s: Scenario, commitments: readonly string[], revealed: ReadonlySet<number>): Book {
  const seed = tieSeed(s.orders.flatMap((o, k) => (revealed.has(k + 1) ? [o.salt] : [])));
  const rank = (id: number) => tieRank(seed, commitments[id - 1]!);
  const only = revealedBook(book, revealed);
  return { ...only, buyers: only.buyers.map((b) => ({ ...b, tie: rank(b.id) })), sellers: only.sellers.map((x) => ({ ...x, tie: rank(x.id) })) };
}

/** The book without the orders of the revoked participant: removed before the deadline, as if never listed. */
function removedIds(s: Scenario): Set<number> {
  return new Set(s.orders.flatMap((o, k) => (o.participant === s.revoked ? [k + 1] : [])));
}

function withoutOrders(book: Book, removed: ReadonlySet<number>): Book {
  return { ...book, buyers: book.buyers.filter((b) => !removed.has(b.id)), sellers: book.sellers.filter((x) => !removed.has(x.id)) };
}

/** Revokes the scenario's participant and removes each of its orders through `removeRevoked`, with a full refund. */
async function revokeAndRemove(env: Env, s: Scenario, removed: ReadonlySet<number>, names: readonly string[], before: Map<string, bigint>) {
  if (s.revoked === null) return;
  const who = env.wallets.get(POOL[s.revoked]!.name)!;
  await env.sys.registry.connect(env.tradingCentre).revoke(who.address, code32("property"));
  for (const id of removed) {
    await env.sys.market.connect(env.keeper).removeRevoked(id);
    await expectConserved(env, names, before);
  }
}

// ---- driving the contracts -----------------------------------------------------------------------------------------

type Env = Awaited<ReturnType<typeof poolFixture>>;

async function runMatching(env: Env, roundId: bigint, steps: number) {
  while ((await env.sys.market.round(roundId)).state === RoundState.Open) {
    await env.sys.market.connect(env.keeper).matchOrders(steps);
  }
  expect((await env.sys.market.round(roundId)).state).to.equal(RoundState.Matched);
}

async function setUpRound(env: Env, s: Scenario, book: Book) {
  const grid = env.sys.grid.connect(env.gridCompany);
  for (const [sr, br] of PAIRS) {
    const c = book.corridors.find((x) => x.sellerRegion === sr && x.buyerRegion === br);
    if (c === undefined) await grid.removePair(code32(sr), code32(br));
    else await grid.setPair(code32(sr), code32(br), c.lossPpm, c.transmission, c.capacity ?? MAX_U64);
  }
  const deadline = (await time.latest()) + 1000;
  await env.sys.market.connect(env.tradingCentre).openRound({
    deadline,
    bundlingRatioBps: s.bundlingBps,
    windCertCost: s.windCert,
    thermalCertCost: s.thermalCert,
    pricing: await env.sys.pricing[s.pricing].getAddress(),
    minOrderMwh: 1n,
    revealSeconds: REVEAL_SECONDS,
  });
  const roundId = await env.sys.market.currentRound();
  const market = await env.sys.market.getAddress();
  const commitments: string[] = [];
  for (const [k, o] of s.orders.entries()) {
    const who = env.wallets.get(POOL[o.participant]!.name)!;
    const b = book.buyers.find((x) => x.id === k + 1);
    const commitment = commitmentOf(market, roundId, who.address, requestOf(s, book, k), o.salt);
    commitments.push(commitment);
    await env.sys.market.connect(who).PAYMENT(commitment, b?.escrow ?? 0n);
  }
  return { roundId, deadline, commitments };
}

/** The order request the scenario's k-th order commits to. */
function requestOf(s: Scenario, book: Book, k: number) {
  const b = book.buyers.find((x) => x.id === k + 1);
  const sl = book.sellers.find((x) => x.id === k + 1);
  return { quantityMwh: s.orders[k]!.quantity, price: b?.bid ?? sl!.ask, greenDemandMwh: b?.green ?? 0n, envPrice: sl?.w ?? 0n, subsidyPrice: 0n };
}

/**
 * In the reveal window each owner reveals as the scenario says: as committed, not at all, or first with another price
 * (refused: the commitment does not match) and then not at all.
 */
async function revealOrders(env: Env, s: Scenario, book: Book, removed: ReadonlySet<number>) {
  for (const [k, o] of s.orders.entries()) {
    if (removed.has(k + 1) || o.reveal === "no") continue;
    const market = env.sys.market.connect(env.wallets.get(POOL[o.participant]!.name)!);
    const request = requestOf(s, book, k);
    if (o.reveal === "yes") await market.revealOrder(k + 1, request, o.salt);
    else await expect(market.revealOrder(k + 1, { ...request, price: request.price + 1n }, o.salt)).to.be.revertedWithCustomError(env.sys.market, "MarketCommitmentMismatch");
  }
}

/** Once the window closed, anyone pulls the escrow of the unrevealed consumer orders the scenario says to pull. */
async function pullRefunds(env: Env, s: Scenario, removed: ReadonlySet<number>, names: readonly string[], before: Map<string, bigint>) {
  const pulled = new Set<number>();
  for (const [k, o] of s.orders.entries()) {
    if (removed.has(k + 1) || o.reveal === "yes" || !o.pullRefund || POOL[o.participant]!.kind !== "consumer") continue;
    await env.sys.market.connect(env.keeper).refundUnrevealed(k + 1);
    await expectConserved(env, names, before);
    pulled.add(k + 1);
  }
  return pulled;
}

async function balances(env: Env, names: readonly string[]) {
  const out = new Map<string, bigint>();
  for (const n of names) out.set(n, await env.sys.token.balanceOf(env.wallets.get(n)!.address));
  out.set("grid", await env.sys.token.balanceOf(await env.gridCompany.getAddress()));
  out.set("market", await env.sys.token.balanceOf(await env.sys.market.getAddress()));
  return out;
}

async function checkScenario(s: Scenario) {
  const env = await loadFixture(poolFixture);
  const listed = toBook(s);
  const removed = removedIds(s);
  const names = POOL.map((p) => p.name);
  const supply = await env.sys.token.totalSupply();
  const before = await balances(env, names);
  const { roundId, deadline, commitments } = await setUpRound(env, s, listed);
  await revokeAndRemove(env, s, removed, names, before);
  const consumers = listed.buyers.map((b) => b.id).filter((id) => !removed.has(id));
  const cancelled = (pulled: ReadonlySet<number> = new Set()) =>
    checkCancelled(env, s, consumers.filter((id) => !pulled.has(id)), roundId, before, names);
  if (s.cancel === "listing") return cancelled();
  await time.increaseTo(deadline);
  await revealOrders(env, s, listed, removed);
  if (s.cancel === "revealing") return cancelled();
  await time.increaseTo(deadline + REVEAL_SECONDS);
  const pulled = await pullRefunds(env, s, removed, names, before);
  const book = matchingBook(withoutOrders(listed, removed), s, commitments, revealedIds(s, removed));
  if (s.cancel === "matching") {
    await env.sys.market.connect(env.keeper).matchOrders(s.matchSteps);
    return cancelled(pulled);
  }
  await runMatching(env, roundId, s.matchSteps);
  let state = matchRound(book);
  expect(await chainTrades(env.sys.market, roundId)).to.deep.equal(modelTrades(state));
  for (const raw of s.cuts) {
    const cuts = pickCuts(state, raw);
    if (cuts.length === 0) continue;
    await env.sys.market.connect(env.dispatch).curtail(cuts.map((c) => c.tradeId), cuts.map((c) => c.mwh));
    state = modelCurtail(state, cuts);
    await runMatching(env, roundId, s.matchSteps);
    expect(await chainTrades(env.sys.market, roundId)).to.deep.equal(modelTrades(state));
  }
  checkCaps(state);
  if (s.cancel === "matched" || s.cancel === "stalled") return cancelled(pulled);
  await env.sys.market.connect(env.dispatch).approveMatching();
  let settles = 0;
  while ((await env.sys.market.round(roundId)).state === RoundState.Settling) {
    await env.sys.market.connect(env.keeper).TRANS(s.settleSteps);
    settles++;
    await expectConserved(env, names, before);
  }
  expect(settles).to.be.greaterThan(0);
  expect(await env.sys.token.totalSupply()).to.equal(supply);
  await checkPayments(env, s, state, before, names);
}

/** Conservation: what participants, the grid and the market hold is what they held before the round. */
async function expectConserved(env: Env, names: readonly string[], before: Map<string, bigint>) {
  const now = await balances(env, names);
  const total = (m: Map<string, bigint>) => [...m.values()].reduce((a, b) => a + b, 0n);
  expect(total(now) - total(before)).to.equal(0n);
  // The market's balance is exactly what it owes (escrow + unpaid grid fees): nothing it cannot account for.
  expect(now.get("market")).to.equal(await env.sys.market.escrowHeld());
}

/**
 * The trading centre cancels (or, for "stalled", a stranger once the round has stalled); anyone pulls the refund of
 * every consumer order still holding escrow, revealed or not, in an order drawn by the scenario. Conserved after every
 * refund; afterwards every balance is back where it started (the model's `settleCancelled`), the market holds nothing
 * of the round, and a new round opens.
 */
async function checkCancelled(env: Env, s: Scenario, ids: readonly number[], roundId: bigint, before: Map<string, bigint>, names: readonly string[]) {
  const supply = await env.sys.token.totalSupply();
  if (s.cancel === "stalled") {
    await time.increaseTo((await env.sys.market.round(roundId)).revealDeadline + BigInt(STALL_SECONDS));
    await env.sys.market.connect(env.keeper).cancelStalledRound();
  } else {
    await env.sys.market.connect(env.tradingCentre).cancelRound();
  }
  const start = ids.length === 0 ? 0 : s.refundSeed % ids.length;
  const order = [...ids.slice(start), ...ids.slice(0, start)];
  for (const id of s.refundSeed % 2 === 0 ? order : order.reverse()) {
    await env.sys.market.connect(env.keeper).refundCancelled(id);
    await expectConserved(env, names, before);
  }
  expect((await env.sys.market.round(roundId)).state).to.equal(RoundState.Cancelled);
  expect(await env.sys.token.totalSupply()).to.equal(supply);
  const book = { ...toBook(s), buyers: [], sellers: [] };
  await checkPayments(env, s, { book, trades: [], curtailCaps: new Map() }, before, names, settleCancelled(book));
  const deadline = (await time.latest()) + 1000;
  const pricing = await env.sys.pricing[s.pricing].getAddress();
  await env.sys.market
    .connect(env.tradingCentre)
    .openRound({ deadline, bundlingRatioBps: 0, windCertCost: 0, thermalCertCost: 0, pricing, minOrderMwh: 1, revealSeconds: REVEAL_SECONDS });
  expect(await env.sys.market.currentRound()).to.equal(roundId + 1n);
}

/** Caps: no order over its quantity, wind ≤ green demand, thermal ≤ bundling cap, corridors ≤ capacity. */
function checkCaps(state: MarketState) {
  const { book } = state;
  const sum = (f: (t: MarketState["trades"][number]) => boolean) =>
    state.trades.filter(f).reduce((a, t) => a + t.mwh, 0n);
  for (const b of book.buyers) {
    expect(sum((t) => t.buyer === b.id)).to.be.lte(b.quantity);
    expect(sum((t) => t.buyer === b.id && t.phase === 1)).to.be.lte(b.green);
  }
  for (const sl of book.sellers) expect(sum((t) => t.seller === sl.id)).to.be.lte(sl.quantity);
  expect(sum((t) => t.phase === 2)).to.be.lte((sum((t) => t.phase === 1) * book.round.bundlingBps) / 10_000n);
  for (const c of book.corridors) {
    if (c.capacity === null) continue;
    const regionOf = (id: number) => [...book.buyers, ...book.sellers].find((x) => x.id === id)!.region;
    const used = sum((t) => regionOf(t.seller) === c.sellerRegion && regionOf(t.buyer) === c.buyerRegion);
    expect(used).to.be.lte(c.capacity);
  }
}

async function checkPayments(
  env: Env,
  s: Scenario,
  state: MarketState,
  before: Map<string, bigint>,
  names: readonly string[],
  settlement = modelSettle(state),
) {
  const after = await balances(env, names);
  const expected = new Map<string, bigint>(names.map((n) => [n, 0n]));
  s.orders.forEach((o, k) => {
    const name = POOL[o.participant]!.name;
    const id = k + 1;
    if (o.participant === s.revoked) return; // removed with a full refund: no net change
    // Orders left unrevealed are in neither list: refunded in full, no net change.
    const delta = settlement.buyers.has(id) ? -settlement.buyers.get(id)!.paid : (settlement.sellers.get(id) ?? 0n);
    expected.set(name, expected.get(name)! + delta);
  });
  for (const n of names) expect(after.get(n)! - before.get(n)!, n).to.equal(expected.get(n));
  expect(after.get("grid")! - before.get("grid")!).to.equal(settlement.grid);
  expect(after.get("market")).to.equal(before.get("market"));
  for (const t of settlement.trades) expect(t.buyerPays).to.equal(t.sellerReceives + t.gridReceives);
  if (s.pricing === "surplus-split") {
    for (const t of state.trades) {
      const b = state.book.buyers.find((x) => x.id === t.buyer)!;
      const sl = state.book.sellers.find((x) => x.id === t.seller)!;
      expect(t.buyerPrice).to.be.lte(b.bid);
      expect(t.sellerPrice).to.be.gte(sl.ask);
    }
  }
}

describe("DPLCMarket against the reference model (fast-check)", function () {
  it(`matches, curtails and settles random books exactly like the model (seed ${SEED}, ${RUNS} runs)`, async function () {
    await fc.assert(fc.asyncProperty(scenarioArb, checkScenario), { seed: SEED, numRuns: RUNS, endOnFailure: true });
  });
});
