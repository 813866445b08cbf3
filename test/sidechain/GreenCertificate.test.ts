import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder } from "ethers";
import { GreenCertificate__factory, type GreenCertificate } from "../../typechain-types";
import {
  OBLIGATION_BPS,
  gatewaysFixture,
  reportedRoundFixture,
  settledRoundFixture,
  type Gateways,
} from "../bridge/fixtures";
import { MAIN_CHAIN, SIDE_CHAIN, deliver, quorum, sent } from "../bridge/helpers";
import { certificateId, encodeQuota, encodeTrade, type TradeReport } from "../bridge/reports";

const UNITS = 1_000n;
const Purpose = { Voluntary: 0n, ThermalObligation: 1n, ConsumerQuota: 2n } as const;

/** A certificate contract whose peer is the `sender` account on the main chain, to deliver hand-made payloads. */
async function rawFixture(): Promise<Gateways & { certs: GreenCertificate }> {
  const g = await gatewaysFixture();
  const certs = await new GreenCertificate__factory(g.admin).deploy(await g.side.getAddress(), g.admin.address, OBLIGATION_BPS, "");
  await (await certs.setPeer(MAIN_CHAIN, g.sender.address)).wait();
  return { ...g, certs };
}

async function sendRaw(g: Gateways & { certs: GreenCertificate }, payload: string) {
  const [m] = await sent(g.main, g.main.connect(g.sender).send(SIDE_CHAIN, await g.certs.getAddress(), payload));
  return g.side.execute(m!, await quorum(g.side, m!));
}

const report = (over: Partial<TradeReport>, generator: string): TradeReport => ({
  roundId: 1n,
  tradeId: 0n,
  generator,
  region: 2n,
  thermal: false,
  mwh: 7n,
  period: 1_700_000_000n,
  ...over,
});

describe("GreenCertificate", function () {
  describe("issuance", function () {
    it("issues mwh × 1000 units per settled wind trade to its generator, with metadata", async function () {
      const f = await loadFixture(settledRoundFixture);
      const r = f.book.roundId;
      const [m] = await sent(f.g.main, f.reporter.report(r, [2n]));
      const id = certificateId(r, 2n);
      const w2 = f.winds[1]!.address;
      await expect(f.g.side.execute(m!, await quorum(f.g.side, m!)))
        .to.emit(f.certificates, "GreenCertificateIssued")
        .withArgs(id, w2, r, 2n, 0n, 25n, f.book.deadline, 25n * UNITS)
        .and.to.emit(f.certificates, "TransferSingle")
        .withArgs(await f.g.side.getAddress(), "0x0000000000000000000000000000000000000000", w2, id, 25n * UNITS);
      expect(await f.certificates.balanceOf(w2, id)).to.equal(25n * UNITS);
      expect(await f.certificates.certificateId(r, 2n)).to.equal(id);
      const c = await f.certificates.certificate(id);
      expect([c.generator, c.region, c.mwh, c.period, c.roundId, c.tradeId]).to.deep.equal([w2, 0n, 25n, f.book.deadline, r, 2n]);
      expect(await f.certificates.isReported(r, 2n)).to.equal(true);
      expect(await f.certificates.totalIssued()).to.equal(25n * UNITS);
      expect(await f.certificates.totalHeld()).to.equal(25n * UNITS);
    });

    it("gives every wind trade its own id and counts all of them", async function () {
      const f = await loadFixture(reportedRoundFixture);
      const r = f.book.roundId;
      const [w1, w2] = f.winds.map((w) => w.address);
      expect(await f.certificates.balanceOf(w1!, certificateId(r, 0n))).to.equal(20n * UNITS);
      expect(await f.certificates.balanceOf(w1!, certificateId(r, 1n))).to.equal(15n * UNITS);
      expect(await f.certificates.balanceOf(w2!, certificateId(r, 2n))).to.equal(25n * UNITS);
      expect(await f.certificates.totalIssued()).to.equal(60n * UNITS);
      for (const t of [3n, 4n, 5n]) {
        await expect(f.certificates.certificate(certificateId(r, t)))
          .to.be.revertedWithCustomError(f.certificates, "GreenCertificateUnknownCertificate")
          .withArgs(certificateId(r, t));
      }
    });

    describe("when the same trade arrives twice", function () {
      it("refuses the replayed message and a second message for the trade", async function () {
        const g = await loadFixture(rawFixture);
        const payload = encodeTrade(report({}, g.users[0]!.address));
        const [m] = await sent(g.main, g.main.connect(g.sender).send(SIDE_CHAIN, await g.certs.getAddress(), payload));
        await deliver(g.side, m!);
        await expect(g.side.execute(m!, await quorum(g.side, m!))).to.be.revertedWithCustomError(g.side, "BridgeGatewayAlreadyProcessed");
        await expect(sendRaw(g, payload))
          .to.be.revertedWithCustomError(g.certs, "GreenCertificateAlreadyReported")
          .withArgs(1n, 0n);
        await expect(sendRaw(g, encodeTrade(report({ thermal: true }, g.users[1]!.address))))
          .to.be.revertedWithCustomError(g.certs, "GreenCertificateAlreadyReported")
          .withArgs(1n, 0n);
        expect(await g.certs.totalIssued()).to.equal(7n * UNITS);
      });
    });

    describe("when the message does not come from the reporter on the main chain", function () {
      it("refuses it", async function () {
        const f = await loadFixture(settledRoundFixture);
        const payload = encodeTrade(report({}, f.g.sender.address));
        const [m] = await sent(f.g.main, f.g.main.connect(f.g.sender).send(SIDE_CHAIN, await f.certificates.getAddress(), payload));
        await expect(f.g.side.execute(m!, await quorum(f.g.side, m!)))
          .to.be.revertedWithCustomError(f.certificates, "BridgeAppUnknownPeer")
          .withArgs(MAIN_CHAIN, f.g.sender.address);
        await expect(f.certificates.onBridgeMessage(MAIN_CHAIN, await f.reporter.getAddress(), 1n, payload))
          .to.be.revertedWithCustomError(f.certificates, "BridgeAppNotGateway")
          .withArgs(f.g.admin.address);
      });
    });

    describe("when the payload is malformed", function () {
      it("refuses unknown kinds, zero MWh and ids beyond 128 bits", async function () {
        const g = await loadFixture(rawFixture);
        const who = g.users[0]!.address;
        await expect(sendRaw(g, AbiCoder.defaultAbiCoder().encode(["uint8", "bytes"], [9, "0x"])))
          .to.be.revertedWithCustomError(g.certs, "GreenCertificateUnknownReportKind")
          .withArgs(9n);
        await expect(sendRaw(g, encodeTrade(report({ mwh: 0n }, who)))).to.be.revertedWithCustomError(g.certs, "GreenCertificateEmptyReport");
        await expect(sendRaw(g, encodeQuota({ roundId: 1n, orderId: 1n, consumer: who, region: 0n, quotaUnits: 0n, period: 0n })))
          .to.be.revertedWithCustomError(g.certs, "GreenCertificateEmptyReport");
        await expect(sendRaw(g, encodeTrade(report({ roundId: 2n ** 128n }, who))))
          .to.be.revertedWithCustomError(g.certs, "GreenCertificateIdOutOfRange")
          .withArgs(2n ** 128n, 0n);
      });
    });
  });

  describe("obligations and quotas", function () {
    it("records 0.2 certificate per thermal MWh and each consumer's quota", async function () {
      const f = await loadFixture(reportedRoundFixture);
      const r = f.book.roundId;
      const [t1, t2] = f.thermals.map((t) => t.address);
      const [c1, c2] = f.consumers.map((c) => c.address);
      // T1 sold 40 + 10 MWh, T2 50 MWh: 10 certificates each. C1 owes 40 % of the 100 MWh it bought, C2 33.3333 % of 60 (rounded up).
      expect(await f.certificates.compliance(t1!, r)).to.deep.equal([10n * UNITS, 0n, false]);
      expect(await f.certificates.compliance(t2!, r)).to.deep.equal([10n * UNITS, 0n, false]);
      expect(await f.certificates.compliance(c1!, r)).to.deep.equal([40n * UNITS, 0n, false]);
      expect(await f.certificates.compliance(c2!, r)).to.deep.equal([20n * UNITS, 0n, false]);
      expect(await f.certificates.compliance(f.winds[0]!.address, r)).to.deep.equal([0n, 0n, true]);
      const d = await f.certificates.complianceDetail(t1!, r);
      expect([d.obligation, d.obligationRetired, d.quota, d.quotaRetired, d.voluntaryRetired]).to.deep.equal([10n * UNITS, 0n, 0n, 0n, 0n]);
    });

    it("emits the recorded obligation and quota", async function () {
      const f = await loadFixture(settledRoundFixture);
      const r = f.book.roundId;
      const [obligation] = await sent(f.g.main, f.reporter.reportThermal(r, [4n]));
      await expect(f.g.side.execute(obligation!, await quorum(f.g.side, obligation!)))
        .to.emit(f.certificates, "GreenCertificateObligationRecorded")
        .withArgs(f.thermals[0]!.address, r, 4n, 10n, 2n * UNITS);
      const [quota] = await sent(f.g.main, f.reporter.reportQuotas(r, [f.book.orderIds[1]!]));
      await expect(f.g.side.execute(quota!, await quorum(f.g.side, quota!)))
        .to.emit(f.certificates, "GreenCertificateQuotaRecorded")
        .withArgs(f.consumers[1]!.address, r, f.book.orderIds[1]!, 20n * UNITS);
    });

    it("rounds fractional obligations up, at the rate in force when the report arrives", async function () {
      const g = await loadFixture(rawFixture);
      const t = g.users[0]!.address;
      await expect(g.certs.setObligationBps(3_333n)).to.emit(g.certs, "GreenCertificateObligationBpsChanged").withArgs(OBLIGATION_BPS, 3_333n);
      await (await sendRaw(g, encodeTrade(report({ tradeId: 1n, thermal: true, mwh: 1n }, t)))).wait();
      expect((await g.certs.complianceDetail(t, 1n)).obligation).to.equal(334n);
      await (await g.certs.setObligationBps(OBLIGATION_BPS)).wait();
      await (await sendRaw(g, encodeTrade(report({ tradeId: 2n, thermal: true, mwh: 3n }, t)))).wait();
      expect((await g.certs.complianceDetail(t, 1n)).obligation).to.equal(334n + 600n);
    });

    describe("when a quota arrives twice for one order", function () {
      it("refuses it", async function () {
        const g = await loadFixture(rawFixture);
        const q = encodeQuota({ roundId: 1n, orderId: 4n, consumer: g.users[0]!.address, region: 0n, quotaUnits: 5_000n, period: 0n });
        await (await sendRaw(g, q)).wait();
        await expect(sendRaw(g, q)).to.be.revertedWithCustomError(g.certs, "GreenCertificateQuotaAlreadyReported").withArgs(1n, 4n);
      });
    });

    describe("when the rate is out of range or set by a stranger", function () {
      it("reverts", async function () {
        const g = await loadFixture(rawFixture);
        await expect(g.certs.setObligationBps(10_001n)).to.be.revertedWithCustomError(g.certs, "GreenCertificateInvalidObligationBps").withArgs(10_001n);
        await expect(g.certs.connect(g.outsider).setObligationBps(1n))
          .to.be.revertedWithCustomError(g.certs, "AccessControlUnauthorizedAccount")
          .withArgs(g.outsider.address, await g.certs.DEFAULT_ADMIN_ROLE());
        expect(await g.certs.obligationBps()).to.equal(OBLIGATION_BPS);
      });
    });
  });

  describe("retire", function () {
    it("burns certificates, records the retirement and counts it toward the round's compliance", async function () {
      const f = await loadFixture(reportedRoundFixture);
      const r = f.book.roundId;
      const [w1] = f.winds;
      const [t1] = f.thermals;
      const id = certificateId(r, 0n);
      await (await f.certificates.connect(w1!).safeTransferFrom(w1!.address, t1!.address, id, 10n * UNITS, "0x")).wait();
      await expect(f.certificates.connect(t1!).retire(id, 6n * UNITS, Purpose.ThermalObligation))
        .to.emit(f.certificates, "GreenCertificateRetired")
        .withArgs(0n, t1!.address, id, 6n * UNITS, Purpose.ThermalObligation, r)
        .and.to.emit(f.certificates, "TransferSingle")
        .withArgs(t1!.address, t1!.address, "0x0000000000000000000000000000000000000000", id, 6n * UNITS);
      expect(await f.certificates.compliance(t1!.address, r)).to.deep.equal([10n * UNITS, 6n * UNITS, false]);
      await (await f.certificates.connect(t1!).retire(id, 4n * UNITS, Purpose.ThermalObligation)).wait();
      expect(await f.certificates.compliance(t1!.address, r)).to.deep.equal([10n * UNITS, 10n * UNITS, true]);
      const rec = await f.certificates.retirement(1n);
      expect([rec.account, rec.purpose, rec.id, rec.amount, rec.roundId]).to.deep.equal([t1!.address, Purpose.ThermalObligation, id, 4n * UNITS, r]);
      expect(await f.certificates.retirementCount()).to.equal(2n);
      expect(await f.certificates.totalRetired()).to.equal(10n * UNITS);
      expect(await f.certificates.totalIssued()).to.equal((await f.certificates.totalHeld()) + (await f.certificates.totalRetired()));
    });

    it("keeps purposes apart: voluntary retirements and the wrong purpose do not meet an obligation", async function () {
      const f = await loadFixture(reportedRoundFixture);
      const r = f.book.roundId;
      const c2 = f.consumers[1]!;
      const w2 = f.winds[1]!;
      const id = certificateId(r, 2n);
      await (await f.certificates.connect(w2).safeTransferFrom(w2.address, c2.address, id, 25n * UNITS, "0x")).wait();
      await (await f.certificates.connect(c2).retire(id, 5n * UNITS, Purpose.Voluntary)).wait();
      await (await f.certificates.connect(c2).retire(id, 1n * UNITS, Purpose.ThermalObligation)).wait();
      expect(await f.certificates.compliance(c2.address, r)).to.deep.equal([20n * UNITS, 1n * UNITS, false]);
      await (await f.certificates.connect(c2).retire(id, 19n * UNITS, Purpose.ConsumerQuota)).wait();
      expect(await f.certificates.compliance(c2.address, r)).to.deep.equal([20n * UNITS, 20n * UNITS, false]);
      const d = await f.certificates.complianceDetail(c2.address, r);
      expect([d.quota, d.quotaRetired, d.obligationRetired, d.voluntaryRetired]).to.deep.equal([20n * UNITS, 19n * UNITS, 1n * UNITS, 5n * UNITS]);
    });

    describe("when the amount is zero, the id unknown or the balance short", function () {
      it("reverts", async function () {
        const f = await loadFixture(reportedRoundFixture);
        const r = f.book.roundId;
        const t1 = f.thermals[0]!;
        const id = certificateId(r, 0n);
        await expect(f.certificates.connect(t1).retire(id, 0n, Purpose.ThermalObligation)).to.be.revertedWithCustomError(
          f.certificates,
          "GreenCertificateZeroAmount",
        );
        await expect(f.certificates.connect(t1).retire(certificateId(r, 3n), 1n, Purpose.ThermalObligation))
          .to.be.revertedWithCustomError(f.certificates, "GreenCertificateUnknownCertificate")
          .withArgs(certificateId(r, 3n));
        await expect(f.certificates.connect(t1).retire(id, 1n, Purpose.ThermalObligation))
          .to.be.revertedWithCustomError(f.certificates, "ERC1155InsufficientBalance")
          .withArgs(t1.address, 0n, 1n, id);
        await expect(f.certificates.retirement(0n)).to.be.revertedWithCustomError(f.certificates, "GreenCertificateRetirementNotFound").withArgs(0n);
      });
    });
  });

  it("supports the ERC-1155 and AccessControl interfaces", async function () {
    const g = await loadFixture(rawFixture);
    expect(await g.certs.supportsInterface("0xd9b67a26")).to.equal(true);
    expect(await g.certs.supportsInterface("0x7965db0b")).to.equal(true);
    expect(await g.certs.supportsInterface("0xffffffff")).to.equal(false);
  });
});
