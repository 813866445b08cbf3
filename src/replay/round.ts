import { MaxUint256, id, type ContractTransactionResponse, type Signer, type Wallet } from "ethers";
import type { MarketData, MarketOrder, PricingRule } from "../data";
import { tokenAmount, WAD } from "../units";
import type { MarketSystem } from "../chain/deploy";
import { advanceTimeTo, latestTimestamp, type DevnetRpc } from "../chain/devnet";
import type { ProgressSink } from "./progress";

/** IDPLCMarket.RoundState */
export const RoundState = { None: 0n, Open: 1n, Matched: 2n, Settling: 3n, Closed: 4n } as const;

/** How a round is driven. Step budgets keep every matching or settlement transaction far below 10M gas. */
export interface RoundDriver {
  readonly sys: MarketSystem;
  readonly rpc: DevnetRpc;
  readonly tradingCentre: Signer;
  readonly dispatch: Signer;
  readonly cashier: Signer;
  readonly keeper: Signer;
  readonly matchSteps: number;
  readonly settleSteps: number;
  readonly progress: ProgressSink;
}

/** Opens a round with the market's configuration and `pricing`; returns its id and deadline. */
export async function openRound(
  d: RoundDriver,
  data: MarketData,
  pricing: PricingRule,
  listingSeconds: number,
): Promise<{ roundId: bigint; deadline: number }> {
  const deadline = (await latestTimestamp(d.sys.market.runner!.provider!)) + listingSeconds;
  const market = d.sys.market.connect(d.tradingCentre);
  await (
    await market.openRound({
      deadline,
      bundlingRatioBps: data.round.bundlingRatioBps,
      windCertCost: data.round.windCertCost,
      thermalCertCost: data.round.thermalCertCost,
      pricing: await d.sys.pricing[pricing].getAddress(),
    })
  ).wait();
  return { roundId: await d.sys.market.currentRound(), deadline };
}

/** Deposits each consumer's escrow as RMB through the cashier and approves the market to take it. */
export async function fundConsumers(
  d: RoundDriver,
  data: MarketData,
  wallets: ReadonlyMap<string, Wallet>,
  roundId: bigint,
): Promise<void> {
  const rate = await d.sys.token.tokensPerRmb();
  const cashier = d.sys.token.connect(d.cashier);
  const marketAddress = await d.sys.market.getAddress();
  let nonce = await d.cashier.getNonce();
  const sent: ContractTransactionResponse[] = [];
  for (const c of data.consumers) {
    const escrow = tokenAmount(c.bidPrice, c.quantityMwh);
    const rmb = (escrow * WAD + rate - 1n) / rate;
    const receipt = id(`dplc:deposit:${roundId}:${c.name}`);
    sent.push(await cashier.deposit(wallets.get(c.name)!.address, rmb, receipt, { nonce: nonce++ }));
    sent.push(await d.sys.token.connect(wallets.get(c.name)!).approve(marketAddress, MaxUint256));
  }
  await Promise.all(sent.map((tx) => tx.wait()));
}

/** Gas used by each transaction of a stage, in order. */
export type GasTrace = bigint[];

/** Lists every order with `PAYMENT`, in the market's listing order. Returns on-chain order id -> order, and gas. */
export async function listOrders(
  d: RoundDriver,
  data: MarketData,
  wallets: ReadonlyMap<string, Wallet>,
): Promise<{ byId: Map<bigint, MarketOrder>; gas: GasTrace }> {
  const byId = new Map<bigint, MarketOrder>();
  const gas: GasTrace = [];
  const total = data.orders.length;
  for (const [k, o] of data.orders.entries()) {
    const tx = await d.sys.market.connect(wallets.get(o.name)!).PAYMENT(orderRequest(o));
    const receipt = await tx.wait();
    const log = receipt!.logs
      .map((l) => d.sys.market.interface.parseLog(l))
      .find((p) => p?.name === "MarketOrderListed");
    byId.set(log!.args.orderId as bigint, o);
    gas.push(receipt!.gasUsed);
    d.progress({ stage: "list", done: k + 1, total });
  }
  return { byId, gas };
}

/** The `PAYMENT` request of an order. */
export function orderRequest(o: MarketOrder) {
  switch (o.kind) {
    case "consumer":
      return { quantityMwh: o.quantityMwh, price: o.bidPrice, greenDemandMwh: o.windDemandMwh, envPrice: 0n, subsidyPrice: 0n };
    case "wind":
      return { quantityMwh: o.quantityMwh, price: o.askPrice, greenDemandMwh: 0n, envPrice: 0n, subsidyPrice: 0n };
    case "thermal":
      return {
        quantityMwh: o.quantityMwh,
        price: o.askPrice,
        greenDemandMwh: 0n,
        envPrice: o.envPrice,
        subsidyPrice: o.subsidyPrice,
      };
  }
}

/** Passes the deadline and runs matching to the end. Returns the gas of each `matchOrders`. */
export async function runMatching(d: RoundDriver, roundId: bigint, deadline: number): Promise<GasTrace> {
  await advanceTimeTo(d.rpc, d.sys.market.runner!.provider!, deadline);
  const market = d.sys.market.connect(d.keeper);
  const gas: GasTrace = [];
  while ((await d.sys.market.round(roundId)).state === RoundState.Open) {
    const receipt = await (await market.matchOrders(d.matchSteps)).wait();
    gas.push(receipt!.gasUsed);
    d.progress({ stage: "match", done: gas.length });
  }
  return gas;
}

/** The dispatch centre approves the matched result. */
export async function approve(d: RoundDriver): Promise<void> {
  await (await d.sys.market.connect(d.dispatch).approveMatching()).wait();
  d.progress({ stage: "approve", done: 1, total: 1 });
}

/** Runs `TRANS` until every trade is settled and every escrow refunded. Returns the gas of each call. */
export async function settle(d: RoundDriver, roundId: bigint): Promise<GasTrace> {
  const market = d.sys.market.connect(d.keeper);
  const total = Number((await d.sys.market.round(roundId)).tradeCount);
  const gas: GasTrace = [];
  while ((await d.sys.market.round(roundId)).state === RoundState.Settling) {
    const receipt = await (await market.TRANS(d.settleSteps)).wait();
    gas.push(receipt!.gasUsed);
    const settled = Number((await d.sys.market.round(roundId)).settledTrades);
    d.progress({ stage: "settle", done: settled, total });
  }
  return gas;
}
