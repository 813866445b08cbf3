import { MaxUint256, type Signer } from "ethers";
import { UNLIMITED_MWH, type MarketSystem } from "../chain/deploy";
import { code32, KIND_CODE } from "../chain/participants";
import type { OrderKind, PricingRule } from "../data";
import { RoundState } from "../replay/round";
import { MarketRuleError } from "../errors";

async function mined(tx: Promise<{ wait(): Promise<unknown> }>) {
  return (await tx).wait();
}

/** `Regis`: apply for admission. */
export async function register(sys: MarketSystem, who: Signer, a: { kind: OrderKind; region: string; code: string }) {
  await mined(sys.registry.connect(who).Regis(KIND_CODE[a.kind], code32(a.region), code32(a.code)));
}

/** The trading centre approves or rejects an application. */
export async function review(sys: MarketSystem, tc: Signer, account: string, verdict: "approve" | "reject", reason = "") {
  const r = sys.registry.connect(tc);
  await mined(verdict === "approve" ? r.approve(account) : r.reject(account, code32(reason || "rejected")));
}

/** The cashier converts an RMB deposit (18 decimals) into tokens. */
export async function deposit(sys: MarketSystem, cashier: Signer, account: string, rmb: bigint, receiptId: string) {
  await mined(sys.token.connect(cashier).deposit(account, rmb, receiptId));
}

/** The grid company sets a corridor's loss rate (ppm), transmission price and capacity (null: unlimited). */
export async function setCorridor(
  sys: MarketSystem,
  grid: Signer,
  c: { seller: string; buyer: string; lossPpm: bigint; transmissionPrice: bigint; capacityMwh: bigint | null },
) {
  const capacity = c.capacityMwh ?? UNLIMITED_MWH;
  await mined(sys.grid.connect(grid).setPair(code32(c.seller), code32(c.buyer), c.lossPpm, c.transmissionPrice, capacity));
}

/** The trading centre opens a round; returns its id. */
export async function openRound(
  sys: MarketSystem,
  tc: Signer,
  r: { deadline: number; bundlingRatioBps: bigint; windCertCost: bigint; thermalCertCost: bigint; pricing: PricingRule },
): Promise<bigint> {
  const pricing = await sys.pricing[r.pricing].getAddress();
  await mined(sys.market.connect(tc).openRound({ ...r, pricing }));
  return sys.market.currentRound();
}

/** `PAYMENT`: lists an order (approving the market to take a consumer's escrow when needed); returns its id. */
export async function listOrder(
  sys: MarketSystem,
  who: Signer,
  q: { quantityMwh: bigint; price: bigint; greenDemandMwh: bigint; envPrice: bigint; subsidyPrice: bigint },
): Promise<bigint> {
  const owner = await who.getAddress();
  const market = await sys.market.getAddress();
  const escrow = q.price * q.quantityMwh * 1000n;
  const isConsumer = (await sys.registry.participant(owner)).kind === BigInt(KIND_CODE.consumer);
  if (isConsumer && (await sys.token.allowance(owner, market)) < escrow) {
    await mined(sys.token.connect(who).approve(market, MaxUint256));
  }
  const receipt = await (await sys.market.connect(who).PAYMENT(q)).wait();
  const log = receipt!.logs.map((l) => sys.market.interface.parseLog(l)).find((p) => p?.name === "MarketOrderListed");
  return log!.args.orderId as bigint;
}

/** `WITHDRAW`: cancels an order before the deadline. */
export async function withdrawOrder(sys: MarketSystem, who: Signer, orderId: bigint) {
  await mined(sys.market.connect(who).WITHDRAW(orderId));
}

const STATES = ["none", "open", "matched", "settling", "closed"] as const;

/** A round's state in plain words and numbers (default: the current round). A round never opened is an error. */
export async function roundStatus(sys: MarketSystem, roundId?: bigint) {
  const latest = await sys.market.currentRound();
  const id = roundId ?? latest;
  if (latest === 0n) throw new MarketRuleError("no round has been opened yet");
  if (id < 1n || id > latest) throw new MarketRuleError(`round ${id} does not exist (rounds are 1 to ${latest})`);
  const v = await sys.market.round(id);
  const state = STATES[Number(v.state)]!;
  return {
    roundId: Number(id),
    state: state === "open" ? (v.listing ? "listing" : "matching") : state,
    deadline: Number(v.deadline),
    orders: Number(v.endOrderId - v.firstOrderId),
    trades: Number(v.tradeCount),
    settledTrades: Number(v.settledTrades),
    windMwh: Number(v.windTotalMwh),
    thermalMwh: Number(v.thermalTotalMwh),
    bundlingRatioBps: Number(v.bundlingRatioBps),
  };
}

/** Runs matching steps (all of them when `untilDone`); returns the transactions sent and whether it finished. */
export async function runMatching(sys: MarketSystem, who: Signer, steps: number, untilDone: boolean) {
  let calls = 0;
  const state = async () => (await sys.market.round(await sys.market.currentRound())).state;
  do {
    await mined(sys.market.connect(who).matchOrders(steps));
    calls++;
  } while (untilDone && (await state()) === RoundState.Open);
  return { calls, done: (await state()) !== RoundState.Open };
}

/** The dispatch centre approves the matched result. */
export async function approveMatching(sys: MarketSystem, dispatch: Signer) {
  await mined(sys.market.connect(dispatch).approveMatching());
}

/** The dispatch centre curtails trades by MWh. */
export async function curtailTrades(sys: MarketSystem, dispatch: Signer, cuts: readonly { tradeId: bigint; mwh: bigint }[]) {
  await mined(sys.market.connect(dispatch).curtail(cuts.map((c) => c.tradeId), cuts.map((c) => c.mwh)));
}

/** Runs `TRANS` steps (all of them when `untilDone`). */
export async function runSettlement(sys: MarketSystem, who: Signer, steps: number, untilDone: boolean) {
  let calls = 0;
  const state = async () => (await sys.market.round(await sys.market.currentRound())).state;
  do {
    await mined(sys.market.connect(who).TRANS(steps));
    calls++;
  } while (untilDone && (await state()) === RoundState.Settling);
  return { calls, done: (await state()) === RoundState.Closed };
}
