/**
 * The follower side of replication: AppendEntries (§5.3), heartbeats, InstallSnapshot (§7), and
 * leadership-transfer wake-ups.
 */
import { handleCatchUp } from "./catchup";
import { hup } from "./election";
import { cloneConf } from "./storage";
import type { Raft } from "./raft";
import type { Message } from "./types";

function heardFromLeader(r: Raft, m: Message): void {
  r.electionElapsed = 0;
  r.lead = m.from;
  r.leaderlessTicks = 0;
}

export function stepFollower(r: Raft, m: Message): void {
  switch (m.type) {
    case "append":
      heardFromLeader(r, m);
      handleAppend(r, m);
      return;
    case "heartbeat":
      heardFromLeader(r, m);
      handleHeartbeat(r, m);
      return;
    case "snapshot":
      heardFromLeader(r, m);
      handleSnapshot(r, m);
      return;
    case "transferLeader":
      if (r.lead !== null) r.msgs.push({ ...m, to: r.lead });
      return;
    case "catchUp":
      handleCatchUp(r, m);
      return;
    case "timeoutNow":
      // Leadership transfer: campaign at once, skipping PreVote; `hup` still applies the pool gate.
      hup(r, true);
      return;
    default:
      return;
  }
}

export function handleAppend(r: Raft, m: Message): void {
  const index = m.index ?? 0;
  if (index < r.log.committed) {
    r.send({ type: "appendResp", to: m.from, index: r.log.committed });
    return;
  }
  const last = r.log.maybeAppend(index, m.logTerm ?? 0, m.commit ?? 0, m.entries ?? []);
  if (last !== undefined) {
    r.send({ type: "appendResp", to: m.from, index: last });
    return;
  }
  // Fast backtracking: tell the leader the last index whose term is <= the probed term.
  const hint = r.log.findConflictByTerm(index, m.logTerm ?? 0);
  r.send({ type: "appendResp", to: m.from, index, reject: true, rejectHint: hint });
}

export function handleHeartbeat(r: Raft, m: Message): void {
  r.log.commitTo(m.commit ?? 0);
  r.send({ type: "heartbeatResp", to: m.from });
}

export function handleSnapshot(r: Raft, m: Message): void {
  const s = m.snapshot;
  if (s === undefined) return;
  if (restore(r, m)) r.send({ type: "appendResp", to: m.from, index: r.log.lastIndex() });
  else r.send({ type: "appendResp", to: m.from, index: r.log.committed });
}

function restore(r: Raft, m: Message): boolean {
  const s = m.snapshot!;
  if (s.meta.index <= r.log.committed) return false;
  if (r.log.matchTerm(s.meta.index, s.meta.term)) {
    // We already hold the snapshot's last entry: just fast-forward the commit index.
    r.log.commitTo(s.meta.index);
    return false;
  }
  r.log.restore(s);
  r.conf = cloneConf(s.meta.conf);
  return true;
}
