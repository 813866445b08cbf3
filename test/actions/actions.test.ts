import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ethers } from "hardhat";
import { id, parseEther } from "ethers";
import {
  approveEscrow,
  approveMatching,
  cancelRound,
  cancelStalledRound,
  curtailTrades,
  listOrder,
  orderLiability,
  MissingEventError,
  readTrades,
  refundCancelled,
  refundUnrevealed,
  register,
  removeRevoked,
  revealOrder,
  review,
  revoke,
  roundStatus,
  runMatching,
  runSettlement,
  setCorridor,
  withdrawOrder,
} from "../../src/actions";
import { eventArg } from "../../src/actions/events";
import type { MarketOrder } from "../../src/data";
import { MarketRuleError } from "../../src/errors";
import { Status } from "../helpers/fixtures";
import { admittedFixture, order, seal } from "../helpers/market-round";
import { KEEPER_GAS_LIMIT } from "../../src/submitters";

describe("market actions (src/actions)", function () {
  it("admit participants and open a round whose id comes from its event", async function () {
    const { sys, consumer, roundId } = await loadFixture(admittedFixture);
    expect(roundId).to.equal(1n);
    expect((await sys.registry.participant(consumer.address)).status).to.equal(Status.Approved);
    expect(await sys.token.balanceOf(consumer.address)).to.equal(parseEther("1000000"));
  });

  it("reject an application with a reason", async function () {
    const { sys, client } = await loadFixture(admittedFixture);
    const late = sys.users[2]!;
    await register(client, late, { kind: "thermal", region: "A", code: "H1" });
    await review(client, sys.tradingCentre, late.address, { approve: false, reason: "no licence" });
    expect((await sys.registry.participant(late.address)).status).to.equal(Status.Rejected);
  });

  describe("when listing", function () {
    it("approve the escrow once, list, withdraw with a refund", async function () {
      const { sys, client, consumer } = await loadFixture(admittedFixture);
      expect(await approveEscrow(client, consumer, { unlessAtLeast: 1n })).not.to.equal(undefined);
      expect(await approveEscrow(client, consumer, { unlessAtLeast: parseEther("500") })).to.equal(undefined);
      const request = order(100n, "5", 40n);
      const { orderId, receipt } = await listOrder(client, consumer, await seal(client, consumer, request, orderLiability(request)));
      expect([orderId, receipt.status]).to.deep.equal([1n, 1]);
      const before = await sys.token.balanceOf(consumer.address);
      await withdrawOrder(client, consumer, orderId);
      expect(await sys.token.balanceOf(consumer.address)).to.equal(before + parseEther("500000"));
      expect(await roundStatus(client)).to.include({ roundId: 1, state: "listing", orders: 1 });
    });

    it("revoke a participant, whose order anyone then removes with a full refund", async function () {
      const { sys, client, consumer } = await loadFixture(admittedFixture);
      await approveEscrow(client, consumer);
      const before = await sys.token.balanceOf(consumer.address);
      const { orderId } = await listOrder(client, consumer, await seal(client, consumer, order(100n, "5", 40n), parseEther("500000")));
      await revoke(client, sys.tradingCentre, consumer.address, "licence expired");
      expect((await sys.registry.participant(consumer.address)).status).to.equal(Status.Revoked);
      await removeRevoked(client, sys.keeper, orderId);
      expect(await sys.token.balanceOf(consumer.address)).to.equal(before);
    });

    it("refuse a round that does not exist", async function () {
      const { client } = await loadFixture(admittedFixture);
      await expect(roundStatus(client, 2n)).to.be.rejectedWith(MarketRuleError, "round 2 does not exist (rounds are 1 to 1)");
    });
  });

  describe("after the deadline", function () {
    it("reveal, match in steps, curtail, match again, approve and settle to a closed round", async function () {
      const { sys, client, consumer, wind, roundId } = await loadFixture(admittedFixture);
      await approveEscrow(client, consumer);
      // 100 000 tokens above the liability: the escrow does not tell the bid, and the surplus comes back at settlement.
      const bid = await seal(client, consumer, order(100n, "5", 40n), parseEther("600000"));
      const ask = await seal(client, wind, order(50n, "3.5"));
      expect(bid.commitment).to.equal(await sys.market.orderCommitment(consumer.address, roundId, bid.request, bid.salt));
      const buyer = await listOrder(client, consumer, bid);
      const seller = await listOrder(client, wind, ask);
      await time.increase(3600);
      expect(await roundStatus(client)).to.include({ state: "revealing" });
      await revealOrder(client, consumer, buyer.orderId, bid);
      await revealOrder(client, wind, seller.orderId, ask);
      await time.increase(3600);
      expect(await roundStatus(client)).to.include({ state: "matching" });
      const matched = await runMatching(client, sys.admin, { steps: 1, untilDone: true });
      expect(matched.done).to.equal(true);
      expect(matched.gas).to.have.length(matched.calls);
      const byId = new Map<bigint, MarketOrder>([
        [buyer.orderId, { name: "B1" } as MarketOrder],
        [seller.orderId, { name: "W1" } as MarketOrder],
      ]);
      expect((await readTrades(client, roundId, byId)).map((t) => [t.buyer.name, t.seller.name, t.mwh])).to.deep.equal([["B1", "W1", 40n]]);
      await curtailTrades(client, sys.dispatch, [{ tradeId: 0n, mwh: 10n }]);
      await runMatching(client, sys.admin, { steps: 40, untilDone: true });
      await approveMatching(client, sys.dispatch);
      const settled: number[] = [];
      const run = await runSettlement(client, sys.admin, { steps: 1, untilDone: true, onStep: (n) => settled.push(n) });
      expect(run.done).to.equal(true);
      expect(settled.at(-1)).to.equal(1);
      expect(await roundStatus(client, roundId)).to.include({ state: "closed", settledTrades: 1 });
      expect(await sys.token.balanceOf(await sys.market.getAddress())).to.equal(0n);
    });

    it("run keeper steps at KEEPER_GAS_LIMIT, not an estimate, and refuse one the market would revert before sending it", async function () {
      const { sys, client, roundId } = await loadFixture(admittedFixture);
      const nonce = await sys.admin.getNonce();
      await expect(runMatching(client, sys.admin, { steps: 40, untilDone: false }))
        .to.be.revertedWithCustomError(sys.market, "MarketRevealOpen")
        .withArgs(roundId, (await sys.market.round(roundId)).revealDeadline);
      expect(await sys.admin.getNonce()).to.equal(nonce);
      await time.increase(2 * 3600);
      const run = await runMatching(client, sys.admin, { steps: 40, untilDone: true });
      expect(run.done).to.equal(true);
      const block = await ethers.provider.getBlock("latest", true);
      const sent = block!.prefetchedTransactions.find((t) => t.from === sys.admin.address)!;
      expect(sent.gasLimit).to.equal(KEEPER_GAS_LIMIT);
    });

    it("refund an order left unrevealed in full once the reveal window closes", async function () {
      const { sys, client, consumer } = await loadFixture(admittedFixture);
      await approveEscrow(client, consumer);
      const before = await sys.token.balanceOf(consumer.address);
      const { orderId } = await listOrder(client, consumer, await seal(client, consumer, order(10n, "5"), parseEther("70000")));
      await time.increase(7200);
      await refundUnrevealed(client, sys.keeper, orderId);
      expect(await sys.token.balanceOf(consumer.address)).to.equal(before);
    });
  });

  describe("when the trading centre cancels the round", function () {
    it("refund each consumer in full and leave the round cancelled", async function () {
      const { sys, client, consumer, wind } = await loadFixture(admittedFixture);
      await approveEscrow(client, consumer);
      const before = await sys.token.balanceOf(consumer.address);
      const buyer = await listOrder(client, consumer, await seal(client, consumer, order(100n, "5", 40n), parseEther("500000")));
      await listOrder(client, wind, await seal(client, wind, order(50n, "3.5")));
      await cancelRound(client, sys.tradingCentre);
      expect(await roundStatus(client)).to.include({ roundId: 1, state: "cancelled", orders: 2 });
      await refundCancelled(client, sys.keeper, buyer.orderId);
      expect(await sys.token.balanceOf(consumer.address)).to.equal(before);
      expect(await sys.token.balanceOf(await sys.market.getAddress())).to.equal(0n);
    });
  });

  describe("when the round stalls", function () {
    it("let anyone cancel it once STALL_SECONDS have passed after the reveal deadline", async function () {
      const { sys, client } = await loadFixture(admittedFixture);
      const r = await sys.market.round(1n);
      await time.increaseTo(r.revealDeadline + (await sys.market.STALL_SECONDS()));
      await cancelStalledRound(client, sys.users[5]!);
      expect(await roundStatus(client)).to.include({ state: "cancelled" });
    });
  });

  it("name a receipt that lacks the event its transaction always emits", async function () {
    const { sys, client } = await loadFixture(admittedFixture);
    const receipt = await setCorridor(client, sys.gridCompany, { seller: "A", buyer: "A", lossPpm: 0n, transmissionPrice: 0n, capacityMwh: 5n });
    expect(() => eventArg(sys.grid, receipt, "MarketOrderListed", "orderId")).to.throw(MissingEventError, /emitted no MarketOrderListed/);
  });
});
