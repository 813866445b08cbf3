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
  tieRank,
  tieSeed,
  type Book,
  type Buyer,
  type Corridor,
  type Seller,
} from "../model/market-model";

/**
 * Many regions (test/PROPERTIES.md): random books over 8 to 32 regions with random sparse corridors must match and
 * re-match after curtailment exactly like the reference model, whatever the step budget. Matching reads the region
 * heaps' tops instead of every region pair, so this checks that the heaps' lazy keys never change a result.
 */
const SEED = Number(process.env.FC_SEED ?? 20261207);
const COVERAGE = (hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING === true;
const RUNS = Number(process.env.FC_RUNS ?? (COVERAGE ? 3 : 20));
const MAX_REGIONS = 32;
const KINDS = ["consumer", "wind", "thermal"] as const;
const MAX_U64 = 2n ** 64n - 1n;
const REVEAL_SECONDS = 1_000;
const regionName = (k: number) => `G${k + 1}`;

/** One participant of each kind in each of the 32 regions, registered once. */
const POOL = Array.from({ length: MAX_REGIONS }, (_, k) =>
  KINDS.map((kind) => ({ name: `${kind}-${regionName(k)}`, kind, region: k })),
).flat();

async function regionsFixture() {
  const [admin, tradingCentre, dispatch, gridCompany, cashier, keeper] = await ethers.getSigners();
  const sys = await deployMarketSystem({ admin: admin!, tradingCentre: tradingCentre!, dispatch: dispatch!, gridCompany: gridCompany!, cashier: cashier! });
  const grid = sys.grid.connect(gridCompany!);
  // Every region gets its index; scenarios then set only the corridors they use.
  for (let k = 0; k < MAX_REGIONS; k++) {
    await grid.setPair(code32(regionName(k)), code32(regionName(k)), 0, 0, MAX_U64);
    await grid.removePair(code32(regionName(k)), code32(regionName(k)));
  }
  const wallets: Wallet[] = [];
  for (const p of POOL) {
    wallets.push(await registerParticipant(sys, { ...p, region: regionName(p.region) }, tradingCentre!, cashier!));
  }
  return { sys, wallets, tradingCentre: tradingCentre!, dispatch: dispatch!, gridCompany: gridCompany!, keeper: keeper! };
}
type Env = Awaited<ReturnType<typeof regionsFixture>>;

const orderArb = fc.record({
  region: fc.nat(),
  kind: fc.constantFrom(...KINDS),
  quantity: fc.bigInt({ min: 1n, max: 600n }),
  greenShare: fc.integer({ min: 0, max: 100 }),
  // Coarse prices now and then, so converted values tie across regions and the tie ranks decide.
  bid: fc.oneof(price(4, 8), fc.constantFrom(6n * 10n ** 18n, 7n * 10n ** 18n)),
  ask: fc.oneof(price(2, 4), fc.constantFrom(3n * 10n ** 18n)),
  w: fc.oneof(fc.constant(0n), price(0, 1)),
  salt: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => ethers.hexlify(b)),
});
const corridorArb = fc.record({
  seller: fc.nat(),
  buyer: fc.nat(),
  lossPpm: fc.oneof(fc.constant(0n), fc.integer({ min: 0, max: 120_000 }).map(BigInt)),
  transmission: fc.oneof(fc.constant(0n), price(0, 1)),
  capacity: fc.oneof(fc.constant(null), fc.bigInt({ min: 1n, max: 900n })),
});
const scenarioArb = fc.record({
  regions: fc.integer({ min: 8, max: MAX_REGIONS }),
  orders: fc.array(orderArb, { minLength: 1, maxLength: 40 }),
  corridors: fc.array(corridorArb, { minLength: 1, maxLength: 120 }),
  bundlingBps: fc.integer({ min: 0, max: 50_000 }).map(BigInt),
  pricing: fc.constantFrom("surplus-split" as const, "paper-table" as const),
  cuts: fc.array(fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 3 }), { maxLength: 2 }),
  matchSteps: fc.integer({ min: 1, max: 40 }),
});
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

/** The participant (pool index) of an order: its kind in its region, folded into the scenario's regions. */
const participantOf = (s: Scenario, o: Scenario["orders"][number]) => (o.region % s.regions) * KINDS.length + KINDS.indexOf(o.kind);

/** The scenario's corridors, the first of each region pair winning. */
function corridorsOf(s: Scenario): Corridor[] {
  const seen = new Map<string, Corridor>();
  for (const c of s.corridors) {
    const sellerRegion = regionName(c.seller % s.regions);
    const buyerRegion = regionName(c.buyer % s.regions);
    const key = `${sellerRegion}>${buyerRegion}`;
    if (!seen.has(key)) seen.set(key, { sellerRegion, buyerRegion, lossPpm: c.lossPpm, transmission: c.transmission, capacity: c.capacity });
  }
  return [...seen.values()];
}

/** The model's book; order ids are listing positions from 1, as on chain, ties ranked from the revealed salts. */
function toBook(s: Scenario, commitments: readonly string[]): Book {
  const seed = tieSeed(s.orders.map((o) => o.salt));
  const buyers: Buyer[] = [];
  const sellers: Seller[] = [];
  s.orders.forEach((o, k) => {
    const id = k + 1;
    const region = regionName(o.region % s.regions);
    const tie = tieRank(seed, commitments[k]!);
    if (o.kind === "consumer") {
      buyers.push({ id, region, bid: o.bid, quantity: o.quantity, green: (o.quantity * BigInt(o.greenShare)) / 100n, tie });
    } else {
      sellers.push({ id, kind: o.kind, region, ask: o.ask, quantity: o.quantity, w: o.kind === "thermal" ? o.w : 0n, tie });
    }
  });
  const round = { bundlingBps: s.bundlingBps, windCertCost: 0n, thermalCertCost: 0n };
  return { buyers, sellers, corridors: corridorsOf(s), round, pricing: s.pricing };
}

function requestOf(o: Scenario["orders"][number]) {
  const consumer = o.kind === "consumer";
  return {
    quantityMwh: o.quantity,
    price: consumer ? o.bid : o.ask,
    greenDemandMwh: consumer ? (o.quantity * BigInt(o.greenShare)) / 100n : 0n,
    envPrice: o.kind === "thermal" ? o.w : 0n,
    subsidyPrice: 0n,
  };
}

/** Sets the corridors, opens a round, lists and reveals every order; returns the round and the commitments. */
async function listAndReveal(env: Env, s: Scenario) {
  const grid = env.sys.grid.connect(env.gridCompany);
  for (const c of corridorsOf(s)) {
    await grid.setPair(code32(c.sellerRegion), code32(c.buyerRegion), c.lossPpm, c.transmission, c.capacity ?? MAX_U64);
  }
  const deadline = (await time.latest()) + 1000;
  const pricing = await env.sys.pricing[s.pricing].getAddress();
  await env.sys.market
    .connect(env.tradingCentre)
    .openRound({ deadline, bundlingRatioBps: s.bundlingBps, windCertCost: 0n, thermalCertCost: 0n, pricing, minOrderMwh: 1n, revealSeconds: REVEAL_SECONDS });
  const roundId = await env.sys.market.currentRound();
  const market = await env.sys.market.getAddress();
  const commitments: string[] = [];
  for (const o of s.orders) {
    const who = env.wallets[participantOf(s, o)]!;
    const request = requestOf(o);
    const commitment = commitmentOf(market, roundId, who.address, request, o.salt);
    commitments.push(commitment);
    const escrow = o.kind === "consumer" ? request.price * request.quantityMwh * 1000n : 0n;
    await env.sys.market.connect(who).PAYMENT(commitment, escrow);
  }
  await time.increaseTo(deadline);
  for (const [k, o] of s.orders.entries()) {
    await env.sys.market.connect(env.wallets[participantOf(s, o)]!).revealOrder(k + 1, requestOf(o), o.salt);
  }
  await time.increaseTo(deadline + REVEAL_SECONDS);
  return { roundId, commitments };
}

/** Runs `matchOrders(steps)` until the round is matched; every call must fit in a block. */
async function runMatching(env: Env, roundId: bigint, steps: number) {
  const blockGasLimit = (await ethers.provider.getBlock("latest"))!.gasLimit;
  while ((await env.sys.market.round(roundId)).state === RoundState.Open) {
    const receipt = await (await env.sys.market.connect(env.keeper).matchOrders(steps)).wait();
    expect(receipt!.gasUsed).to.be.lessThan(blockGasLimit);
  }
}

async function checkScenario(s: Scenario) {
  const env = await loadFixture(regionsFixture);
  const { roundId, commitments } = await listAndReveal(env, s);
  await runMatching(env, roundId, s.matchSteps);
  let state = matchRound(toBook(s, commitments));
  expect(await chainTrades(env.sys.market, roundId)).to.deep.equal(modelTrades(state));
  for (const raw of s.cuts) {
    const cuts = pickCuts(state, raw);
    if (cuts.length === 0) continue;
    await env.sys.market.connect(env.dispatch).curtail(cuts.map((c) => c.tradeId), cuts.map((c) => c.mwh));
    state = modelCurtail(state, cuts);
    await runMatching(env, roundId, s.matchSteps);
    expect(await chainTrades(env.sys.market, roundId)).to.deep.equal(modelTrades(state));
  }
}

describe("DPLCMarket over many regions against the reference model (fast-check)", function () {
  it(`matches and re-matches random books over 8–32 regions like the model (seed ${SEED}, ${RUNS} runs)`, async function () {
    await fc.assert(fc.asyncProperty(scenarioArb, checkScenario), { seed: SEED, numRuns: RUNS, endOnFailure: true });
  });

  it("gives the model's trades when every one of 32 × 32 corridors ties", async function () {
    // All pairs equal: every converted value ties, so only tie ranks (never region order) decide.
    const orders = Array.from({ length: 24 }, (_, k) => ({
      region: (k * 7) % MAX_REGIONS,
      kind: KINDS[k % 3]!,
      quantity: BigInt(10 + k),
      greenShare: 50,
      bid: 7n * 10n ** 18n,
      ask: 3n * 10n ** 18n,
      w: 0n,
      salt: ethers.id(`salt-${k}`),
    }));
    const corridors = Array.from({ length: MAX_REGIONS * MAX_REGIONS }, (_, k) => ({
      seller: Math.floor(k / MAX_REGIONS),
      buyer: k % MAX_REGIONS,
      lossPpm: 0n,
      transmission: 0n,
      capacity: null,
    }));
    await checkScenario({ regions: MAX_REGIONS, orders, corridors, bundlingBps: 30_000n, pricing: "surplus-split", cuts: [[[1, 5]]], matchSteps: 7 });
  });
});
