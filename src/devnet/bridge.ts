import type { Signer } from "ethers";
import {
  BridgeGateway__factory,
  CertificateMarket__factory,
  GreenCertificate__factory,
  SettlementReporter__factory,
  TokenVault__factory,
  WrappedDPLC__factory,
  type BridgeGateway,
  type CertificateMarket,
  type GreenCertificate,
  type SettlementReporter,
  type TokenVault,
  type WrappedDPLC,
} from "../../typechain-types";
import type { MarketSystem } from "../chain/deploy";
import type { MainBridgeDeployment, SideChainDeployment } from "../ops/deployment";

/** The bridge and side-chain contracts of a two-chain deployment. */
export interface BridgeSystem {
  readonly main: { gateway: BridgeGateway; vault: TokenVault; reporter: SettlementReporter; chainId: number; startBlock: number };
  readonly side: {
    gateway: BridgeGateway;
    wrapped: WrappedDPLC;
    certificate: GreenCertificate;
    certificateMarket: CertificateMarket;
    chainId: number;
    startBlock: number;
  };
}

export interface BridgeOptions {
  /** Validator addresses (the relayer hosts their keys on a devnet). */
  readonly validators: readonly string[];
  readonly threshold: number;
  /** Thermal obligation, basis points of a certificate per MWh (2000 = 0.2, the paper's). */
  readonly obligationBps?: bigint;
  /** The peg allowance per period on both gateways: wrapped DPLC the side chain may mint, DPLC the vault may release
   * (default: 10^12 tokens per day, no practical limit on a devnet). */
  readonly mintLimit?: bigint;
  readonly mintPeriodSeconds?: bigint;
}

/** The paper's thermal obligation: 0.2 certificate per MWh. */
export const PAPER_OBLIGATION_BPS = 2000n;

/** Sends one after another (same signer: each needs the previous nonce) and waits for each receipt. */
async function inOrder(txs: Array<() => Promise<{ wait(): Promise<unknown> }>>): Promise<void> {
  for (const send of txs) await (await send()).wait();
}

/**
 * Deploys the gateways, the token peg (TokenVault ⇄ WrappedDPLC), the settlement reporter (for `market`), the green
 * certificate and its market, and wires them: remote gateways, peers, roles, the mint limit.
 */
export async function deployBridge(
  market: Pick<MarketSystem, "token" | "market">,
  mainAdmin: Signer,
  sideAdmin: Signer,
  opts: BridgeOptions,
): Promise<BridgeSystem> {
  const [mainChainId, sideChainId] = await Promise.all([chainIdOf(mainAdmin), chainIdOf(sideAdmin)]);
  const [mainAddr, sideAddr] = await Promise.all([mainAdmin.getAddress(), sideAdmin.getAddress()]);
  const mainStart = await mainAdmin.provider!.getBlockNumber();
  const sideStart = await sideAdmin.provider!.getBlockNumber();

  const mainGw = await new BridgeGateway__factory(mainAdmin).deploy(mainAddr, [...opts.validators], opts.threshold);
  const vault = await new TokenVault__factory(mainAdmin).deploy(await market.token.getAddress(), mainGw, mainAddr);
  const reporter = await new SettlementReporter__factory(mainAdmin).deploy(await market.market.getAddress(), mainGw, mainAddr);

  const sideGw = await new BridgeGateway__factory(sideAdmin).deploy(sideAddr, [...opts.validators], opts.threshold);
  const wrapped = await new WrappedDPLC__factory(sideAdmin).deploy(sideGw, sideAddr);
  const certificate = await new GreenCertificate__factory(sideAdmin).deploy(
    sideGw,
    sideAddr,
    opts.obligationBps ?? PAPER_OBLIGATION_BPS,
    "https://dplc.invalid/certificate/{id}.json",
  );
  const certificateMarket = await new CertificateMarket__factory(sideAdmin).deploy(certificate, wrapped);

  const sender = await mainGw.SENDER_ROLE();
  const peg = await sideGw.PEG_ROLE();
  await inOrder([
    () => mainGw.setRemoteGateway(sideChainId, sideGw),
    () => mainGw.grantRole(sender, vault),
    () => mainGw.grantRole(peg, vault),
    () => mainGw.setMintLimit(opts.mintLimit ?? 10n ** 30n, opts.mintPeriodSeconds ?? 86_400n),
    () => mainGw.grantRole(sender, reporter),
    () => vault.setPeer(sideChainId, wrapped),
    () => reporter.setPeer(sideChainId, certificate),
  ]);
  await inOrder([
    () => sideGw.setRemoteGateway(mainChainId, mainGw),
    () => sideGw.grantRole(sender, wrapped),
    () => sideGw.grantRole(peg, wrapped),
    () => sideGw.setMintLimit(opts.mintLimit ?? 10n ** 30n, opts.mintPeriodSeconds ?? 86_400n),
    () => wrapped.setPeer(mainChainId, vault),
    () => certificate.setPeer(mainChainId, reporter),
  ]);
  return {
    main: { gateway: mainGw, vault, reporter, chainId: mainChainId, startBlock: mainStart },
    side: { gateway: sideGw, wrapped, certificate, certificateMarket, chainId: sideChainId, startBlock: sideStart },
  };
}

async function chainIdOf(s: Signer): Promise<number> {
  return Number((await s.provider!.getNetwork()).chainId);
}

/** The deployment-file sections of a bridge system. */
export async function describeBridge(
  b: BridgeSystem,
  rpc: { main?: string; side?: string } = {},
): Promise<{ bridge: MainBridgeDeployment; side: SideChainDeployment }> {
  return {
    bridge: {
      ...(rpc.main === undefined ? {} : { rpcUrl: rpc.main }),
      startBlock: b.main.startBlock,
      gateway: await b.main.gateway.getAddress(),
      vault: await b.main.vault.getAddress(),
      reporter: await b.main.reporter.getAddress(),
    },
    side: {
      chainId: b.side.chainId,
      ...(rpc.side === undefined ? {} : { rpcUrl: rpc.side }),
      startBlock: b.side.startBlock,
      gateway: await b.side.gateway.getAddress(),
      wrappedToken: await b.side.wrapped.getAddress(),
      certificate: await b.side.certificate.getAddress(),
      certificateMarket: await b.side.certificateMarket.getAddress(),
    },
  };
}
