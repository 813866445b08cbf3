/**
 * Typed errors of the Raft core. Every error carries an optional `cause` so drivers can wrap and
 * rethrow without losing the original reason.
 */
import type { NodeId } from "./types";

export class RaftError extends Error {
  override readonly cause?: unknown;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message);
    this.name = new.target.name;
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** Invalid core configuration or membership. */
export class ConfigError extends RaftError {}

/** The requested log index lies before the storage's first index (it was compacted away). */
export class CompactedError extends RaftError {
  constructor(readonly index: number, options?: { cause?: unknown }) {
    super(`log index ${index} is compacted`, options);
  }
}

/** The requested log index lies beyond the storage's last index. */
export class UnavailableError extends RaftError {
  constructor(readonly index: number, options?: { cause?: unknown }) {
    super(`log index ${index} is unavailable`, options);
  }
}

/** A snapshot older than the current one was offered, or the storage is otherwise inconsistent. */
export class SnapshotOutOfDateError extends RaftError {}

/** A proposal was not appended to the log; the client may retry elsewhere or later. */
export class ProposalDroppedError extends RaftError {}

/** This node is not the leader; `leader` names the known leader (null when unknown). */
export class NotLeaderError extends ProposalDroppedError {
  constructor(readonly leader: NodeId | null, options?: { cause?: unknown }) {
    super(leader === null ? "not the leader; no leader known" : `not the leader; leader is ${leader}`, options);
  }
}

/**
 * No leader exists and none can currently be elected: the candidate pool is empty, or no pool node
 * has been heard from (or won) for at least two election timeouts. Retrying immediately is pointless.
 */
export class NoEligibleLeaderError extends ProposalDroppedError {}

/**
 * `step` was given a response from a node outside the configuration (etcd-io/raft's `ErrStepPeerNotFound`): a late
 * answer from a removed member, or a sender the driver should not have let through. Nothing changed; the driver
 * counts it and goes on.
 */
export class StepPeerNotFoundError extends RaftError {
  constructor(readonly peer: NodeId, readonly messageType: string) {
    super(`${messageType} from ${peer}, which is not in the configuration`);
  }
}

/** A configuration change that is malformed or not allowed against the current configuration. */
export class InvalidConfChangeError extends RaftError {}

/** A leadership transfer request that cannot be honoured (not leader, ineligible target, ...). */
export class LeadershipTransferError extends RaftError {}

/** An internal invariant was broken (for example a committed entry would be overwritten). */
export class InvariantError extends RaftError {}
