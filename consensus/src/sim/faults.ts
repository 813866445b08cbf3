/**
 * The fault mix of one simulated run. The classic mix is the one every seed ran before swarm
 * testing; a swarm mix (Groce et al., "Swarm Testing", ISSTA 2012) turns some faults off and varies
 * the rates of the rest per seed, since a fault that is always on can mask the schedules another
 * fault needs (a run that never drops messages partitions differently from one that always does).
 */
import type { SimNode } from "./node";

export interface FaultMix {
  /** Per message: dropped, sent twice, delayed 1-3 ticks. */
  drop: number;
  duplicate: number;
  delay: number;
  /** Per tick: the network is split anew (or healed), a random node crashes, the leader crashes. */
  partition: number;
  crash: number;
  leaderCrash: number;
  /** Per Ready: the node crashes mid-write, keeping a prefix of the Ready's records. */
  tornWrite: number;
  /** Per tick and dead node: it restarts. */
  restart: number;
  /** Per tick: a client proposes, the leader changes the configuration. */
  propose: number;
  confChange: number;
  /** Per tick: an operator asks the leader to hand over to a random voter (`transferLeadership`). */
  transfer: number;
  /**
   * Per tick: a leader's `timeoutNow` reaches a random voter, as when a transfer's target left the
   * pool (a role change or pool refresh) while the message was in flight.
   */
  staleTimeoutNow: number;
  /** Per tick: an operator asks a random node to campaign now (`RawNode.campaign`). */
  campaign: number;
  /**
   * Per tick: the leader resends part of its log from an earlier index to a random follower, with
   * its commit index, as Figure 2's leader may (it retries from any nextIndex it backs off to).
   * Receivers must be safe for every such append, not only for the ones this leader's flow
   * control happens to produce.
   */
  retransmit: number;
  /** Per Ready of a leader that appends entries: it dies after sending only some of its messages. */
  broadcastCrash: number;
  /** Per Ready of a leader: right after it, the network cuts the leader off from everyone else. */
  leaderIsolation: number;
}

export const CLASSIC_MIX: Readonly<FaultMix> = {
  drop: 0.08,
  duplicate: 0.05,
  delay: 0.4,
  partition: 0.01,
  crash: 0.01,
  leaderCrash: 0.01,
  tornWrite: 0.002,
  restart: 0.04,
  propose: 0.3,
  confChange: 0.02,
  transfer: 0,
  staleTimeoutNow: 0,
  campaign: 0,
  retransmit: 0,
  broadcastCrash: 0,
  leaderIsolation: 0,
};

/** Each fault is on for about three seeds in four, at one of a few rates; the workload always runs. */
export function swarmMix(rng: () => number): FaultMix {
  const pick = (rates: number[]): number => rates[Math.floor(rng() * rates.length)]!;
  const maybe = (rates: number[]): number => (rng() < 0.75 ? pick(rates) : 0);
  return {
    drop: maybe([0.02, 0.08, 0.2]),
    duplicate: maybe([0.02, 0.05, 0.15]),
    delay: maybe([0.2, 0.4, 0.8]),
    partition: maybe([0.005, 0.01, 0.03]),
    crash: maybe([0.005, 0.01, 0.03]),
    leaderCrash: maybe([0.005, 0.01, 0.03]),
    tornWrite: maybe([0.001, 0.002, 0.01]),
    restart: pick([0.02, 0.04, 0.1]),
    propose: pick([0.1, 0.3, 0.6]),
    confChange: maybe([0.01, 0.02, 0.05]),
    transfer: maybe([0.005, 0.02]),
    staleTimeoutNow: maybe([0.005, 0.02]),
    campaign: maybe([0.005, 0.02]),
    retransmit: maybe([0.05, 0.2]),
    broadcastCrash: maybe([0.01, 0.03, 0.1]),
    leaderIsolation: maybe([0.02, 0.05, 0.1]),
  };
}

/**
 * How many of its messages a leader sends before it dies in this Ready, or undefined: drawn for a
 * leader's Readies that append entries. The leader sends its appends before writing them itself
 * (thesis §10.2.1), so the new entries may survive only on the followers reached, or nowhere: a
 * new leader's empty entry on a minority, an uncommitted tail left behind (Figures 7 and 8).
 */
export function broadcastCrashAt(mix: FaultMix, rng: () => number, n: SimNode): number | undefined {
  if (mix.broadcastCrash === 0 || !n.raw.isLeader || rng() >= mix.broadcastCrash) return undefined;
  const st = n.raw.status();
  if (st.lastIndex <= n.storage.lastIndex()) return undefined;
  return Math.floor(rng() * st.conf.members.length);
}

/**
 * Whether the network cuts a leader off right after this Ready (the rest of the cluster can reach
 * each other again). Drawn per Ready rather than per tick, so the cut falls between a leader's
 * steps: right after it took office, after it appended to a minority, after it committed. The
 * quick re-elections across terms that follow leave entries of several terms at one index.
 */
export function isolatesLeader(mix: FaultMix, rng: () => number, n: SimNode): boolean {
  return mix.leaderIsolation > 0 && n.raw.isLeader && rng() < mix.leaderIsolation;
}

/** The mix's nonzero faults, for failure messages. */
export function describeMix(mix: FaultMix): string {
  return Object.entries(mix)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
}
