import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { SettlementReporter__factory } from "../../typechain-types";
import { fund, list, matchAll, openRound, passDeadline, settleAll, consumerOrder, RoundState } from "../helpers/fixtures";
import { price } from "../helpers/rules";
import { approvedRound, approvedRoundFixture, settledRoundFixture, tradeIdsByKind, type Certificates } from "./fixtures";
import { MAIN_CHAIN, SIDE_CHAIN } from "./helpers";
import { encodeQuota, encodeTrade } from "./reports";

/** What matching makes of the fixture's book (docs/market-rules.md, worked by hand). */
const EXPECTED_TRADES = [
  { seller: 2, mwh: 20n, thermal: false }, // C2 (bid 6) with W1 (ask 3)
  { seller: 2, mwh: 15n, thermal: false }, // C1 with the rest of W1
  { seller: 3, mwh: 25n, thermal: false }, // C1 with W2 (ask 3.5): C1's wind demand 40 met
  { seller: 4, mwh: 40n, thermal: true }, // C2 with T1 (ask 2)
  { seller: 4, mwh: 10n, thermal: true }, // C1 with the rest of T1
  { seller: 5, mwh: 50n, thermal: true }, // C1 with T2
];

describe("SettlementReporter", function () {
  it("sees the fixture's trades as worked out by hand", async function () {
    const f = await loadFixture(settledRoundFixture);
    for (const [i, e] of EXPECTED_TRADES.entries()) {
      const t = await f.book.market.trade(f.book.roundId, i);
      expect([t.sellerOrderId, t.mwh, t.thermal, t.settled]).to.deep.equal([
        f.book.orderIds[e.seller],
        e.mwh,
        e.thermal,
        true,
      ]);
    }
    expect(await tradeIdsByKind(f)).to.deep.equal({ wind: [0n, 1n, 2n], thermal: [3n, 4n, 5n] });
  });

  describe("report (wind trades)", function () {
    it("sends one message per settled wind trade with the seller as generator", async function () {
      const f = await loadFixture(settledRoundFixture);
      const { roundId, deadline } = f.book;
      const reporter = await f.reporter.getAddress();
      const certs = await f.certificates.getAddress();
      const tx = f.reporter.connect(f.g.outsider).report(roundId, [0n, 2n]);
      const w1 = f.winds[0]!.address;
      const w2 = f.winds[1]!.address;
      await expect(tx)
        .to.emit(f.reporter, "SettlementReporterTradeReported")
        .withArgs(roundId, 0n, w1, false, 20n, 1n)
        .and.to.emit(f.reporter, "SettlementReporterTradeReported")
        .withArgs(roundId, 2n, w2, false, 25n, 2n);
      const period = deadline;
      await expect(tx)
        .to.emit(f.g.main, "BridgeMessageSent")
        .withArgs(1n, MAIN_CHAIN, SIDE_CHAIN, reporter, certs, encodeTrade({ roundId, tradeId: 0n, generator: w1, region: 0n, thermal: false, mwh: 20n, period }))
        .and.to.emit(f.g.main, "BridgeMessageSent")
        .withArgs(2n, MAIN_CHAIN, SIDE_CHAIN, reporter, certs, encodeTrade({ roundId, tradeId: 2n, generator: w2, region: 0n, thermal: false, mwh: 25n, period }));
      expect(await f.reporter.isReported(roundId, 0n)).to.equal(true);
      expect(await f.reporter.isReported(roundId, 1n)).to.equal(false);
    });

    describe("when a trade was reported already", function () {
      it("reverts, also within one batch", async function () {
        const f = await loadFixture(settledRoundFixture);
        const r = f.book.roundId;
        await (await f.reporter.report(r, [1n])).wait();
        await expect(f.reporter.report(r, [0n, 1n]))
          .to.be.revertedWithCustomError(f.reporter, "SettlementReporterAlreadyReported")
          .withArgs(r, 1n);
        await expect(f.reporter.report(r, [0n, 0n]))
          .to.be.revertedWithCustomError(f.reporter, "SettlementReporterAlreadyReported")
          .withArgs(r, 0n);
      });
    });

    describe("when a trade is thermal", function () {
      it("refuses it", async function () {
        const f = await loadFixture(settledRoundFixture);
        await expect(f.reporter.report(f.book.roundId, [0n, 3n]))
          .to.be.revertedWithCustomError(f.reporter, "SettlementReporterThermalTrade")
          .withArgs(f.book.roundId, 3n);
      });
    });

    describe("when a trade is not settled yet", function () {
      it("refuses it", async function () {
        const f = await loadFixture(approvedRoundFixture);
        const r = f.book.roundId;
        await expect(f.reporter.report(r, [0n]))
          .to.be.revertedWithCustomError(f.reporter, "SettlementReporterTradeNotSettled")
          .withArgs(r, 0n);
        await (await f.book.market.connect(f.book.keeper).TRANS(1n)).wait();
        await (await f.reporter.report(r, [0n])).wait();
        await expect(f.reporter.report(r, [1n]))
          .to.be.revertedWithCustomError(f.reporter, "SettlementReporterTradeNotSettled")
          .withArgs(r, 1n);
      });
    });

    describe("when a trade was curtailed to nothing", function () {
      async function curtailedRoundFixture(): Promise<Certificates> {
        const f = await approvedRound(async (book) => {
          await (await book.market.connect(book.dispatch).curtail([0n], [20n])).wait();
          await matchAll(book);
        });
        await settleAll(f.book);
        return f;
      }

      it("refuses it: there is nothing to certify", async function () {
        const f = await loadFixture(curtailedRoundFixture);
        const r = f.book.roundId;
        const t = await f.book.market.trade(r, 0n);
        expect([t.mwh, t.settled]).to.deep.equal([0n, true]);
        await expect(f.reporter.report(r, [0n]))
          .to.be.revertedWithCustomError(f.reporter, "SettlementReporterEmptyTrade")
          .withArgs(r, 0n);
        expect(await f.reporter.isReported(r, 0n)).to.equal(false);
      });
    });

    describe("when the batch is empty or a trade does not exist", function () {
      it("reverts", async function () {
        const f = await loadFixture(settledRoundFixture);
        await expect(f.reporter.report(f.book.roundId, [])).to.be.revertedWithCustomError(f.reporter, "SettlementReporterEmptyBatch");
        await expect(f.reporter.report(f.book.roundId, [6n]))
          .to.be.revertedWithCustomError(f.book.market, "MarketTradeNotFound")
          .withArgs(6n);
      });
    });

    describe("when the bridge is paused or the peer is not set", function () {
      it("reverts and reports nothing", async function () {
        const f = await loadFixture(settledRoundFixture);
        await (await f.g.main.pause()).wait();
        await expect(f.reporter.report(f.book.roundId, [0n])).to.be.revertedWithCustomError(f.g.main, "BridgeGatewayPaused");
        expect(await f.reporter.isReported(f.book.roundId, 0n)).to.equal(false);
        const lonely = await new SettlementReporter__factory(f.g.admin).deploy(
          await f.book.market.getAddress(),
          await f.g.main.getAddress(),
          f.g.admin.address,
        );
        await expect(lonely.report(f.book.roundId, [0n])).to.be.revertedWithCustomError(lonely, "BridgeAppPeerNotSet");
      });
    });
  });

  describe("reportThermal", function () {
    it("sends settled thermal trades flagged thermal", async function () {
      const f = await loadFixture(settledRoundFixture);
      const { roundId, deadline } = f.book;
      const t1 = f.thermals[0]!.address;
      await expect(f.reporter.reportThermal(roundId, [3n]))
        .to.emit(f.reporter, "SettlementReporterTradeReported")
        .withArgs(roundId, 3n, t1, true, 40n, 1n)
        .and.to.emit(f.g.main, "BridgeMessageSent")
        .withArgs(
          1n,
          MAIN_CHAIN,
          SIDE_CHAIN,
          await f.reporter.getAddress(),
          await f.certificates.getAddress(),
          encodeTrade({ roundId, tradeId: 3n, generator: t1, region: 0n, thermal: true, mwh: 40n, period: deadline }),
        );
    });

    describe("when a trade is wind or reported already", function () {
      it("refuses it", async function () {
        const f = await loadFixture(settledRoundFixture);
        const r = f.book.roundId;
        await expect(f.reporter.reportThermal(r, [1n]))
          .to.be.revertedWithCustomError(f.reporter, "SettlementReporterWindTrade")
          .withArgs(r, 1n);
        await (await f.reporter.reportThermal(r, [4n])).wait();
        await expect(f.reporter.reportThermal(r, [4n]))
          .to.be.revertedWithCustomError(f.reporter, "SettlementReporterAlreadyReported")
          .withArgs(r, 4n);
      });
    });
  });

  describe("reportQuotas", function () {
    it("sends each consumer order's quota (the registry's ratio × MWh bought, in units) once the round is closed", async function () {
      const f = await loadFixture(settledRoundFixture);
      const { roundId, deadline, orderIds } = f.book;
      const c1 = f.consumers[0]!.address;
      const c2 = f.consumers[1]!.address;
      const tx = f.reporter.reportQuotas(roundId, [orderIds[0]!, orderIds[1]!]);
      await expect(tx)
        .to.emit(f.reporter, "SettlementReporterQuotaReported")
        .withArgs(roundId, orderIds[0]!, c1, 40_000n, 1n) // 40 % of 40 + 60 MWh
        .and.to.emit(f.reporter, "SettlementReporterQuotaReported")
        .withArgs(roundId, orderIds[1]!, c2, 20_000n, 2n); // 33.3333 % of 20 + 40 MWh: 19,999.98, rounded up
      await expect(tx)
        .to.emit(f.g.main, "BridgeMessageSent")
        .withArgs(
          2n,
          MAIN_CHAIN,
          SIDE_CHAIN,
          await f.reporter.getAddress(),
          await f.certificates.getAddress(),
          encodeQuota({ roundId, orderId: orderIds[1]!, consumer: c2, region: 0n, quotaUnits: 20_000n, period: deadline }),
        );
      expect(await f.reporter.isQuotaReported(orderIds[0]!)).to.equal(true);
      await expect(f.reporter.reportQuotas(roundId, [orderIds[0]!]))
        .to.be.revertedWithCustomError(f.reporter, "SettlementReporterQuotaAlreadyReported")
        .withArgs(orderIds[0]!);
    });

    it("applies the ratio in force when the quota is reported", async function () {
      const f = await loadFixture(settledRoundFixture);
      const c2 = f.consumers[1]!;
      await (await f.book.registry.connect(f.book.tradingCentre).setGreenQuota(c2.address, 250_000n)).wait();
      await expect(f.reporter.reportQuotas(f.book.roundId, [f.book.orderIds[1]!]))
        .to.emit(f.reporter, "SettlementReporterQuotaReported")
        .withArgs(f.book.roundId, f.book.orderIds[1]!, c2.address, 15_000n, 1n);
    });

    describe("when the round is not closed", function () {
      it("reverts", async function () {
        const f = await loadFixture(approvedRoundFixture);
        await expect(f.reporter.reportQuotas(f.book.roundId, [f.book.orderIds[0]!]))
          .to.be.revertedWithCustomError(f.reporter, "SettlementReporterRoundNotClosed")
          .withArgs(f.book.roundId, RoundState.Settling);
        await expect(f.reporter.reportQuotas(9n, [f.book.orderIds[0]!]))
          .to.be.revertedWithCustomError(f.reporter, "SettlementReporterRoundNotClosed")
          .withArgs(9n, RoundState.None);
      });
    });

    describe("when an order is not a consumer's, of another round, withdrawn or owes nothing", function () {
      async function secondRoundFixture(): Promise<Certificates & { noDemand: bigint; withdrawn: bigint }> {
        const f = await settledRoundFixture();
        const [c1, c2] = f.consumers;
        await fund(f.book, c1!, 10n ** 24n);
        await fund(f.book, c2!, 10n ** 24n);
        const { roundId } = await openRound(f.book);
        const noDemand = (await f.book.market.round(roundId)).endOrderId;
        await (await list(f.book, c1!, consumerOrder(10n, price("5"), 0n))).wait();
        const withdrawn = noDemand + 1n;
        await (await list(f.book, c2!, consumerOrder(10n, price("5"), 5n))).wait();
        await (await f.book.market.connect(c2!).WITHDRAW(withdrawn)).wait();
        await passDeadline(f.book);
        await matchAll(f.book);
        await (await f.book.market.connect(f.book.dispatch).approveMatching()).wait();
        await settleAll(f.book);
        return { ...f, noDemand, withdrawn };
      }

      it("reverts", async function () {
        const f = await loadFixture(secondRoundFixture);
        const r1 = f.book.roundId;
        await expect(f.reporter.reportQuotas(r1, [f.book.orderIds[2]!]))
          .to.be.revertedWithCustomError(f.reporter, "SettlementReporterNotConsumer")
          .withArgs(f.book.orderIds[2]!);
        await expect(f.reporter.reportQuotas(r1 + 1n, [f.book.orderIds[0]!]))
          .to.be.revertedWithCustomError(f.reporter, "SettlementReporterOrderNotInRound")
          .withArgs(f.book.orderIds[0]!, r1 + 1n);
        await expect(f.reporter.reportQuotas(r1 + 1n, [f.withdrawn]))
          .to.be.revertedWithCustomError(f.reporter, "SettlementReporterOrderWithdrawn")
          .withArgs(f.withdrawn);
        await expect(f.reporter.reportQuotas(r1 + 1n, [f.noDemand]))
          .to.be.revertedWithCustomError(f.reporter, "SettlementReporterZeroQuota")
          .withArgs(f.noDemand);
        await expect(f.reporter.reportQuotas(r1, [])).to.be.revertedWithCustomError(f.reporter, "SettlementReporterEmptyBatch");
      });
    });
  });

  it("names its market", async function () {
    const f = await loadFixture(settledRoundFixture);
    expect(await f.reporter.market()).to.equal(await f.book.market.getAddress());
  });
});
