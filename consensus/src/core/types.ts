/**
 * Shared types of the improved-Raft core (etcd-io/raft's design). The core is pure: it never touches
 * timers, sockets or disk. Drivers feed it `tick()` and `step(msg)` and drain `Ready` values.
 *
 * This file is the contract between the core (consensus/src/core) and its drivers (storage,
 * transport, node daemon). Change it only with both sides in view.
 */

export type NodeId = string;

/** Who a node is in the consortium; lives in the replicated configuration. */
export type NodeRole = "trading-centre" | "participant" | "learner";

/** `improved`: only trading-centre voters campaign (the paper's pool); `standard`: every voter may. */
export type ElectionMode = "improved" | "standard";

export interface Member {
  id: NodeId;
  role: NodeRole;
}

/** The replicated configuration: members with roles. Learners never vote. */
export interface ConfState {
  members: Member[];
  /**
   * The candidate pool (the paper's `Pool`): the trading-centre voters allowed to campaign in
   * `improved` mode. Absent means every trading-centre voter. Set by the `refreshPool` change.
   */
  pool?: NodeId[];
}

export type EntryType = "normal" | "config";

export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  /** Opaque payload: for the orderer a block of transactions; for `config` a serialized ConfChange. */
  data: Uint8Array;
}

export type ConfChangeOp = "addVoter" | "removeNode" | "addLearner" | "promote" | "setRole" | "refreshPool";

export interface ConfChange {
  op: ConfChangeOp;
  id: NodeId;
  /** Role for addVoter / setRole; refreshPool carries the new candidate pool in `pool`. */
  role?: NodeRole;
  pool?: NodeId[];
}

export interface HardState {
  term: number;
  vote: NodeId | null;
  commit: number;
}

export interface SnapshotMeta {
  index: number;
  term: number;
  conf: ConfState;
}

export interface Snapshot {
  meta: SnapshotMeta;
  data: Uint8Array;
}

export type MessageType =
  | "hup"
  | "propose"
  | "preVote"
  | "preVoteResp"
  | "vote"
  | "voteResp"
  | "append"
  | "appendResp"
  | "heartbeat"
  | "heartbeatResp"
  | "snapshot"
  | "transferLeader"
  | "timeoutNow"
  | "checkQuorum"
  | "catchUp";

export interface Message {
  type: MessageType;
  from: NodeId;
  to: NodeId;
  term: number;
  /** append, catchUp: index/term of the entry before `entries`; appendResp: the last matched index. */
  index?: number;
  logTerm?: number;
  entries?: Entry[];
  commit?: number;
  reject?: boolean;
  /** Fast backtracking hint on a rejected append: conflicting term and its first index. */
  rejectHint?: { term: number; index: number };
  snapshot?: Snapshot;
  /** Leadership transfer target etc. */
  context?: string;
}

export type StateType = "follower" | "preCandidate" | "candidate" | "leader";

export interface SoftState {
  lead: NodeId | null;
  state: StateType;
}

/**
 * Work handed to the driver. Order matters (etcd's contract): persist `hardState`, `entries` and
 * `snapshot` durably first, then send `messages`, then apply `committedEntries`, then `advance()`.
 */
export interface Ready {
  softState?: SoftState;
  hardState?: HardState;
  entries: Entry[];
  snapshot?: Snapshot;
  messages: Message[];
  committedEntries: Entry[];
  /**
   * Whether `hardState`, `entries` and `snapshot` must be durable (fsynced) before `messages` go (etcd-io/raft's
   * MustSync): new entries, a snapshot, or a new term or vote. A hard state that only moves the commit index need not
   * be: after a crash the commit index is learnt again from the leader. Computed once here, for every driver.
   */
  mustSync: boolean;
}
