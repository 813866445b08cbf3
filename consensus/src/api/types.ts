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
}

/**
 * What the HTTP API needs from a node. The node implements it; tests use a fake.
 */
export interface OrdererHandle {
  /**
   * Orders a parsed, admitted transaction, deduplicated by hash. Resolves with "ordered" once
   * committed, or "pending" if that takes longer than the node's wait. Throws core's NotLeaderError
   * (the API forwards to the leader) or NoEligibleLeaderError (503).
   */
  submit(tx: ParsedTx): Promise<SubmitResult>;
  /** Where a transaction stands, or undefined when this node has never seen it. */
  lookup(hash: string): Promise<TxLookup | undefined>;
  status(): NodeStatus;
  /** Base URL (http://host:port) of the leader's API, or null when no leader is known. */
  leaderApiUrl(): string | null;
}
