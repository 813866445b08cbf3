/** ABI encodings of the settlement reports (ISettlementReporter's NatSpec), written out independently. */
import { AbiCoder } from "ethers";

const coder = AbiCoder.defaultAbiCoder();
export const KIND_TRADE = 1n;
export const KIND_QUOTA = 2n;

export interface TradeReport {
  roundId: bigint;
  tradeId: bigint;
  generator: string;
  region: bigint;
  thermal: boolean;
  mwh: bigint;
  period: bigint;
}

export interface QuotaReport {
  roundId: bigint;
  orderId: bigint;
  consumer: string;
  region: bigint;
  /** Thousandths of a certificate. */
  quotaUnits: bigint;
  period: bigint;
}

export function encodeTrade(r: TradeReport): string {
  const body = coder.encode(
    ["uint256", "uint256", "address", "uint8", "bool", "uint64", "uint64"],
    [r.roundId, r.tradeId, r.generator, r.region, r.thermal, r.mwh, r.period],
  );
  return coder.encode(["uint8", "bytes"], [KIND_TRADE, body]);
}

export function encodeQuota(r: QuotaReport): string {
  const body = coder.encode(
    ["uint256", "uint256", "address", "uint8", "uint256", "uint64"],
    [r.roundId, r.orderId, r.consumer, r.region, r.quotaUnits, r.period],
  );
  return coder.encode(["uint8", "bytes"], [KIND_QUOTA, body]);
}

/** GreenCertificate.certificateId: round in the high 128 bits, trade in the low 128. */
export const certificateId = (roundId: bigint, tradeId: bigint): bigint => (roundId << 128n) | tradeId;
