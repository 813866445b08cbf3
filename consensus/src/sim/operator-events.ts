/**
 * Requests a correct cluster must shrug off, drawn per tick by the simulator when its fault mix has
 * them (so the classic mix keeps its random stream): a leadership transfer to any voter, a
 * `timeoutNow` that reaches a voter after it left the pool, a campaign asked of any node, and a
 * leader resending part of its log from an earlier nextIndex.
 */
import { LeadershipTransferError, voters, type Message } from "../core";
import type { FaultMix } from "./faults";
import type { SimNode } from "./node";

export interface OperatorContext {
  rng: () => number;
  leader(): SimNode | undefined;
  pick(): SimNode;
  send(m: Message): void;
  processReadies(): void;
  refusedCampaign(): void;
}

export function operatorEvents(mix: FaultMix, ctx: OperatorContext): void {
  const { rng } = ctx;
  if (mix.transfer > 0 && rng() < mix.transfer) transfer(ctx);
  if (mix.staleTimeoutNow > 0 && rng() < mix.staleTimeoutNow) {
    const l = ctx.leader();
    const to = l === undefined ? undefined : randomFollower(l, rng);
    if (l !== undefined && to !== undefined) ctx.send({ type: "timeoutNow", from: l.id, to, term: l.raw.status().term });
  }
  if (mix.retransmit > 0 && rng() < mix.retransmit) retransmit(ctx);
  if (mix.campaign > 0 && rng() < mix.campaign) {
    const n = ctx.pick();
    if (n.alive) {
      if (!n.raw.campaign()) ctx.refusedCampaign();
      ctx.processReadies();
    }
  }
}

function randomFollower(l: SimNode, rng: () => number): string | undefined {
  const followers = voters(l.raw.status().conf).filter((id) => id !== l.id);
  return followers[Math.floor(rng() * followers.length)];
}

function transfer(ctx: OperatorContext): void {
  const l = ctx.leader();
  const vs = l === undefined ? [] : voters(l.raw.status().conf);
  const to = vs[Math.floor(ctx.rng() * vs.length)];
  if (l === undefined || to === undefined) return;
  try {
    l.raw.transferLeadership(to);
  } catch (e) {
    if (!(e instanceof LeadershipTransferError)) throw e;
  }
  ctx.processReadies();
}

/**
 * One to three entries of the leader's log, starting one to four entries before the follower's
 * nextIndex, with the leader's commit index: a leader may back off further than a rejection's
 * hint (Figure 2's leader retries from any nextIndex it decrements to), and a follower must be
 * safe for every such append, not only for the ones this leader's flow control happens to send.
 */
function retransmit(ctx: OperatorContext): void {
  const l = ctx.leader();
  if (l === undefined) return;
  const st = l.raw.status();
  const first = l.storage.firstIndex();
  const last = l.storage.lastIndex();
  // A leader retransmits to the followers it has not heard hold its whole log.
  const lagging = voters(st.conf).filter((id) => id !== l.id && (st.progress[id]?.match ?? 0) < last);
  const to = lagging[Math.floor(ctx.rng() * lagging.length)];
  if (to === undefined || last < first) return;
  const next = Math.min(st.progress[to]?.next ?? last + 1, last + 1);
  const prev = Math.max(first - 1, next - 2 - Math.floor(ctx.rng() * 4));
  const entries = l.storage.entries(prev + 1, Math.min(last, prev + 1 + Math.floor(ctx.rng() * 3)) + 1);
  ctx.send({ type: "append", from: l.id, to, term: st.term, index: prev, logTerm: l.storage.term(prev), entries, commit: st.commit });
}
