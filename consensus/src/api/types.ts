import type { ReplicaEvm } from "../config/schema";
import type { NonceConflictError } from "../chain/errors";
import type { ParsedTx } from "../chain/tx";
import type { Member } from "../core";

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
  /** The receipt's status once applied: "reverted" when the transaction ran and reverted. */
  receiptStatus?: "success" | "reverted";
}

/** This node's EVM replica: its chain head and the last ordered block (store number) applied to it. */
export interface ReplicaStatus {
  number: number;
  /** Null until the replica has been read (the node just started) . */
  hash: string | null;
  stateRoot: string | null;
  appliedBlock: number;
  /** The EVM the replica runs on (`chain.evm`): peers on another EVM compare roots, not hashes. */
  evm: ReplicaEvm;
}

/** A chain block of a node's replica, as `GET /v1/replica/blocks/{number}` answers. */
export interface ReplicaBlock {
  number: number;
  hash: string;
  stateRoot: string;
  timestamp: number;
  transactionsRoot: string;
  receiptsRoot: string;
}

/** A replica found to differ from a peer's at some height. */
export interface Divergence {
  peer: string;
  height: number;
  /** What differs: the block hash (a peer on the same EVM) or a field every EVM must agree on. */
  field: DivergenceField;
  mine: string;
  theirs: string;
}

/** The header fields peers compare: the hash on the same EVM, these across EVMs (consensus/README.md). */
export type DivergenceField = "hash" | "timestamp" | "transactionsRoot" | "receiptsRoot";

/** Answer of `POST /v1/clock`: the replicated clock offset after the advance, and the entry that carried it. */
export interface ClockAdvance {
  offsetSeconds: number;
  index: number;
  /** The leader's clock plus the offset when it applied the advance: the earliest timestamp of the next block. */
  now: number;
}

/** A member as `GET /v1/status` lists it: its role, and where it is reached when this node knows. */
export interface MemberStatus extends Member {
  /** `host:port` of its Raft listener. */
  raftAddress?: string;
  apiUrl?: string;
  /** The SHA-256 fingerprint pinned for its peer certificate, when it has one (a joining node pins it too). */
  fingerprint?: string;
}

/** `POST /v1/members`: a node to add to the running cluster, as the operator gives it (validated by `api/members.ts`). */
export interface MemberRequest {
  id: string;
  raftHost: string;
  raftPort: number;
  apiUrl: string;
  /** "pool": a trading-centre voter (may lead); "participant": votes, never campaigns. */
  role: "pool" | "participant";
  /** Pins its peer certificate; without it the consortium CA vouches for its id. */
  fingerprint?: string;
}

/** Answer of a membership change: the configuration entry that carried it, applied on the leader, and the members now. */
export interface MemberChange {
  index: number;
  members: MemberStatus[];
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
  members: MemberStatus[];
  /** The head of this node's block store (number 0 and the zero hash while it is empty). */
  blocks: { number: number; hash: string };
  /** While the block store pulls blocks it lacks from peers: the head it pulls to and progress; else null. */
  catchingUp?: { target: { number: number; hash: string }; stored: number; pulled: number; blocksPerSecond: number } | null;
  /** This node's EVM replica (absent without `chain` in the config). */
  replica?: ReplicaStatus;
}

/**
 * What the HTTP API needs from a node. The node implements it; tests use a fake.
 */
export interface OrdererHandle {
  /**
   * Orders a parsed, admitted transaction, deduplicated by hash. Resolves with "ordered" once
   * committed, or "pending" if that takes longer than the node's wait. Throws core's NotLeaderError
   * (the API forwards to the leader), NoEligibleLeaderError (503), NonceConflictError (409) or
   * LeaderUnavailableError (503: leadership lost while waiting). `admitted` is called as soon as the
   * transaction is taken in (its nonce reserved), before it is ordered: a batch admits the next one then.
   */
  submit(tx: ParsedTx, admitted?: () => void): Promise<SubmitResult>;
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
  /** Chain block `n` of this node's replica; null past its head or without a replica. */
  replicaBlock?(n: number): Promise<ReplicaBlock | null>;
  /** Replicas of peers this one differs from (empty while all agree): a non-empty list fails `/healthz`. */
  divergences?(): Divergence[];
  /** Set while this node's chain node runs another EVM than `chain.evm` names: fails `/healthz` too. */
  wrongEvm?(): { configured: string; running: string; clientVersion: string } | null;
  /**
   * Moves the replicated clock forward (a devnet switch): resolves once the entry is applied here. Throws
   * ClockAdvanceDisabledError (403) when the config does not enable it, NotLeaderError on a follower (forwarded).
   */
  advanceClock?(seconds: number): Promise<ClockAdvance>;
  /**
   * Proposes adding (`addMember`) or removing a member and resolves once the configuration entry applied on the
   * leader. Throws NotLeaderError on a follower (forwarded), ConflictError (409) for an id or address already in use,
   * NotFoundError (404) for an unknown id, BadRequestError (400) for a change the core refuses.
   */
  addMember?(req: MemberRequest): Promise<MemberChange>;
  removeMember?(id: string): Promise<MemberChange>;
}
