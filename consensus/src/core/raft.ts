/**
 * The Raft state machine (etcd-io/raft's `raft` struct): terms, roles, timers counted in ticks, and
 * the dispatch of every message. Election, leader and follower logic live in their own modules.
 * Pure and deterministic: no timers, I/O or ambient randomness (`cfg.random` is injected).
 */
import type { RaftConfig } from "./config";
import { campaign, handleVoteRequest, hup, stepCandidate } from "./election";
import { InvariantError } from "./errors";
import { stepFollower } from "./follower";
import { bcastAppend, maybeCommit, stepLeader, transferAwayIfIneligible, appendEntries, tickSnapshots } from "./leader";
import { RaftLog } from "./log";
import { applyConfChangeTo, canCampaign, isVoter } from "./membership";
import { Progress } from "./progress";
import type { Storage } from "./storage";
import type { ConfChange, ConfState, Entry, HardState, Message, NodeId, SoftState, StateType } from "./types";

/** `Message.context` marking a vote forced by leadership transfer (it overrides the lease). */
export const CAMPAIGN_TRANSFER = "transfer";

export type OutMessage = Omit<Message, "from" | "term"> & { term?: number };

export class Raft {
  readonly id: NodeId;
  term = 0;
  vote: NodeId | null = null;
  lead: NodeId | null = null;
  state: StateType = "follower";
  readonly log: RaftLog;
  conf: ConfState;
  prs = new Map<NodeId, Progress>();
  msgs: Message[] = [];
  votes = new Map<NodeId, boolean>();
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  /**
   * Ticks spent without a live, eligible leader: on followers, no leader contact for a whole election
   * timeout; on a leader, being outside the candidate pool (or the voters) without having handed over.
   */
  leaderlessTicks = 0;
  leadTransferee: NodeId | null = null;
  /** Index of the latest configuration entry proposed by this leader; one change at a time. */
  pendingConfIndex = 0;

  constructor(readonly cfg: RaftConfig, storage: Storage) {
    this.id = cfg.id;
    this.log = new RaftLog(storage);
    const { hardState, conf } = storage.initialState();
    this.conf = conf;
    this.loadState(hardState);
    if (cfg.applied !== undefined && cfg.applied > this.log.applied) this.log.appliedTo(cfg.applied);
    this.becomeFollower(this.term, null);
  }

  private loadState(hs: HardState): void {
    if (hs.commit > this.log.lastIndex()) {
      throw new InvariantError(`hard state commit ${hs.commit} beyond last index ${this.log.lastIndex()}`);
    }
    // A snapshot only ever holds committed entries, so a hard state older than the snapshot (a crash
    // between installing it and saving the hard state) still commits up to the snapshot.
    this.log.committed = Math.max(hs.commit, this.log.committed);
    this.term = hs.term;
    this.vote = hs.vote;
  }

  softState(): SoftState {
    return { lead: this.lead, state: this.state };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  /** May this node start (pre-)elections or accept a leadership transfer? The paper's pool gate. */
  promotable(): boolean {
    return canCampaign(this.conf, this.id, this.cfg.mode);
  }

  send(m: OutMessage): void {
    const isVoteMsg = m.type === "vote" || m.type === "preVote" || m.type === "voteResp" || m.type === "preVoteResp";
    if (isVoteMsg && m.term === undefined) throw new InvariantError(`${m.type} needs an explicit term`);
    this.msgs.push({ ...m, from: this.id, term: isVoteMsg ? (m.term as number) : this.term });
  }

  // ---- role transitions -------------------------------------------------------------------------

  reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = null;
    }
    this.lead = null;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.leadTransferee = null;
    this.votes.clear();
    this.resetProgress();
    this.pendingConfIndex = 0;
  }

  private resetProgress(): void {
    const next = this.log.lastIndex() + 1;
    this.prs = new Map();
    for (const m of this.conf.members) {
      const pr = new Progress(next, this.cfg.maxInflight);
      if (m.id === this.id) pr.match = this.log.durableLastIndex();
      this.prs.set(m.id, pr);
    }
  }

  /**
   * In (electionTick, electionTick + span]: strictly longer than the lease (CheckQuorum), not
   * [electionTick, …) as in etcd. Nodes tick on their own clocks, up to a tick apart, so a timeout of
   * exactly electionTick ticks can fire while a peer that heard the same last heartbeat still holds
   * its lease and ignores the PreVote — costing a whole extra timeout before the next try.
   */
  private resetRandomizedElectionTimeout(): void {
    const et = this.cfg.electionTick;
    const span = Math.max(1, Math.round(et * this.cfg.electionSpread));
    this.randomizedElectionTimeout = et + 1 + Math.floor(this.cfg.random() * span);
  }

  becomeFollower(term: number, lead: NodeId | null): void {
    this.reset(term);
    this.lead = lead;
    this.state = "follower";
    if (lead !== null) this.leaderlessTicks = 0;
  }

  becomePreCandidate(): void {
    if (this.state === "leader") throw new InvariantError("leader cannot become pre-candidate");
    // PreVote must not disturb term or vote: a node that cannot win leaves no trace.
    this.votes.clear();
    this.resetProgress();
    this.lead = null;
    this.state = "preCandidate";
  }

  becomeCandidate(): void {
    if (this.state === "leader") throw new InvariantError("leader cannot become candidate");
    this.reset(this.term + 1);
    this.vote = this.id;
    this.state = "candidate";
  }

  becomeLeader(): void {
    if (this.state === "follower") throw new InvariantError("follower cannot become leader");
    this.reset(this.term);
    this.lead = this.id;
    this.state = "leader";
    this.leaderlessTicks = 0;
    this.prs.get(this.id)?.becomeReplicate();
    // Configuration entries still unapplied count as pending: no new change until they are applied.
    this.pendingConfIndex = this.log.lastIndex();
    // An entry of the new term commits everything before it (Figure 8: older terms commit indirectly).
    appendEntries(this, [{ term: 0, index: 0, type: "normal", data: new Uint8Array(0) }]);
  }

  // ---- time -------------------------------------------------------------------------------------

  tick(): void {
    if (this.state === "leader") this.tickHeartbeat();
    else this.tickElection();
  }

  /** A follower's leader counts as live while it was heard from within one election timeout. */
  hasLiveLeader(): boolean {
    if (this.state === "leader") return true;
    return this.lead !== null && this.electionElapsed < this.cfg.electionTick;
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.hasLiveLeader()) this.leaderlessTicks = 0;
    else this.leaderlessTicks++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.step({ type: "hup", from: this.id, to: this.id, term: 0 });
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    // A leader outside the pool that cannot hand over counts as "no eligible leader" too.
    if (this.promotable()) this.leaderlessTicks = 0;
    else this.leaderlessTicks++;
    tickSnapshots(this);
    if (this.electionElapsed >= this.cfg.electionTick) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum) this.step({ type: "checkQuorum", from: this.id, to: this.id, term: 0 });
      if (this.state !== "leader") return;
      if (this.leadTransferee !== null) this.leadTransferee = null;
      transferAwayIfIneligible(this);
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTick) {
      this.heartbeatElapsed = 0;
      this.step({ type: "heartbeat", from: this.id, to: this.id, term: 0 });
    }
  }

  // ---- messages ---------------------------------------------------------------------------------

  step(m: Message): void {
    if (!this.checkTerm(m)) return;
    switch (m.type) {
      case "hup":
        hup(this, false);
        return;
      case "vote":
      case "preVote":
        handleVoteRequest(this, m);
        return;
    }
    switch (this.state) {
      case "leader":
        stepLeader(this, m);
        return;
      case "candidate":
      case "preCandidate":
        stepCandidate(this, m);
        return;
      case "follower":
        stepFollower(this, m);
        return;
    }
  }

  /** Term bookkeeping shared by all states (Raft §5.1, plus PreVote and lease rules); false = drop. */
  private checkTerm(m: Message): boolean {
    if (m.term === 0) return true;
    if (m.term > this.term) {
      if (m.type === "vote" || m.type === "preVote") {
        const force = m.context === CAMPAIGN_TRANSFER;
        const inLease = this.cfg.checkQuorum && this.lead !== null && this.electionElapsed < this.cfg.electionTick;
        // Lease (CheckQuorum): while our leader is live, a (pre)vote from elsewhere is ignored, so a
        // rejoining partitioned node cannot depose a healthy leader.
        if (!force && inLease) return false;
      }
      if (m.type === "preVote" || (m.type === "preVoteResp" && !m.reject)) return true;
      const fromLeader = m.type === "append" || m.type === "heartbeat" || m.type === "snapshot";
      this.becomeFollower(m.term, fromLeader ? m.from : null);
      return true;
    }
    if (m.term < this.term) {
      // A catch-up claims no leadership: its entries' terms are at most its (lower) term, so it is safe to use.
      if (m.type === "catchUp") return true;
      if ((this.cfg.checkQuorum || this.cfg.preVote) && (m.type === "heartbeat" || m.type === "append")) {
        // Tell a stale leader about the newer term so it steps down; with CheckQuorum/PreVote the
        // stale node may otherwise never learn it (we ignore its campaigns while we have a leader).
        this.send({ type: "appendResp", to: m.from });
      } else if (m.type === "preVote") {
        this.send({ type: "preVoteResp", to: m.from, term: this.term, reject: true });
      }
      return false;
    }
    return true;
  }

  // ---- configuration ----------------------------------------------------------------------------

  /** Applies a committed configuration entry (etcd: changes take effect when applied). */
  applyConfChange(cc: ConfChange): ConfState {
    let next: ConfState;
    try {
      next = applyConfChangeTo(this.conf, cc, this.cfg.mode);
    } catch {
      // An invalid change that reached the log (validated against another configuration) is a no-op,
      // identically on every node, so the cluster cannot wedge on it.
      return this.conf;
    }
    this.conf = next;
    this.syncProgress();
    if (this.state === "leader") this.afterLeaderConfChange();
    return this.conf;
  }

  private syncProgress(): void {
    const ids = new Set(this.conf.members.map((m) => m.id));
    for (const id of [...this.prs.keys()]) if (!ids.has(id)) this.prs.delete(id);
    for (const id of ids) {
      if (!this.prs.has(id)) this.prs.set(id, new Progress(this.log.lastIndex() + 1, this.cfg.maxInflight));
    }
  }

  private afterLeaderConfChange(): void {
    if (this.leadTransferee !== null && !isVoter(this.conf, this.leadTransferee)) this.leadTransferee = null;
    // A leader that is no longer a voter (or, in improved mode, no longer in the pool) keeps leading
    // without counting itself until it has caught a successor up and handed over: stepping down at
    // once could leave only stale-logged nodes eligible (thesis §6: the leader manages Cnew).
    if (maybeCommit(this)) bcastAppend(this);
    transferAwayIfIneligible(this);
  }

  /** Configuration entries committed but not yet applied: campaigning now could use a stale configuration. */
  hasUnappliedConfChanges(): boolean {
    if (this.log.committed <= this.log.applied) return false;
    const ents: Entry[] = this.log.slice(Math.max(this.log.applied + 1, this.log.firstIndex()), this.log.committed + 1);
    return ents.some((e) => e.type === "config");
  }

  startCampaign(transfer: boolean): void {
    campaign(this, transfer ? "transfer" : this.cfg.preVote ? "preElection" : "election");
  }
}
