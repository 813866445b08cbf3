/**
 * Fixtures of the bridge and side-chain tests: two harness gateways joined to each other, the token peg, and a
 * settled market round with the settlement reporter and the side-chain certificate contracts.
 */
import { ethers } from "hardhat";
import { id } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import {
  BridgeGatewayHarness__factory,
  CertificateMarket__factory,
  DPLCToken__factory,
  GreenCertificate__factory,
  MockBridgeReceiver__factory,
  SettlementReporter__factory,
  TokenVault__factory,
  WrappedDPLC__factory,
  type BridgeGatewayHarness,
  type CertificateMarket,
  type DPLCToken,
  type GreenCertificate,
  type MockBridgeReceiver,
  type SettlementReporter,
  type TokenVault,
  type WrappedDPLC,
} from "../../typechain-types";
import {
  consumerOrder,
  matchAll,
  passDeadline,
  settleAll,
  setupBook,
  thermalOrder,
  windOrder,
  type Book,
} from "../helpers/fixtures";
import { price, WAD } from "../helpers/rules";
import { DAY, MAIN_CHAIN, SIDE_CHAIN, THRESHOLD, VALIDATORS, relay } from "./helpers";

export interface Gateways {
  admin: HardhatEthersSigner;
  /** Holds SENDER_ROLE on both gateways, to send raw messages. */
  sender: HardhatEthersSigner;
  outsider: HardhatEthersSigner;
  users: HardhatEthersSigner[];
  main: BridgeGatewayHarness;
  side: BridgeGatewayHarness;
  receiver: MockBridgeReceiver;
}

/** Gateways on MAIN_CHAIN and SIDE_CHAIN registered with each other, 2-of-3 validators, a mock receiver. */
export async function gatewaysFixture(): Promise<Gateways> {
  const [admin, sender, outsider, ...users] = await ethers.getSigners();
  const validators = VALIDATORS.map((w) => w.address);
  const factory = new BridgeGatewayHarness__factory(admin!);
  const main = await factory.deploy(admin!.address, validators, THRESHOLD, MAIN_CHAIN);
  const side = await factory.deploy(admin!.address, validators, THRESHOLD, SIDE_CHAIN);
  await (await main.setRemoteGateway(SIDE_CHAIN, await side.getAddress())).wait();
  await (await side.setRemoteGateway(MAIN_CHAIN, await main.getAddress())).wait();
  await (await main.grantRole(await main.SENDER_ROLE(), sender!.address)).wait();
  await (await side.grantRole(await side.SENDER_ROLE(), sender!.address)).wait();
  const receiver = await new MockBridgeReceiver__factory(admin!).deploy();
  return { admin: admin!, sender: sender!, outsider: outsider!, users, main, side, receiver };
}

/** Peg allowance of the peg fixture on both gateways (mints on the side chain, releases on the main chain): one
 * million DPLC per day. */
export const MINT_LIMIT = 1_000_000n * WAD;
/** DPLC each peg user starts with. */
export const USER_FUNDS = 10_000_000n * WAD;

export interface Peg extends Gateways {
  cashier: HardhatEthersSigner;
  token: DPLCToken;
  vault: TokenVault;
  wrapped: WrappedDPLC;
}

let receipts = 0;

/** Deposits `tokens` DPLC for `who` through the cashier. */
export async function fundDplc(token: DPLCToken, cashier: HardhatEthersSigner, who: string, tokens: bigint) {
  const rate = await token.tokensPerRmb();
  await (await token.connect(cashier).deposit(who, (tokens * WAD) / rate, id(`peg-receipt-${++receipts}`))).wait();
}

/** Wires a vault (main) and a wrapped token (side) to the gateways and each other. */
export async function wirePeg(g: Gateways, token: DPLCToken): Promise<{ vault: TokenVault; wrapped: WrappedDPLC }> {
  const vault = await new TokenVault__factory(g.admin).deploy(await token.getAddress(), await g.main.getAddress(), g.admin.address);
  const wrapped = await new WrappedDPLC__factory(g.admin).deploy(await g.side.getAddress(), g.admin.address);
  await (await vault.setPeer(SIDE_CHAIN, await wrapped.getAddress())).wait();
  await (await wrapped.setPeer(MAIN_CHAIN, await vault.getAddress())).wait();
  await (await g.main.grantRole(await g.main.SENDER_ROLE(), await vault.getAddress())).wait();
  await (await g.main.grantRole(await g.main.PEG_ROLE(), await vault.getAddress())).wait();
  await (await g.main.setMintLimit(MINT_LIMIT, DAY)).wait();
  await (await g.side.grantRole(await g.side.SENDER_ROLE(), await wrapped.getAddress())).wait();
  await (await g.side.grantRole(await g.side.PEG_ROLE(), await wrapped.getAddress())).wait();
  await (await g.side.setMintLimit(MINT_LIMIT, DAY)).wait();
  return { vault, wrapped };
}

/** The gateways plus DPLC (main), TokenVault (main) and WrappedDPLC (side); users[0..3] hold USER_FUNDS DPLC. */
export async function pegFixture(): Promise<Peg> {
  const g = await gatewaysFixture();
  const cashier = g.users[9]!;
  const token = await new DPLCToken__factory(g.admin).deploy(g.admin.address, cashier.address);
  const { vault, wrapped } = await wirePeg(g, token);
  for (const u of g.users.slice(0, 4)) {
    await fundDplc(token, cashier, u.address, USER_FUNDS);
    await (await token.connect(u).approve(await vault.getAddress(), ethers.MaxUint256)).wait();
  }
  return { ...g, cashier, token, vault, wrapped };
}

/** The side chain's obligation rate: 0.2 certificate per MWh. */
export const OBLIGATION_BPS = 2_000n;

export interface Certificates {
  book: Book;
  g: Gateways;
  vault: TokenVault;
  wrapped: WrappedDPLC;
  reporter: SettlementReporter;
  certificates: GreenCertificate;
  certMarket: CertificateMarket;
  consumers: HardhatEthersSigner[];
  winds: HardhatEthersSigner[];
  thermals: HardhatEthersSigner[];
}

/**
 * A market round in region A with two consumers (green demand 40 and 20 MWh), two wind and two thermal generators,
 * matched and approved (not settled), plus the reporter (main) and the certificate contracts (side).
 */
export async function approvedRoundFixture(): Promise<Certificates> {
  return approvedRound();
}

/** The green quotas of the two consumers of {approvedRoundFixture}, in ppm of the MWh they buy. */
export const QUOTA_PPM: readonly bigint[] = [400_000n, 333_333n];

/** {approvedRoundFixture}'s round; `beforeApproval` may curtail and re-match before the dispatch centre approves. */
export async function approvedRound(beforeApproval?: (book: Book) => Promise<void>): Promise<Certificates> {
  const book = await setupBook({
    pairs: [{ seller: "A", buyer: "A" }],
    orders: [
      { kind: "consumer", region: "A", request: consumerOrder(100n, price("5"), 40n) },
      { kind: "consumer", region: "A", request: consumerOrder(60n, price("6"), 20n) },
      { kind: "wind", region: "A", request: windOrder(35n, price("3")) },
      { kind: "wind", region: "A", request: windOrder(30n, price("3.5")) },
      { kind: "thermal", region: "A", request: thermalOrder(50n, price("2")) },
      { kind: "thermal", region: "A", request: thermalOrder(70n, price("2.5")) },
    ],
  });
  // Green quotas, set by the trading centre: C1 owes 40 % of what it buys, C2 33.3333 % (a fraction of a unit).
  for (const [k, ppm] of QUOTA_PPM.entries()) {
    await (await book.registry.connect(book.tradingCentre).setGreenQuota(book.owners[k]!.address, ppm)).wait();
  }
  await passDeadline(book);
  await matchAll(book);
  if (beforeApproval) await beforeApproval(book);
  await (await book.market.connect(book.dispatch).approveMatching()).wait();
  const g = await gatewaysFixture();
  const { vault, wrapped } = await wirePeg(g, book.token);
  const reporter = await new SettlementReporter__factory(g.admin).deploy(
    await book.market.getAddress(),
    await g.main.getAddress(),
    g.admin.address,
  );
  const certificates = await new GreenCertificate__factory(g.admin).deploy(
    await g.side.getAddress(),
    g.admin.address,
    OBLIGATION_BPS,
    "",
  );
  await (await reporter.setPeer(SIDE_CHAIN, await certificates.getAddress())).wait();
  await (await certificates.setPeer(MAIN_CHAIN, await reporter.getAddress())).wait();
  await (await g.main.grantRole(await g.main.SENDER_ROLE(), await reporter.getAddress())).wait();
  const certMarket = await new CertificateMarket__factory(g.admin).deploy(
    await certificates.getAddress(),
    await wrapped.getAddress(),
  );
  const [c1, c2, w1, w2, t1, t2] = book.owners;
  return {
    book,
    g,
    vault,
    wrapped,
    reporter,
    certificates,
    certMarket,
    consumers: [c1!, c2!],
    winds: [w1!, w2!],
    thermals: [t1!, t2!],
  };
}

/** {approvedRoundFixture} with the round settled (closed). */
export async function settledRoundFixture(): Promise<Certificates> {
  const f = await approvedRoundFixture();
  await settleAll(f.book);
  return f;
}

/** Trade ids of the settled round, split by kind. */
export async function tradeIdsByKind(f: Certificates): Promise<{ wind: bigint[]; thermal: bigint[] }> {
  const n = (await f.book.market.round(f.book.roundId)).tradeCount;
  const wind: bigint[] = [];
  const thermal: bigint[] = [];
  for (let i = 0n; i < n; i++) {
    const t = await f.book.market.trade(f.book.roundId, i);
    if (t.mwh === 0n) continue;
    (t.thermal ? thermal : wind).push(i);
  }
  return { wind, thermal };
}

/** {settledRoundFixture} with every wind trade, thermal trade and consumer quota reported and relayed. */
export async function reportedRoundFixture(): Promise<Certificates> {
  const f = await settledRoundFixture();
  const { wind, thermal } = await tradeIdsByKind(f);
  const r = f.book.roundId;
  await relay(f.g.main, f.g.side, f.reporter.report(r, wind));
  await relay(f.g.main, f.g.side, f.reporter.reportThermal(r, thermal));
  await relay(f.g.main, f.g.side, f.reporter.reportQuotas(r, [f.book.orderIds[0]!, f.book.orderIds[1]!]));
  return f;
}
