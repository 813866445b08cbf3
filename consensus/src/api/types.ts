import type { NonceConflictError } from "../chain/errors";
import type { ParsedTx } from "../chain/tx";
import type { Member } from "../core/types";

export type TxStatus = "pending" | "ordered" | "applied";

/** Answer of `POST /v1/transactions`. */
export interface SubmitResult {
  hash: string;
  status: TxStatus;
}

/** Answer of `GET /v1/transactions/{hash}`; block/index/chainBlock are null until known. */
export interface TxLookup {
  status: TxStatus;
  /** The ordered block (its Raft log index). */
  block: number | null;
  /** Position inside the ordered block. */
  index: number | null;
  /** The chain block holding the transaction once applied. */
  chainBlock: number | null;
  /** Set when the chain refused the ordered transaction (e.g. its nonce was already used). */
  error?: string;
}

/** Answer of `GET /v1/status`. */
export interface NodeStatus {
  id: string;
  role: string;
  term: number;
  leader: string | null;
  commitIndex: number;
  appliedIndex: number;
  pool: string[];
  members: Member[];
  /** The head of this node's block store (number 0 and the zero hash while it is empty). */
  blocks: { number: number; hash: string };
  /** While the block store pulls blocks it lacks from peers: the head it pulls to and progress; else null. */
  catchingUp?: { target: { number: number; hash: string }; stored: number; pulled: number; blocksPerSecond: number } | null;
}

/**
 * What the HTTP API needs from a node. The node implements it; tests use a fake.
 */
export interface OrdererHandle {
  /**
   * Orders a parsed, admitted transaction, deduplicated by hash. Resolves with "ordered" once
   * committed, or "pending" if that takes longer than the node's wait. Throws core's NotLeaderError
   * (the API forwards to the leader), NoEligibleLeaderError (503), NonceConflictError (409) or
   * LeaderUnavailableError (503: leadership lost while waiting).
   */
  submit(tx: ParsedTx): Promise<SubmitResult>;
  /** Where a transaction stands, or undefined when this node has never seen it. */
  lookup(hash: string): Promise<TxLookup | undefined>;
  /** Why the order kept this transaction out (its nonce), when it did and it has not been ordered since. */
  refusal(hash: string): NonceConflictError | undefined;
  /** Aborted as soon as the term or the known leader changes: requests forwarded before re-route. */
  leaderChangeSignal(): AbortSignal;
  status(): NodeStatus;
  /** Base URL (http://host:port) of the leader's API, or null when no leader is known. */
  leaderApiUrl(): string | null;
  /**
   * Up to `limit` stored blocks from `from` (or their linked headers), framed as `blocks/wire.ts` says, and the
   * store's head number. Absent: the node serves no blocks.
   */
  blockPage?(from: number, limit: number, headers: boolean): Promise<{ body: Buffer; count: number; head: number }>;
}
