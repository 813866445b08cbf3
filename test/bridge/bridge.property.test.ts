import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { approvedRoundFixture, fundDplc, QUOTA_PPM, type Certificates } from "./fixtures";
import { quorum, relay, sent, type Message } from "./helpers";
import { certificateId } from "./reports";
import { WAD } from "../helpers/rules";

const ceilDiv = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;

/**
 * Random sequences of bridge and side-chain operations — lock, burn, deliver in any order, replay, settle a step,
 * report trades and quotas, retire, list, buy, cancel — against a small reference model kept here. Invariants:
 * test/PROPERTIES.md, "Bridge, token peg and green certificates".
 */
const SEED = Number(process.env.FC_SEED ?? 20261124);
const RUNS = Number(process.env.FC_RUNS ?? 40);
const UNITS = 1_000n;
const FUNDS = 10_000n * WAD;
const OBLIGATION_BPS = 2_000n;
const PRESETTLED = 3n;

interface TradeInfo {
  seller: number; // actor index
  buyerOrder: bigint;
  mwh: bigint;
  thermal: boolean;
}

interface World extends Certificates {
  actors: HardhatEthersSigner[]; // W1, W2, T1, T2, C1, C2
  trades: TradeInfo[];
  orderCount: number;
  quotaUnits: bigint[]; // of C1's and C2's orders: ceil(quota ppm × MWh bought × 1000 / 10^6)
  dplcAtStart: bigint[];
  wrappedAtStart: bigint[];
}

async function worldFixture(): Promise<World> {
  const f = await approvedRoundFixture();
  const actors = [...f.winds, ...f.thermals, ...f.consumers];
  const vault = await f.vault.getAddress();
  const market = await f.certMarket.getAddress();
  for (const a of actors) {
    await fundDplc(f.book.token, f.book.cashier, a.address, FUNDS);
    await (await f.book.token.connect(a).approve(vault, ethers.MaxUint256)).wait();
    await (await f.wrapped.connect(a).approve(market, ethers.MaxUint256)).wait();
    await (await f.certificates.connect(a).setApprovalForAll(market, true)).wait();
    // Everyone starts with some wrapped DPLC, so certificate purchases can happen early in a sequence.
    await relay(f.g.main, f.g.side, f.vault.connect(a).lock(FUNDS / 10n, a.address));
  }
  // The wind trades (0–2) are settled up front so certificates can appear early; thermal trades and refunds are
  // settled by the sequence.
  await (await f.book.market.connect(f.book.keeper).TRANS(PRESETTLED)).wait();
  const r = await f.book.market.round(f.book.roundId);
  const trades: TradeInfo[] = [];
  for (let i = 0n; i < r.tradeCount; i++) {
    const t = await f.book.market.trade(f.book.roundId, i);
    const owner = (await f.book.market.order(t.sellerOrderId)).owner;
    trades.push({ seller: actors.findIndex((a) => a.address === owner), buyerOrder: t.buyerOrderId, mwh: t.mwh, thermal: t.thermal });
  }
  const quotaUnits = [];
  for (const [k, id] of f.book.orderIds.slice(0, 2).entries()) {
    const o = await f.book.market.order(id);
    quotaUnits.push(ceilDiv(QUOTA_PPM[k]! * (o.windFilledMwh + o.thermalFilledMwh) * UNITS, 1_000_000n));
  }
  const dplcAtStart = await Promise.all(actors.map((a) => f.book.token.balanceOf(a.address)));
  const wrappedAtStart = await Promise.all(actors.map((a) => f.wrapped.balanceOf(a.address)));
  return { ...f, actors, trades, quotaUnits, dplcAtStart, wrappedAtStart, orderCount: Number(r.endOrderId - r.firstOrderId) };
}

type Effect =
  | { kind: "mint"; to: number; amount: bigint }
  | { kind: "release"; to: number; amount: bigint }
  | { kind: "trade"; trade: number }
  | { kind: "quota"; consumer: number };

interface Pending {
  message: Message;
  effect: Effect;
  toSide: boolean;
}

interface Listing {
  seller: number;
  trade: number;
  remaining: bigint;
  price: bigint;
}

/** The reference model: what every balance and counter must be. */
class Model {
  dplc: bigint[];
  wrapped: bigint[];
  locked = 0n;
  pending: Pending[] = [];
  delivered: Pending[] = [];
  settleSteps = Number(PRESETTLED);
  reported = new Set<number>();
  quotaReported = new Set<number>();
  certs = new Map<string, bigint>(); // `${actor}:${trade}` (actor -1: the market's escrow)
  issued = 0n;
  retired = 0n;
  owed: bigint[];
  retiredFor: bigint[]; // retired toward obligation or quota, per actor (certificates are all of round 1)
  listings: Listing[] = [];

  constructor(readonly w: World) {
    this.dplc = [...w.dplcAtStart];
    this.wrapped = [...w.wrappedAtStart];
    this.locked = w.wrappedAtStart.reduce((sum, x) => sum + x, 0n);
    this.owed = w.actors.map(() => 0n);
    this.retiredFor = w.actors.map(() => 0n);
  }

  cert(actor: number, trade: number): bigint {
    return this.certs.get(`${actor}:${trade}`) ?? 0n;
  }
  addCert(actor: number, trade: number, delta: bigint): void {
    this.certs.set(`${actor}:${trade}`, this.cert(actor, trade) + delta);
  }
  /** The `pick`-th (cyclically) actor/trade pair with a positive certificate balance, if any. */
  holding(pick: number): { actor: number; trade: number } | undefined {
    const all: { actor: number; trade: number }[] = [];
    for (const [key, amount] of this.certs) {
      const [actor, trade] = key.split(":").map(Number);
      if (actor! >= 0 && amount > 0n) all.push({ actor: actor!, trade: trade! });
    }
    return all.length === 0 ? undefined : all[pick % all.length];
  }
  settled(trade: number): boolean {
    return this.settleSteps > trade;
  }
  closed(): boolean {
    return this.settleSteps >= this.w.trades.length + this.w.orderCount;
  }
  inFlight(): bigint {
    return this.pending.reduce((s, p) => s + (p.effect.kind === "mint" || p.effect.kind === "release" ? p.effect.amount : 0n), 0n);
  }

  apply(p: Pending): void {
    const e = p.effect;
    if (e.kind === "mint" || e.kind === "release") {
      if (e.kind === "mint") this.wrapped[e.to]! += e.amount;
      else {
        this.dplc[e.to]! += e.amount;
        this.locked -= e.amount;
      }
    } else if (e.kind === "trade") {
      const t = this.w.trades[e.trade]!;
      if (t.thermal) this.owed[t.seller]! += (t.mwh * UNITS * OBLIGATION_BPS + 9_999n) / 10_000n;
      else {
        this.addCert(t.seller, e.trade, t.mwh * UNITS);
        this.issued += t.mwh * UNITS;
      }
    } else {
      this.owed[e.consumer]! += this.w.quotaUnits[e.consumer - 4]!;
    }
  }
}

type Action =
  | { t: "lock" | "burn"; who: number; frac: number }
  | { t: "deliver" | "replay"; k: number }
  | { t: "settle"; steps: number }
  | { t: "report"; trade: number }
  | { t: "quota"; consumer: number }
  | { t: "retire"; pick: number; frac: number; purpose: number }
  | { t: "list"; pick: number; frac: number; price: number }
  | { t: "buy"; who: number; listing: number; frac: number }
  | { t: "cancel"; who: number; listing: number };

const who = fc.nat(5);
const frac = fc.integer({ min: 1, max: 1000 });
const weighted = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  weighted(3, fc.record({ t: fc.constant("lock" as const), who, frac })),
  weighted(2, fc.record({ t: fc.constant("burn" as const), who, frac })),
  weighted(6, fc.record({ t: fc.constant("deliver" as const), k: fc.nat(20) })),
  weighted(1, fc.record({ t: fc.constant("replay" as const), k: fc.nat(20) })),
  weighted(3, fc.record({ t: fc.constant("settle" as const), steps: fc.integer({ min: 1, max: 6 }) })),
  weighted(4, fc.record({ t: fc.constant("report" as const), trade: fc.nat(5) })),
  weighted(1, fc.record({ t: fc.constant("quota" as const), consumer: fc.integer({ min: 4, max: 5 }) })),
  weighted(2, fc.record({ t: fc.constant("retire" as const), pick: fc.nat(50), frac, purpose: fc.nat(2) })),
  weighted(3, fc.record({ t: fc.constant("list" as const), pick: fc.nat(50), frac, price: fc.integer({ min: 1, max: 50 }) })),
  weighted(3, fc.record({ t: fc.constant("buy" as const), who, listing: fc.nat(5), frac })),
  weighted(1, fc.record({ t: fc.constant("cancel" as const), who, listing: fc.nat(5) })),
);

async function step(w: World, m: Model, a: Action): Promise<void> {
  const r = w.book.roundId;
  switch (a.t) {
    case "lock": {
      const amount = (m.dplc[a.who]! * BigInt(a.frac)) / 1000n;
      if (amount === 0n) return;
      const [msg] = await sent(w.g.main, w.vault.connect(w.actors[a.who]!).lock(amount, w.actors[a.who]!.address));
      m.dplc[a.who]! -= amount;
      m.locked += amount;
      m.pending.push({ message: msg!, effect: { kind: "mint", to: a.who, amount }, toSide: true });
      return;
    }
    case "burn": {
      const amount = (m.wrapped[a.who]! * BigInt(a.frac)) / 1000n;
      if (amount === 0n) return;
      const [msg] = await sent(w.g.side, w.wrapped.connect(w.actors[a.who]!).burn(amount, w.actors[a.who]!.address));
      m.wrapped[a.who]! -= amount;
      m.pending.push({ message: msg!, effect: { kind: "release", to: a.who, amount }, toSide: false });
      return;
    }
    case "deliver": {
      if (m.pending.length === 0) return;
      const [p] = m.pending.splice(a.k % m.pending.length, 1);
      const dest = p!.toSide ? w.g.side : w.g.main;
      await (await dest.execute(p!.message, await quorum(dest, p!.message))).wait();
      m.apply(p!);
      m.delivered.push(p!);
      return;
    }
    case "replay": {
      if (m.delivered.length === 0) return;
      const p = m.delivered[a.k % m.delivered.length]!;
      const dest = p.toSide ? w.g.side : w.g.main;
      await expect(dest.execute(p.message, await quorum(dest, p.message))).to.be.revertedWithCustomError(
        dest,
        "BridgeGatewayAlreadyProcessed",
      );
      return;
    }
    case "settle": {
      if (m.closed()) return;
      // The market moves DPLC on settlement (its own tests check how much); the model takes those moves as given.
      const before = await Promise.all(w.actors.map((x) => w.book.token.balanceOf(x.address)));
      await (await w.book.market.connect(w.book.keeper).TRANS(BigInt(a.steps))).wait();
      m.settleSteps = Math.min(m.settleSteps + a.steps, w.trades.length + w.orderCount);
      for (const [k, x] of w.actors.entries()) m.dplc[k]! += (await w.book.token.balanceOf(x.address)) - before[k]!;
      return;
    }
    case "report": {
      const t = w.trades[a.trade]!;
      const call = () => (t.thermal ? w.reporter.reportThermal(r, [a.trade]) : w.reporter.report(r, [a.trade]));
      if (m.reported.has(a.trade)) {
        await expect(call()).to.be.revertedWithCustomError(w.reporter, "SettlementReporterAlreadyReported").withArgs(r, a.trade);
      } else if (!m.settled(a.trade)) {
        await expect(call()).to.be.revertedWithCustomError(w.reporter, "SettlementReporterTradeNotSettled").withArgs(r, a.trade);
      } else {
        const [msg] = await sent(w.g.main, call());
        m.reported.add(a.trade);
        m.pending.push({ message: msg!, effect: { kind: "trade", trade: a.trade }, toSide: true });
      }
      return;
    }
    case "quota": {
      const orderId = w.book.orderIds[a.consumer - 4]!;
      const call = () => w.reporter.reportQuotas(r, [orderId]);
      if (!m.closed()) {
        await expect(call()).to.be.revertedWithCustomError(w.reporter, "SettlementReporterRoundNotClosed");
      } else if (m.quotaReported.has(a.consumer)) {
        await expect(call()).to.be.revertedWithCustomError(w.reporter, "SettlementReporterQuotaAlreadyReported").withArgs(orderId);
      } else {
        const [msg] = await sent(w.g.main, call());
        m.quotaReported.add(a.consumer);
        m.pending.push({ message: msg!, effect: { kind: "quota", consumer: a.consumer }, toSide: true });
      }
      return;
    }
    case "retire": {
      const h = m.holding(a.pick);
      if (!h) return;
      const amount = (m.cert(h.actor, h.trade) * BigInt(a.frac) + 999n) / 1000n;
      await (await w.certificates.connect(w.actors[h.actor]!).retire(certificateId(r, BigInt(h.trade)), amount, a.purpose)).wait();
      m.addCert(h.actor, h.trade, -amount);
      m.retired += amount;
      if (a.purpose !== 0) m.retiredFor[h.actor]! += amount;
      return;
    }
    case "list": {
      const h = m.holding(a.pick);
      if (!h) return;
      const amount = (m.cert(h.actor, h.trade) * BigInt(a.frac) + 999n) / 1000n;
      const price = BigInt(a.price) * WAD;
      await (await w.certMarket.connect(w.actors[h.actor]!).list(certificateId(r, BigInt(h.trade)), amount, price)).wait();
      m.addCert(h.actor, h.trade, -amount);
      m.addCert(-1, h.trade, amount);
      m.listings.push({ seller: h.actor, trade: h.trade, remaining: amount, price });
      return;
    }
    case "buy": {
      if (m.listings.length === 0) return;
      const id = a.listing % m.listings.length;
      const l = m.listings[id]!;
      const amount = (l.remaining * BigInt(a.frac) + 999n) / 1000n;
      if (amount === 0n) return;
      const cost = (amount * l.price + UNITS - 1n) / UNITS;
      // Mostly buyers who hold wrapped DPLC; with none, the purchase must fail for want of funds.
      const funded = m.wrapped.flatMap((x, k) => (x > 0n ? [k] : []));
      const buyer = funded.length > 0 ? funded[a.who % funded.length]! : a.who;
      const call = () => w.certMarket.connect(w.actors[buyer]!).buy(BigInt(id + 1), amount);
      if (cost > m.wrapped[buyer]!) {
        await expect(call()).to.be.revertedWithCustomError(w.wrapped, "ERC20InsufficientBalance");
        return;
      }
      await (await call()).wait();
      l.remaining -= amount;
      m.wrapped[buyer]! -= cost;
      m.wrapped[l.seller]! += cost;
      m.addCert(-1, l.trade, -amount);
      m.addCert(buyer, l.trade, amount);
      return;
    }
    case "cancel": {
      if (m.listings.length === 0) return;
      const id = a.listing % m.listings.length;
      const l = m.listings[id]!;
      if (l.remaining === 0n || l.seller !== a.who) return;
      await (await w.certMarket.connect(w.actors[a.who]!).cancel(BigInt(id + 1))).wait();
      m.addCert(-1, l.trade, -l.remaining);
      m.addCert(a.who, l.trade, l.remaining);
      l.remaining = 0n;
      return;
    }
  }
}

/** Checked after every action. */
async function checkInvariants(w: World, m: Model): Promise<void> {
  const supply = await w.wrapped.totalSupply();
  const locked = await w.vault.locked();
  expect(locked).to.equal(m.locked);
  expect(supply).to.equal(m.wrapped.reduce((s, x) => s + x, 0n));
  // Peg: what is locked is wrapped or in flight, in either direction.
  expect(locked).to.equal(supply + m.inFlight());
  expect(await w.book.token.balanceOf(await w.vault.getAddress())).to.equal(locked);
  const issued = await w.certificates.totalIssued();
  expect(issued).to.equal(m.issued);
  expect(issued).to.equal((await w.certificates.totalHeld()) + (await w.certificates.totalRetired()));
  expect(await w.certificates.totalRetired()).to.equal(m.retired);
}

/** Checked at the end, after delivering everything in flight. */
async function checkAtRest(w: World, m: Model): Promise<void> {
  const r = w.book.roundId;
  while (m.pending.length > 0) await step(w, m, { t: "deliver", k: 0 });
  await checkInvariants(w, m);
  expect(await w.vault.locked()).to.equal(await w.wrapped.totalSupply());
  const market = await w.certMarket.getAddress();
  let fromTrades = 0n;
  for (const [i, t] of w.trades.entries()) {
    const id = certificateId(r, BigInt(i));
    const reported = m.reported.has(i);
    expect(await w.certificates.isReported(r, BigInt(i))).to.equal(reported);
    expect(await w.reporter.isReported(r, BigInt(i))).to.equal(reported);
    if (t.thermal || !reported) {
      // No certificate without a settled, reported wind trade.
      await expect(w.certificates.certificate(id)).to.be.revertedWithCustomError(w.certificates, "GreenCertificateUnknownCertificate");
      expect(await w.certificates["totalSupply(uint256)"](id)).to.equal(0n);
      continue;
    }
    const onChain = await w.book.market.trade(r, i);
    expect(onChain.settled && !onChain.thermal).to.equal(true);
    expect((await w.certificates.certificate(id)).mwh).to.equal(onChain.mwh);
    fromTrades += onChain.mwh * UNITS;
    for (const [k, a] of w.actors.entries()) expect(await w.certificates.balanceOf(a.address, id)).to.equal(m.cert(k, i));
    expect(await w.certificates.balanceOf(market, id)).to.equal(m.cert(-1, i));
  }
  expect(await w.certificates.totalIssued()).to.equal(fromTrades);
  for (const [k, a] of w.actors.entries()) {
    expect(await w.book.token.balanceOf(a.address)).to.equal(m.dplc[k]!);
    expect(await w.wrapped.balanceOf(a.address)).to.equal(m.wrapped[k]!);
    const [owed, retired] = await w.certificates.compliance(a.address, r);
    expect([owed, retired]).to.deep.equal([m.owed[k]!, m.retiredFor[k]!]);
  }
}

describe("Bridge, peg and certificates — property", function () {
  it(`keep their invariants over random operation sequences (seed ${SEED}, ${RUNS} runs)`, async function () {
    await fc.assert(
      fc.asyncProperty(fc.array(actionArb, { minLength: 15, maxLength: 50 }), async (actions) => {
        const w = await loadFixture(worldFixture);
        const m = new Model(w);
        for (const a of actions) {
          await step(w, m, a);
          await checkInvariants(w, m);
        }
        await checkAtRest(w, m);
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
  });
});
