/**
 * The leader: log replication with flow control and fast backtracking (§5.3), the commit rule
 * (§5.4.2, Figure 8), heartbeats, CheckQuorum, snapshots to lagging followers (§7) and
 * leadership transfer (thesis §3.10).
 */
import { CompactedError } from "./errors";
import { candidatePool, canCampaign, isVoter, quorum, voters } from "./membership";
import type { Progress } from "./progress";
import type { Raft } from "./raft";
import type { Entry, Message, NodeId } from "./types";

/**
 * Appends entries at the leader's current term; returns the last index. The leader does not count
 * itself for these entries yet: its own match index advances only once the driver reports them
 * durable (`leaderPersisted`, from `advance()`), so the driver may write them in parallel with
 * replicating them (thesis §10.2.1) and commit still needs a majority of durable copies.
 */
export function appendEntries(r: Raft, es: Entry[]): number {
  let li = r.log.lastIndex();
  const stamped = es.map((e, i) => ({ ...e, term: r.term, index: li + 1 + i }));
  li = r.log.append(stamped);
  return li;
}

/** The driver has persisted the leader's log up to `durableLastIndex()`: count the leader's own copy. */
export function leaderPersisted(r: Raft): void {
  if (r.state !== "leader") return;
  const pr = r.prs.get(r.id);
  if (pr === undefined || !pr.maybeUpdate(r.log.durableLastIndex())) return;
  if (maybeCommit(r)) bcastCommit(r);
}

/** Advances the commit index to the highest index a quorum holds, only if that entry is of our term. */
export function maybeCommit(r: Raft): boolean {
  const vs = voters(r.conf);
  if (vs.length === 0) return false;
  // A typed array sorts numerically without a comparator (this runs on every acknowledgement).
  const matches = new Float64Array(vs.length);
  vs.forEach((id, i) => (matches[i] = r.prs.get(id)?.match ?? 0));
  matches.sort();
  const mci = matches[vs.length - quorum(vs.length)];
  // Figure 8: an entry from an earlier term is never committed by counting replicas.
  if (mci > r.log.committed && r.log.zeroTermOnCompacted(mci) === r.term) {
    r.log.commitTo(mci);
    return true;
  }
  return false;
}

export function bcastAppend(r: Raft): void {
  for (const id of r.prs.keys()) if (id !== r.id) sendAppend(r, id);
}

/**
 * Tells the followers about a new commit index: with entries where there are any to send, else
 * (unless `lazyCommit` defers it to `flushCommit`) in an empty append.
 */
function bcastCommit(r: Raft): void {
  for (const id of r.prs.keys()) {
    if (id === r.id || maybeSendAppend(r, id, false) || r.cfg.lazyCommit) continue;
    sendAppend(r, id);
  }
}

/**
 * Some follower we may send to holds committed entries it has not been told are committed. (A
 * paused one learns it from the heartbeat or the append that unpauses it.)
 */
export function commitOwed(r: Raft): boolean {
  if (r.state !== "leader") return false;
  for (const [id, pr] of r.prs) if (owesCommit(r, id, pr)) return true;
  return false;
}

/** Sends the commit index to every follower still owed it (see `RaftConfig.lazyCommit`). */
export function flushCommit(r: Raft): void {
  if (r.state !== "leader") return;
  for (const [id, pr] of r.prs) if (owesCommit(r, id, pr)) sendAppend(r, id);
}

const owesCommit = (r: Raft, id: NodeId, pr: Progress): boolean =>
  id !== r.id && !pr.isPaused() && pr.commitOwed(r.log.committed);

export function sendAppend(r: Raft, to: NodeId): void {
  maybeSendAppend(r, to, true);
}

/** Sends the next batch to `to`; with `sendIfEmpty` false, only when there is something to send. */
export function maybeSendAppend(r: Raft, to: NodeId, sendIfEmpty: boolean): boolean {
  const pr = r.prs.get(to);
  if (pr === undefined || pr.isPaused()) return false;
  let prevTerm: number;
  let ents: Entry[];
  try {
    prevTerm = r.log.term(pr.next - 1);
    ents = r.log.entriesFrom(pr.next, r.cfg.maxSizePerMsg);
  } catch (e) {
    if (e instanceof CompactedError) return sendSnapshot(r, to);
    throw e;
  }
  if (ents.length === 0 && !sendIfEmpty) return false;
  r.send({ type: "append", to, index: pr.next - 1, logTerm: prevTerm, entries: ents, commit: r.log.committed });
  // The follower commits no further than the last entry this append leaves it holding.
  pr.commitSent(Math.min(r.log.committed, pr.next - 1 + ents.length));
  if (ents.length > 0) pr.sentEntries(ents[ents.length - 1].index);
  else if (pr.state === "probe") pr.probeSent = true;
  return true;
}

function sendSnapshot(r: Raft, to: NodeId): boolean {
  const pr = r.prs.get(to);
  // A follower we have not heard from lately may be down: do not ship it a whole snapshot.
  if (pr === undefined || !pr.recentActive) return false;
  const snapshot = r.log.snapshot();
  if (snapshot.meta.index === 0) return false;
  r.send({ type: "snapshot", to, snapshot });
  pr.becomeSnapshot(snapshot.meta.index);
  return true;
}

function bcastHeartbeat(r: Raft): void {
  for (const [id, pr] of r.prs) {
    if (id === r.id) continue;
    // Never tell a follower to commit past what it is known to hold.
    const commit = Math.min(pr.match, r.log.committed);
    r.send({ type: "heartbeat", to: id, commit });
    pr.commitSent(commit);
  }
}

function quorumActive(r: Raft): boolean {
  const vs = voters(r.conf);
  let active = 0;
  for (const id of vs) {
    const pr = r.prs.get(id);
    if (id === r.id || pr?.recentActive) active++;
  }
  for (const [id, pr] of r.prs) if (id !== r.id) pr.recentActive = false;
  return active >= quorum(vs.length);
}

export function stepLeader(r: Raft, m: Message): void {
  switch (m.type) {
    case "heartbeat":
      if (m.term === 0) bcastHeartbeat(r);
      return;
    case "checkQuorum":
      // CheckQuorum: without contact from a quorum for an election timeout, step down so clients
      // stop talking to a leader that can no longer commit.
      if (!quorumActive(r)) r.becomeFollower(r.term, null);
      return;
    case "appendResp":
      handleAppendResp(r, m);
      return;
    case "heartbeatResp":
      handleHeartbeatResp(r, m);
      return;
    case "transferLeader":
      handleTransferLeader(r, m.from);
      return;
    default:
      return;
  }
}

function handleAppendResp(r: Raft, m: Message): void {
  const pr = r.prs.get(m.from);
  if (pr === undefined) return;
  pr.recentActive = true;
  if (m.reject) {
    const hint = m.rejectHint ?? { index: 0, term: 0 };
    let nextProbe = hint.index;
    // Fast backtracking: skip the follower's whole conflicting term in one round trip.
    if (hint.term > 0) nextProbe = r.log.findConflictByTerm(hint.index, hint.term).index;
    if (pr.maybeDecrTo(m.index ?? 0, nextProbe)) {
      if (pr.state === "replicate") pr.becomeProbe();
      sendAppend(r, m.from);
    }
    return;
  }
  const oldPaused = pr.isPaused();
  if (!pr.maybeUpdate(m.index ?? 0)) return;
  if (pr.state === "probe") pr.becomeReplicate();
  else if (pr.state === "snapshot" && pr.match >= pr.pendingSnapshot) {
    pr.becomeProbe();
    pr.becomeReplicate();
  } else if (pr.state === "replicate") pr.freeInflightsTo(pr.match);
  if (maybeCommit(r)) bcastCommit(r);
  else if (oldPaused) sendAppend(r, m.from);
  while (maybeSendAppend(r, m.from, false)) {
    /* drain while the window allows */
  }
  if (m.from === r.leadTransferee && pr.match === r.log.lastIndex()) {
    r.send({ type: "timeoutNow", to: m.from });
  }
}

function handleHeartbeatResp(r: Raft, m: Message): void {
  const pr = r.prs.get(m.from);
  if (pr === undefined) return;
  pr.recentActive = true;
  pr.probeSent = false;
  // A full window whose acks were lost would stall forever: free one slot per heartbeat round.
  if (pr.state === "replicate" && pr.isPaused()) pr.inflights.shift();
  if (pr.match < r.log.lastIndex()) sendAppend(r, m.from);
}

function handleTransferLeader(r: Raft, transferee: NodeId): void {
  if (!canCampaign(r.conf, transferee, r.cfg.mode)) return;
  if (r.leadTransferee !== null) {
    if (r.leadTransferee === transferee) return;
    r.leadTransferee = null;
  }
  if (transferee === r.id) return;
  const pr = r.prs.get(transferee);
  if (pr === undefined) return;
  r.leadTransferee = transferee;
  // The transfer must finish within an election timeout, or it is aborted (see tickHeartbeat).
  r.electionElapsed = 0;
  if (pr.match === r.log.lastIndex()) r.send({ type: "timeoutNow", to: transferee });
  else sendAppend(r, transferee);
}

/** Leader ticks the snapshot-retry clocks: a lost snapshot is retried after an election timeout. */
export function tickSnapshots(r: Raft): void {
  for (const pr of r.prs.values()) {
    if (pr.state !== "snapshot") continue;
    if (++pr.snapshotElapsed >= r.cfg.electionTick) pr.becomeProbe();
  }
}

/**
 * In improved mode a leader outside the candidate pool (after a pool refresh or role change) hands
 * leadership to the most up-to-date pool member, so that only pool members lead. On a tie the first in the members'
 * order wins (strict `>`), so which trading centre takes over is predictable.
 */
export function transferAwayIfIneligible(r: Raft): void {
  if (r.state !== "leader" || r.leadTransferee !== null) return;
  if (isVoter(r.conf, r.id) && canCampaign(r.conf, r.id, r.cfg.mode)) return;
  let best: NodeId | null = null;
  let bestMatch = -1;
  const candidates = r.cfg.mode === "improved" ? candidatePool(r.conf) : voters(r.conf);
  for (const id of candidates) {
    const pr = r.prs.get(id);
    if (id === r.id || pr === undefined) continue;
    if (pr.match > bestMatch) {
      best = id;
      bestMatch = pr.match;
    }
  }
  if (best !== null) handleTransferLeader(r, best);
}
