/**
 * Leader election (Raft §5.2, §5.4.1) with PreVote (Raft thesis §9.6) and the paper's candidate
 * pool: only pool members campaign in `improved` mode, but every voter votes.
 */
import { bcastAppend } from "./leader";
import { isVoter, quorum, voters } from "./membership";
import type { Raft } from "./raft";
import { CAMPAIGN_TRANSFER } from "./raft";
import { handleCatchUp, maybeSendCatchUp } from "./catchup";
import { handleAppend, handleHeartbeat, handleSnapshot } from "./follower";
import type { Message } from "./types";

export type CampaignType = "preElection" | "election" | "transfer";

/** A local request to campaign (election timeout, `RawNode.campaign`, or `timeoutNow`). */
export function hup(r: Raft, transfer: boolean): boolean {
  if (r.state === "leader") return false;
  // The paper's gate: outside the candidate pool a node never campaigns (but still votes).
  if (!r.promotable()) return false;
  if (r.hasUnappliedConfChanges()) return false;
  r.startCampaign(transfer);
  return true;
}

export function campaign(r: Raft, t: CampaignType): void {
  let voteMsg: "preVote" | "vote";
  let term: number;
  if (t === "preElection") {
    r.becomePreCandidate();
    voteMsg = "preVote";
    // PreVote asks "would you vote for me at term+1?" without bumping our own term.
    term = r.term + 1;
  } else {
    r.becomeCandidate();
    voteMsg = "vote";
    term = r.term;
  }
  const respType = voteMsg === "preVote" ? "preVoteResp" : "voteResp";
  if (poll(r, r.id, respType, true) === "won") {
    // Single-voter configuration: we win on our own vote.
    if (t === "preElection") campaign(r, "election");
    else {
      r.becomeLeader();
      bcastAppend(r);
    }
    return;
  }
  const lastIndex = r.log.lastIndex();
  const lastTerm = r.log.lastTerm();
  for (const id of voters(r.conf)) {
    if (id === r.id) continue;
    r.send({
      type: voteMsg,
      to: id,
      term,
      index: lastIndex,
      logTerm: lastTerm,
      ...(t === "transfer" ? { context: CAMPAIGN_TRANSFER } : {}),
    });
  }
}

export type VoteResult = "pending" | "won" | "lost";

export function poll(r: Raft, id: string, _t: "preVoteResp" | "voteResp", granted: boolean): VoteResult {
  if (isVoter(r.conf, id) && !r.votes.has(id)) r.votes.set(id, granted);
  const vs = voters(r.conf);
  let yes = 0;
  let no = 0;
  for (const v of vs) {
    const g = r.votes.get(v);
    if (g === true) yes++;
    else if (g === false) no++;
  }
  const q = quorum(vs.length);
  if (yes >= q) return "won";
  if (vs.length - no < q) return "lost";
  return "pending";
}

/**
 * RequestVote receiver (§5.2, §5.4.1): grant when we have not voted for someone else this term
 * (a pre-vote for a future term is always allowed) and the candidate's log is at least as
 * up-to-date as ours. The candidate's role is deliberately not checked: pool status gates
 * campaigning only, so the voting rules, and with them Raft's safety proof, stay untouched.
 */
export function handleVoteRequest(r: Raft, m: Message): void {
  const respType = m.type === "preVote" ? "preVoteResp" : "voteResp";
  const canVote =
    r.vote === m.from || (r.vote === null && r.lead === null) || (m.type === "preVote" && m.term > r.term);
  if (canVote && r.log.isUpToDate(m.index ?? 0, m.logTerm ?? 0)) {
    r.send({ type: respType, to: m.from, term: m.term, reject: false });
    if (m.type === "vote") {
      r.electionElapsed = 0;
      r.vote = m.from;
    }
  } else {
    r.send({ type: respType, to: m.from, term: r.term, reject: true });
    maybeSendCatchUp(r, m);
  }
}

export function stepCandidate(r: Raft, m: Message): void {
  const myRespType = r.state === "preCandidate" ? "preVoteResp" : "voteResp";
  switch (m.type) {
    case "append":
      r.becomeFollower(m.term, m.from);
      handleAppend(r, m);
      return;
    case "heartbeat":
      r.becomeFollower(m.term, m.from);
      handleHeartbeat(r, m);
      return;
    case "snapshot":
      r.becomeFollower(m.term, m.from);
      handleSnapshot(r, m);
      return;
    case "catchUp":
      handleCatchUp(r, m);
      return;
    case "preVoteResp":
    case "voteResp": {
      if (m.type !== myRespType) return;
      const res = poll(r, m.from, myRespType, !m.reject);
      if (res === "won") {
        if (r.state === "preCandidate") campaign(r, "election");
        else {
          r.becomeLeader();
          bcastAppend(r);
        }
      } else if (res === "lost") {
        r.becomeFollower(r.term, null);
      }
      return;
    }
    default:
      return;
  }
}
