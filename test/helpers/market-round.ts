import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { id, parseEther } from "ethers";
import { deposit, marketClient, openRound, register, review, sealOrder, setCorridor, type MarketClient, type OrderRequest } from "../../src/actions";
import { parsePrice } from "../../src/units";
import { deployMarketFixture } from "./fixtures";

/** An order request of `quantityMwh` at `price` token/kWh (no certificates, no subsidy). */
export const order = (quantityMwh: bigint, price: string, greenDemandMwh = 0n) => ({
  quantityMwh,
  price: parsePrice(price),
  greenDemandMwh,
  envPrice: 0n,
  subsidyPrice: 0n,
});

/** Seals `request` for `who` in the current round, escrowing `escrow` (consumers: at least the liability). */
export async function seal(client: MarketClient, who: HardhatEthersSigner, request: OrderRequest, escrow = 0n) {
  const market = await client.sys.market.getAddress();
  return sealOrder({ market, roundId: await client.sys.market.currentRound(), owner: who.address, request, escrow });
}

/** A market with a corridor A->B, a consumer in B and a wind generator in A, admitted and funded through the actions. */
export async function admittedFixture() {
  const sys = await deployMarketFixture();
  const client = marketClient(sys);
  const [consumer, wind] = sys.users as [typeof sys.admin, typeof sys.admin];
  await setCorridor(client, sys.gridCompany, { seller: "A", buyer: "B", lossPpm: 60_000n, transmissionPrice: parsePrice("0.8"), capacityMwh: null });
  await Promise.all([
    register(client, consumer, { kind: "consumer", region: "B", code: "B1" }),
    register(client, wind, { kind: "wind", region: "A", code: "W1" }),
  ]);
  await Promise.all([consumer, wind].map((p) => review(client, sys.tradingCentre, p.address, { approve: true })));
  await deposit(client, sys.cashier, { account: consumer.address, rmb: parseEther("100000"), receiptId: id("bank-1") });
  const deadline = (await time.latest()) + 3600;
  const roundId = await openRound(client, sys.tradingCentre, { deadline, bundlingRatioBps: 30_000n, windCertCost: 0n, thermalCertCost: 0n, pricing: "surplus-split" });
  return { sys, client, consumer, wind, roundId };
}
