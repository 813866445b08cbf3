/**
 * Liveness checks of the simulation (beside the safety checks of `invariants.ts`): CheckQuorum
 * makes a leader cut off from its quorum step down within its lease, so clients stop waiting on a
 * leader that can no longer commit.
 */
import { quorum, voters, type Message, type NodeId } from "../core";
import type { SimNode } from "./node";

interface Reign {
  term: number;
  /** Voter -> the last tick it acknowledged this leader (or the tick it was first seen a voter). */
  contact: Map<NodeId, number>;
  /**
   * The last tick a leadership transfer was in progress (it restarts the leader's election clock)
   * or the voters changed (the quorum counted from then on is a different one).
   */
  restartAt: number;
  voters: string;
}

/**
 * A leader checks its quorum every election timeout and counts only the voters that answered an
 * append or heartbeat since the previous check, so the last quorum contact is at most two election
 * timeouts before it steps down (one to finish the interval that saw it, one that sees nothing).
 */
export class QuorumContactMonitor {
  private readonly reigns = new Map<NodeId, Reign>();
  /** Leaders that stopped leading within their term: CheckQuorum (or a removal) made them step down. */
  stepDowns = 0;

  constructor(private readonly electionTick: number) {}

  /** A crashed node's reign ended without stepping down. */
  forget(id: NodeId): void {
    this.reigns.delete(id);
  }

  onDeliver(m: Message, now: number): void {
    if (m.type !== "appendResp" && m.type !== "heartbeatResp") return;
    const reign = this.reigns.get(m.to);
    if (reign !== undefined && reign.term === m.term) reign.contact.set(m.from, now);
  }

  /** Checks a node that leads at the end of tick `now`; answers why it should have stepped down. */
  check(node: SimNode, now: number): string | undefined {
    const st = node.raw.status();
    if (st.state !== "leader") {
      if (this.reigns.get(node.id)?.term === st.term) this.stepDowns++;
      this.reigns.delete(node.id);
      return undefined;
    }
    let reign = this.reigns.get(node.id);
    const vs = voters(st.conf);
    const key = vs.join(",");
    if (reign === undefined || reign.term !== st.term) {
      reign = { term: st.term, contact: new Map(), restartAt: now, voters: key };
      this.reigns.set(node.id, reign);
    }
    if (st.leadTransferee !== null || reign.voters !== key) reign.restartAt = now;
    reign.voters = key;
    if (vs.length === 0) return undefined;
    const times = vs.map((v) => {
      if (v === node.id) return now;
      if (!reign.contact.has(v)) reign.contact.set(v, now);
      return reign.contact.get(v)!;
    });
    times.sort((a, b) => b - a);
    const lastQuorumContact = Math.max(times[quorum(vs.length) - 1]!, reign.restartAt);
    if (now - lastQuorumContact <= 2 * this.electionTick) return undefined;
    return `${node.id} still leads term ${st.term} ${now - lastQuorumContact} ticks after its last contact with a quorum (CheckQuorum)`;
  }
}
