/** The side chain and the bridge as the dashboard shows them: certificates issued and retired, the peg, messages. */
import type { attachBridge } from "../../src/ops/deployment";
import { toNumber18 } from "../../src/units";
import { readBridgeMessages, type BridgeMessageRow } from "./bridge-messages";
import type { Names } from "./market";

type Bridge = ReturnType<typeof attachBridge>;

/** Certificates from certificate units (1,000 units a certificate: one per MWh). */
export const certs = (units: bigint) => Number(units) / 1000;
const PURPOSES = ["voluntary", "thermal obligation", "consumer quota"] as const;

export interface CertificatesView {
  issued: number;
  retired: number;
  held: number;
  traded: number;
  /** Per generator name: certificates issued to it. */
  issuedTo: Record<string, number>;
  /** Per seller name: certificates sold on the certificate market. */
  soldBy: Record<string, number>;
  /** Per account name and purpose: certificates retired. */
  retiredBy: { name: string; purpose: string; certificates: number }[];
}

export async function readCertificates(b: Bridge, names: Names, fromBlock: number): Promise<CertificatesView> {
  const c = b.side.certificate;
  const issuedTo: Record<string, number> = {};
  for (const e of await c.queryFilter(c.filters.GreenCertificateIssued(), fromBlock)) {
    const name = await names.of(e.args.generator);
    issuedTo[name] = (issuedTo[name] ?? 0) + certs(e.args.amount);
  }
  const soldBy: Record<string, number> = {};
  const m = b.side.certificateMarket;
  for (const e of await m.queryFilter(m.filters.CertificateMarketBought(), fromBlock)) {
    const name = await names.of(e.args.seller);
    soldBy[name] = (soldBy[name] ?? 0) + certs(e.args.amount);
  }
  const retiredBy = new Map<string, { name: string; purpose: string; certificates: number }>();
  for (const e of await c.queryFilter(c.filters.GreenCertificateRetired(), fromBlock)) {
    const name = await names.of(e.args.account);
    const purpose = PURPOSES[Number(e.args.purpose)] ?? "unknown";
    const row = retiredBy.get(`${name}/${purpose}`) ?? { name, purpose, certificates: 0 };
    retiredBy.set(`${name}/${purpose}`, { ...row, certificates: row.certificates + certs(e.args.amount) });
  }
  return {
    issued: certs(await c.totalIssued()),
    retired: certs(await c.totalRetired()),
    held: certs(await c.totalHeld()),
    traded: certs(await b.side.certificateMarket.totalTraded()),
    issuedTo,
    soldBy,
    retiredBy: [...retiredBy.values()],
  };
}

export interface BridgeView {
  /** DPLC locked in the main chain's vault, and wrapped DPLC on the side chain (equal at rest). */
  locked: number;
  wrappedSupply: number;
  mainToSide: { sent: number; delivered: number };
  sideToMain: { sent: number; delivered: number };
  validators: string[];
  threshold: number;
  /** The newest messages of each direction, with the validators whose signatures delivered them. */
  messages: BridgeMessageRow[];
}

export async function readBridge(b: Bridge, from: { main: number; side: number }): Promise<BridgeView> {
  const delivered = async (gateway: Bridge["main"]["gateway"], block: number) =>
    (await gateway.queryFilter(gateway.filters.BridgeMessageExecuted(), block)).length;
  return {
    locked: toNumber18(await b.main.vault.locked()),
    wrappedSupply: toNumber18(await b.side.wrapped.totalSupply()),
    mainToSide: { sent: Number(await b.main.gateway.outboundNonce()), delivered: await delivered(b.side.gateway, from.side) },
    sideToMain: { sent: Number(await b.side.gateway.outboundNonce()), delivered: await delivered(b.main.gateway, from.main) },
    validators: [...(await b.side.gateway.validators())],
    threshold: Number(await b.side.gateway.threshold()),
    messages: await readBridgeMessages(b.main.gateway, b.side.gateway, from),
  };
}
