/**
 * Catch-up of a lagging candidate-pool member from a voter (an extension for the paper's pool).
 *
 * In improved mode only pool members campaign. If the leader dies while the only other pool member
 * lacks entries that a participant holds, Raft's vote restriction makes the participant refuse
 * that pool member forever, and participants never campaign: no leader until the dead node returns.
 * So a voter that refuses a pool member's (pre)vote *because its own log is more up to date*, and
 * holds the candidate's last entry, sends it the missing suffix; the candidate appends it and
 * campaigns again, now with a log the voter accepts. (MongoDB's priority-0 members serve the same
 * role: electable members sync from them before standing.)
 *
 * Safety: the candidate only appends after its own last entry, where the two logs match, so by Log
 * Matching its log becomes a prefix-copy of the voter's — a log some node legitimately holds.
 * Nothing is truncated (no committed entry can be lost), the commit index is untouched, terms stay
 * monotonic (the message carries the voter's term, at least every entry's term), and the entries
 * are persisted before any message that reveals them. The election rules themselves are unchanged.
 */
import { hup } from "./election";
import { CompactedError } from "./errors";
import { canCampaign } from "./membership";
import type { Raft } from "./raft";
import type { Message } from "./types";

/** On refusing the (pre)vote request `m`: hand the missing suffix to a pool candidate that lags us. */
export function maybeSendCatchUp(r: Raft, m: Message): void {
  const index = m.index ?? 0;
  const logTerm = m.logTerm ?? 0;
  if (r.cfg.mode !== "improved" || r.state === "leader" || r.hasLiveLeader()) return;
  if (!canCampaign(r.conf, m.from, r.cfg.mode)) return;
  // Only a candidate strictly behind us and on our history: its last entry is one of ours.
  if (r.log.isUpToDate(index, logTerm) || !r.log.matchTerm(index, logTerm)) return;
  let entries;
  try {
    entries = r.log.entriesFrom(index + 1, r.cfg.maxSizePerMsg);
  } catch (e) {
    if (e instanceof CompactedError) return; // behind our snapshot: only a leader can send one
    throw e;
  }
  r.send({ type: "catchUp", to: m.from, term: r.term, index, logTerm, entries });
}

/** A voter's suffix for our log: append it if our log still ends where it starts, then campaign. */
export function handleCatchUp(r: Raft, m: Message): void {
  if (r.state === "leader" || r.hasLiveLeader()) return;
  const entries = m.entries ?? [];
  if (entries.length === 0) return;
  if (r.log.lastIndex() !== m.index || !r.log.matchTerm(m.index ?? 0, m.logTerm ?? 0)) return;
  r.log.append(entries);
  hup(r, false);
}
