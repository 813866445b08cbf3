/**
 * The market's actions, one per file in the style of viem's actions: each takes a MarketClient (a deployment and
 * the submitter its transactions go through) and the signer of the party that acts. The replay, the market tasks,
 * Case B and the benchmarks all drive the market through these.
 */
export { marketClient, type MarketClient } from "./client";
export { MissingEventError } from "./events";
export { register } from "./register";
export { review } from "./review";
export { revoke } from "./revoke";
export { setGreenQuota } from "./set-green-quota";
export { deposit } from "./deposit";
export { approveEscrow } from "./approve-escrow";
export { setCorridor, type Corridor } from "./set-corridor";
export { DEFAULT_REVEAL_SECONDS, openRound, type RoundSettings } from "./open-round";
export { listOrder, orderRequest, submitListing, type Commitment, type OrderRequest } from "./list-order";
export { orderCommitment, orderLiability, sealOrder, type SealedOrder } from "./seal-order";
export { revealOrder } from "./reveal-order";
export { refundUnrevealed } from "./refund-unrevealed";
export { withdrawOrder } from "./withdraw-order";
export { removeRevoked } from "./remove-revoked";
export { roundStatus, RoundState } from "./round-status";
export { runMatching, type SteppedRun } from "./run-matching";
export { approveMatching } from "./approve-matching";
export { curtailTrades } from "./curtail-trades";
export { runSettlement } from "./run-settlement";
export { cancelRound } from "./cancel-round";
export { cancelStalledRound } from "./cancel-stalled-round";
export { refundCancelled } from "./refund-cancelled";
export { readTrades } from "./read-trades";
