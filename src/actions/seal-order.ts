import { AbiCoder, hexlify, keccak256, randomBytes } from "ethers";
import type { OrderRequest } from "./list-order";

/** An order sealed for `PAYMENT`: what the owner commits to now and must keep (request and salt) to reveal it later. */
export interface SealedOrder {
  readonly roundId: bigint;
  readonly owner: string;
  readonly request: OrderRequest;
  /** 32 bytes, hex. Secret until the reveal: anyone who learns it can test guesses of the request. */
  readonly salt: string;
  readonly commitment: string;
  /** Tokens a consumer escrows (at least its liability); 0 for sellers. */
  readonly escrow: bigint;
}

const REQUEST = "tuple(uint256 quantityMwh, uint256 price, uint256 greenDemandMwh, uint256 envPrice, uint256 subsidyPrice)";

/**
 * IDPLCMarket.orderCommitment, computed locally: keccak256(abi.encode(market, roundId, owner, request, salt)).
 * Asking a node instead would disclose the order to it.
 */
export function orderCommitment(market: string, roundId: bigint, owner: string, request: OrderRequest, salt: string): string {
  const q = [request.quantityMwh, request.price, request.greenDemandMwh, request.envPrice, request.subsidyPrice];
  return keccak256(AbiCoder.defaultAbiCoder().encode(["address", "uint256", "address", REQUEST, "bytes32"], [market, roundId, owner, q, salt]));
}

/** What a consumer must escrow at least: price × quantity × 1000 (token units). */
export function orderLiability(request: OrderRequest): bigint {
  return request.price * request.quantityMwh * 1000n;
}

/** Seals `request` for `owner` in round `roundId` of the market at `market`, with a fresh random salt unless given. */
export function sealOrder(args: {
  readonly market: string;
  readonly roundId: bigint;
  readonly owner: string;
  readonly request: OrderRequest;
  readonly escrow?: bigint;
  readonly salt?: string;
}): SealedOrder {
  const salt = args.salt ?? hexlify(randomBytes(32));
  const commitment = orderCommitment(args.market, args.roundId, args.owner, args.request, salt);
  return { roundId: args.roundId, owner: args.owner, request: args.request, salt, commitment, escrow: args.escrow ?? 0n };
}
