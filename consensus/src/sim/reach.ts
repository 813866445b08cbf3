/**
 * Measures, without judging, how often a run reaches two histories that random faults used to
 * miss, so a coverage test notices when a change to the fault mix stops producing them. The safety
 * checks stay in `invariants.ts`; nothing here can fail a run.
 */
import type { Message, NodeId } from "../core";
import type { SimNode } from "./node";

function termAt(n: SimNode, i: number): number | undefined {
  try {
    return n.storage.term(i);
  } catch {
    return undefined;
  }
}

export class HistoryReach {
  /**
   * Elections whose winner holds, past its commit index, an entry of an older term while another
   * node holds one of a newer (but still earlier) term at the same index: Figure 8's setting, where
   * counting replicas of the older entry must not commit it.
   */
  figure8 = 0;
  /**
   * Appends a follower accepts whose entries end before a tail it holds that the sender lacks,
   * with a commit index that reaches into that tail: Figure 2's rule 5 (a follower commits up to
   * the append's last new entry only).
   */
  staleTailAppends = 0;

  constructor(private readonly nodes: ReadonlyMap<NodeId, SimNode>) {}

  onLeader(leader: SimNode, term: number): void {
    const s = leader.storage;
    const from = Math.max(leader.raw.status().commit + 1, s.firstIndex());
    for (let i = from; i <= s.lastIndex(); i++) {
      const mine = termAt(leader, i)!;
      if (mine === term) return;
      for (const o of this.nodes.values()) {
        const t = o === leader ? undefined : termAt(o, i);
        if (t !== undefined && t > mine && t < term) {
          this.figure8++;
          return;
        }
      }
    }
  }

  /** Called before `to` steps the append `m`. */
  onAppend(m: Message, to: SimNode): void {
    const entries = m.entries ?? [];
    const lastNew = (m.index ?? 0) + entries.length;
    if ((m.commit ?? 0) <= lastNew || to.storage.lastIndex() <= lastNew) return;
    const st = to.raw.status();
    if (st.term > m.term || (m.index ?? 0) < st.commit) return;
    if (termAt(to, m.index ?? 0) !== m.logTerm || entries.some((e) => termAt(to, e.index) !== e.term)) return;
    const sender = this.nodes.get(m.from);
    const upTo = Math.min(m.commit ?? 0, to.storage.lastIndex());
    for (let i = lastNew + 1; sender !== undefined && i <= upTo; i++) {
      if (termAt(sender, i) !== termAt(to, i)) {
        this.staleTailAppends++;
        return;
      }
    }
  }
}
