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
import { deployModule } from "../chain/ignition";
import type { Submitter } from "../submitters";
import BridgeMainModule from "../../ignition/modules/BridgeMain";
import BridgeWiringModule from "../../ignition/modules/BridgeWiring";
import SideChainModule from "../../ignition/modules/SideChain";
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

/** The certificate's ERC-1155 metadata URI template (a devnet placeholder). */
const CERTIFICATE_URI = "https://dplc.invalid/certificate/{id}.json";

/**
 * Deploys the gateways, the token peg (TokenVault ⇄ WrappedDPLC), the settlement reporter (for `market`), the green
 * certificate and its market, and wires them: remote gateways, peers, roles (the roles table), the mint limit. Three
 * Ignition modules: BridgeMain on the main chain, SideChain on the side chain (wired to the first), BridgeWiring on the
 * main chain (wired to the second). The main chain's transactions go through `mainSubmitter` (default: straight to
 * the node), the side chain's straight to its node.
 */
export async function deployBridge(
  market: Pick<MarketSystem, "token" | "market">,
  mainAdmin: Signer,
  sideAdmin: Signer,
  opts: BridgeOptions,
  mainSubmitter?: Submitter,
): Promise<BridgeSystem> {
  const [mainChainId, sideChainId] = await Promise.all([chainIdOf(mainAdmin), chainIdOf(sideAdmin)]);
  const [mainAddr, sideAddr] = await Promise.all([mainAdmin.getAddress(), sideAdmin.getAddress()]);
  const mainStart = await mainAdmin.provider!.getBlockNumber();
  const sideStart = await sideAdmin.provider!.getBlockNumber();
  const validators = [...opts.validators];
  const peg = { mintLimit: opts.mintLimit ?? 10n ** 30n, mintPeriodSeconds: opts.mintPeriodSeconds ?? 86_400n };
  const main = await deployModule(BridgeMainModule, {
    signers: [mainAdmin],
    submitter: mainSubmitter,
    parameters: { admin: mainAddr, validators, threshold: opts.threshold, token: await market.token.getAddress(), market: await market.market.getAddress() },
  });
  const side = await deployModule(SideChainModule, {
    signers: [sideAdmin],
    parameters: {
      admin: sideAddr,
      validators,
      threshold: opts.threshold,
      obligationBps: opts.obligationBps ?? PAPER_OBLIGATION_BPS,
      uri: CERTIFICATE_URI,
      ...peg,
      mainChainId,
      mainGateway: main.gateway,
      vault: main.vault,
      reporter: main.reporter,
    },
  });
  await deployModule(BridgeWiringModule, {
    signers: [mainAdmin],
    submitter: mainSubmitter,
    parameters: { ...main, ...peg, sideChainId, sideGateway: side.gateway, wrapped: side.wrapped, certificate: side.certificate },
  });
  return {
    main: {
      gateway: BridgeGateway__factory.connect(main.gateway, mainAdmin),
      vault: TokenVault__factory.connect(main.vault, mainAdmin),
      reporter: SettlementReporter__factory.connect(main.reporter, mainAdmin),
      chainId: mainChainId,
      startBlock: mainStart,
    },
    side: {
      gateway: BridgeGateway__factory.connect(side.gateway, sideAdmin),
      wrapped: WrappedDPLC__factory.connect(side.wrapped, sideAdmin),
      certificate: GreenCertificate__factory.connect(side.certificate, sideAdmin),
      certificateMarket: CertificateMarket__factory.connect(side.certificateMarket, sideAdmin),
      chainId: sideChainId,
      startBlock: sideStart,
    },
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
