/**
 * `RawNode`: the driver-facing API of the core (etcd-io/raft's RawNode). The driver calls `tick()`
 * on its clock, `step()` for every received message, and repeatedly drains `ready()`:
 * persist hard state, entries and snapshot; send messages; apply committed entries (calling
 * `applyConfChange` for configuration entries); then `advance()`.
 */
import { resolveConfig, type RaftConfigInput } from "./config";
import { hup } from "./election";
import {
  InvalidConfChangeError,
  LeadershipTransferError,
  NoEligibleLeaderError,
  NotLeaderError,
  ProposalDroppedError,
  RaftError,
  StepPeerNotFoundError,
} from "./errors";
import { appendEntries, bcastAppend, commitOwed, flushCommit, leaderPersisted } from "./leader";
import { applyConfChangeTo, candidatePool, canCampaign, encodeConfChange } from "./membership";
import { Raft } from "./raft";
import { cloneConf, type Storage } from "./storage";
import type { ConfChange, ConfState, Entry, EntryType, HardState, Message, NodeId, Ready, SoftState, StateType } from "./types";

export interface ProposalRef {
  index: number;
  term: number;
}

export interface ProgressStatus {
  match: number;
  next: number;
  state: string;
}

export interface Status {
  id: NodeId;
  term: number;
  vote: NodeId | null;
  lead: NodeId | null;
  state: StateType;
  commit: number;
  applied: number;
  lastIndex: number;
  conf: ConfState;
  pool: NodeId[];
  leadTransferee: NodeId | null;
  /** The leader's view of every member; empty on followers. */
  progress: Record<NodeId, ProgressStatus>;
}

/** How the driver persisted a Ready (see `RawNode.advance`). */
export interface AdvanceOptions {
  /**
   * False: the Ready's entries and hard state are written (storage serves them) but not yet
   * durable; the driver calls `synced()` once they are. Only a leader's Ready without a snapshot
   * or a new term or vote may be advanced so (thesis §10.2.1).
   */
  synced?: boolean;
}

const LOCAL_TYPES = new Set(["hup", "checkQuorum", "propose"]);
const RESPONSE_TYPES = new Set(["appendResp", "heartbeatResp", "voteResp", "preVoteResp"]);

function sameHard(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

export class RawNode {
  private readonly raft: Raft;
  private prevSoft: SoftState;
  private prevHard: HardState;
  private pendingReady = false;

  constructor(cfg: RaftConfigInput, storage: Storage) {
    this.raft = new Raft(resolveConfig(cfg), storage);
    this.prevSoft = this.raft.softState();
    this.prevHard = this.raft.hardState();
  }

  get id(): NodeId {
    return this.raft.id;
  }

  tick(): void {
    this.raft.tick();
  }

  /**
   * Feeds a message received from a peer. Local-only message types are refused (RaftError); a response from a node
   * outside the configuration throws StepPeerNotFoundError and changes nothing.
   */
  step(m: Message): void {
    if (LOCAL_TYPES.has(m.type)) throw new RaftError(`cannot step local message type ${m.type}`);
    // Responses from nodes outside the configuration carry nothing the core can use: said, not swallowed.
    if (RESPONSE_TYPES.has(m.type) && !this.raft.prs.has(m.from)) throw new StepPeerNotFoundError(m.from, m.type);
    this.raft.step(m);
  }

  /** Starts an election now (subject to the pool gate); false when this node may not campaign. */
  campaign(): boolean {
    return hup(this.raft, false);
  }

  /** Appends `data` to the log if this node leads; throws a `ProposalDroppedError` subclass otherwise. */
  propose(data: Uint8Array): ProposalRef {
    const r = this.raft;
    if (r.state === "leader" && !canCampaign(r.conf, r.id, r.cfg.mode)) {
      // A leader outside the pool is only handing over; growing the log now could leave every pool
      // member too far behind to be elected once it is gone.
      if (r.leaderlessTicks >= this.noLeaderLimit()) {
        throw new NoEligibleLeaderError(`${r.id} is outside the candidate pool and no pool member can take over`);
      }
      throw new ProposalDroppedError(`${r.id} is outside the candidate pool and is handing over leadership`);
    }
    return this.appendProposal("normal", data);
  }

  /** Proposes one configuration change; only one may be pending (uncommitted or unapplied) at a time. */
  proposeConfChange(cc: ConfChange): ProposalRef {
    const r = this.raft;
    this.requireLeader();
    if (r.pendingConfIndex > r.log.applied) {
      throw new ProposalDroppedError(`configuration change at ${r.pendingConfIndex} is not applied yet`);
    }
    let next: ConfState;
    try {
      next = applyConfChangeTo(r.conf, cc, r.cfg.mode);
    } catch (e) {
      throw new InvalidConfChangeError((e as Error).message, { cause: e });
    }
    this.requireElectablePool(next);
    const ref = this.appendProposal("config", encodeConfChange(cc));
    r.pendingConfIndex = ref.index;
    return ref;
  }

  /** Applies a committed configuration entry; returns the configuration now in force. */
  applyConfChange(cc: ConfChange): ConfState {
    return this.raft.applyConfChange(cc);
  }

  /** Asks the leader to hand leadership to `to` (which must be allowed to campaign). */
  transferLeadership(to: NodeId): void {
    const r = this.raft;
    if (r.state !== "leader") throw new LeadershipTransferError(`${r.id} is not the leader`);
    if (!canCampaign(r.conf, to, r.cfg.mode)) {
      throw new LeadershipTransferError(`${to} may not lead: not a ${r.cfg.mode === "improved" ? "pool " : ""}voter`);
    }
    r.step({ type: "transferLeader", from: to, to: r.id, term: r.term });
  }

  /**
   * With `lazyCommit`: true while this node leads and some follower has not been told the commit
   * index for entries it holds. The driver then calls `flushCommit()` after a short delay.
   */
  commitPending(): boolean {
    return commitOwed(this.raft);
  }

  /** Sends the commit index to the followers still owed it (a no-op when none is, or not leading). */
  flushCommit(): void {
    flushCommit(this.raft);
  }

  /** Reports the outcome of sending a snapshot; on failure the follower is probed again. */
  reportSnapshot(id: NodeId, ok: boolean): void {
    const pr = this.raft.prs.get(id);
    if (this.raft.state !== "leader" || pr === undefined || pr.state !== "snapshot") return;
    if (!ok) pr.pendingSnapshot = 0;
    pr.becomeProbe();
    pr.probeSent = true;
  }

  hasReady(): boolean {
    const r = this.raft;
    const soft = r.softState();
    return (
      soft.lead !== this.prevSoft.lead ||
      soft.state !== this.prevSoft.state ||
      !sameHard(r.hardState(), this.prevHard) ||
      r.log.unstable.entries.length > 0 ||
      r.log.unstable.snapshot !== undefined ||
      r.msgs.length > 0 ||
      r.log.hasNextEnts()
    );
  }

  ready(): Ready {
    if (this.pendingReady) throw new RaftError("advance() the previous Ready before asking for another");
    const r = this.raft;
    const rd: Ready = {
      entries: [...r.log.unstable.entries],
      messages: r.msgs,
      committedEntries: r.log.nextEnts(),
      mustSync: false,
    };
    const soft = r.softState();
    if (soft.lead !== this.prevSoft.lead || soft.state !== this.prevSoft.state) rd.softState = soft;
    const hard = r.hardState();
    if (!sameHard(hard, this.prevHard)) rd.hardState = hard;
    if (r.log.unstable.snapshot) rd.snapshot = r.log.unstable.snapshot;
    rd.mustSync = rd.entries.length > 0 || rd.snapshot !== undefined || hard.term !== this.prevHard.term || hard.vote !== this.prevHard.vote;
    r.msgs = [];
    this.prevSoft = soft;
    this.pendingReady = true;
    return rd;
  }

  /**
   * The driver has handled `rd`. By default its writes are durable; with `{ synced: false }` they
   * are only written, and the leader counts its own copy once `synced()` says so, while commits
   * from a quorum of followers' durable copies go ahead meanwhile. The log is written in order, so
   * a Ready whose entries or snapshot were made durable makes every earlier write durable too.
   */
  advance(rd: Ready, opts: AdvanceOptions = {}): void {
    const synced = opts.synced ?? true;
    const log = this.raft.log;
    const hs = rd.hardState;
    const termOrVote = hs !== undefined && (hs.term !== this.prevHard.term || hs.vote !== this.prevHard.vote);
    if (!synced) this.requireUnsyncedAllowed(rd, termOrVote);
    if (hs) this.prevHard = hs;
    if (rd.snapshot) {
      log.unstable.stableSnapTo(rd.snapshot.meta.index);
      if (rd.snapshot.meta.index > log.applied) log.applied = rd.snapshot.meta.index;
    }
    if (rd.committedEntries.length > 0) log.appliedTo(rd.committedEntries[rd.committedEntries.length - 1].index);
    if (rd.entries.length > 0) {
      const last = rd.entries[rd.entries.length - 1];
      log.unstable.stableTo(last.index, last.term);
      if (!synced) log.markUnsynced(rd.entries[0].index);
    }
    if (synced && rd.mustSync) log.markSynced();
    leaderPersisted(this.raft);
    this.pendingReady = false;
  }

  /**
   * Writes advanced with `synced: false` are durable now: those holding entries up to `upTo`, or
   * all of them when it is omitted. (A driver whose fsync covers only what it had written when
   * the fsync began reports that last index.)
   */
  synced(upTo?: number): void {
    this.raft.log.markSynced(upTo);
    leaderPersisted(this.raft);
  }

  /** Whether writes advanced with `synced: false` still await `synced()`. */
  get syncPending(): boolean {
    return this.raft.log.hasUnsynced;
  }

  private requireUnsyncedAllowed(rd: Ready, termOrVote: boolean): void {
    const r = this.raft;
    // A follower's acknowledgement or a vote must never rest on an unsynced write: only a
    // leader's own appends may, because the core does not count them until `synced()`.
    if (r.state !== "leader" || rd.snapshot !== undefined || termOrVote) {
      throw new RaftError("only a leader's Ready without a snapshot or a new term or vote may advance unsynced");
    }
  }

  /** Whether this node leads right now (what `status().state` says, without building the status). */
  get isLeader(): boolean {
    return this.raft.state === "leader";
  }

  status(): Status {
    const r = this.raft;
    const progress: Record<NodeId, ProgressStatus> = {};
    if (r.state === "leader") {
      for (const [id, pr] of r.prs) progress[id] = { match: pr.match, next: pr.next, state: pr.state };
    }
    return {
      id: r.id,
      term: r.term,
      vote: r.vote,
      lead: r.lead,
      state: r.state,
      commit: r.log.committed,
      applied: r.log.applied,
      lastIndex: r.log.lastIndex(),
      conf: cloneConf(r.conf),
      pool: candidatePool(r.conf),
      leadTransferee: r.leadTransferee,
      progress,
    };
  }

  /**
   * In improved mode only pool members can be elected, and only with an up-to-date log. A change
   * whose pool holds neither this leader nor a live, caught-up member could leave the cluster with
   * no electable node once this leader goes away, so it is refused.
   */
  private requireElectablePool(next: ConfState): void {
    const r = this.raft;
    if (r.cfg.mode !== "improved") return;
    const pool = candidatePool(next);
    if (pool.includes(r.id)) return;
    const last = r.log.lastIndex();
    const ok = pool.some((id) => {
      const pr = r.prs.get(id);
      return pr !== undefined && pr.recentActive && pr.match === last;
    });
    if (!ok) {
      throw new InvalidConfChangeError(
        `pool [${pool.join(",")}] has no live, caught-up member to take over from ${r.id}`,
      );
    }
  }

  /** One lease plus the longest randomized election timeout: enough for any live pool node to win. */
  private noLeaderLimit(): number {
    const c = this.raft.cfg;
    return Math.ceil(c.electionTick * (1 + c.electionSpread)) + c.electionTick;
  }

  private requireLeader(): void {
    const r = this.raft;
    if (r.state === "leader") {
      if (r.leadTransferee !== null) {
        throw new ProposalDroppedError(`leadership transfer to ${r.leadTransferee} in progress`);
      }
      if (!r.prs.has(r.id)) throw new ProposalDroppedError(`${r.id} was removed from the configuration`);
      return;
    }
    if (r.hasLiveLeader()) throw new NotLeaderError(r.lead);
    if (r.conf.members.length === 0) {
      throw new ProposalDroppedError(`${r.id} has not received a configuration yet (joining)`);
    }
    if (r.cfg.mode === "improved" && candidatePool(r.conf).length === 0) {
      throw new NoEligibleLeaderError("no leader: the candidate pool is empty");
    }
    if (r.leaderlessTicks >= this.noLeaderLimit()) {
      throw new NoEligibleLeaderError(
        `no leader for ${r.leaderlessTicks} ticks: no ${r.cfg.mode === "improved" ? "candidate-pool " : ""}node can win an election`,
      );
    }
    throw new ProposalDroppedError("no leader yet: an election is in progress; retry shortly");
  }

  private appendProposal(type: EntryType, data: Uint8Array): ProposalRef {
    this.requireLeader();
    const r = this.raft;
    const e: Entry = { term: 0, index: 0, type, data };
    const index = appendEntries(r, [e]);
    bcastAppend(r);
    return { index, term: r.term };
  }
}
