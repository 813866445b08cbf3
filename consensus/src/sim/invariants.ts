/**
 * Safety checks run by the simulator after every step (Raft Figure 3 properties plus the client
 * guarantees of the ordering service). Each check throws `SafetyViolation` with a precise reason.
 */
import type { Entry, NodeId, Snapshot } from "../core";
import { entryKey, type ApplyEvent, type SimNode } from "./node";

export class SafetyViolation extends Error {
  override name = "SafetyViolation";
}

export class SafetyChecker {
  /** term -> leader elected in it (Election Safety). */
  private readonly leaders = new Map<number, NodeId>();
  /** `${index}:${term}` -> entry key and previous term (Log Matching, by induction). */
  private readonly byIndexTerm = new Map<string, { key: string; prevTerm: number }>();
  /**
   * index -> applied entry (State Machine Safety: one total order), with the highest term any
   * leader had been elected in when it was first applied (it was committed in that term or earlier).
   */
  readonly applied = new Map<number, { term: number; key: string; leaderTermSeen: number }>();
  private maxLeaderTerm = 0;
  /** proposal id -> index it was applied at (exactly once). */
  readonly appliedAt = new Map<string, number>();
  maxApplied = 0;

  onLeader(node: SimNode, term: number): void {
    const prev = this.leaders.get(term);
    if (prev !== undefined && prev !== node.id) {
      throw new SafetyViolation(`two leaders in term ${term}: ${prev} and ${node.id}`);
    }
    this.leaders.set(term, node.id);
    this.checkLeaderCompleteness(node, term);
    this.maxLeaderTerm = Math.max(this.maxLeaderTerm, term);
  }

  /**
   * Leader Completeness (§5.4.3): an entry committed in term U is in the log of every leader of a
   * term above U. An entry applied when the highest leader term was M was committed in a term at
   * most M, so a leader of term T > M must hold it. (A stale leader, whose election completes only
   * after a later term's leader committed entries, owes nothing for those.)
   */
  private checkLeaderCompleteness(node: SimNode, term: number): void {
    const s = node.storage;
    const snapIndex = s.firstIndex() - 1;
    for (let i = 1; i <= this.maxApplied; i++) {
      const a = this.applied.get(i);
      if (a === undefined || i < snapIndex || a.leaderTermSeen >= term) continue;
      let t: number;
      try {
        t = s.term(i);
      } catch {
        throw new SafetyViolation(`leader ${node.id} (term ${term}) lacks committed entry ${i}`);
      }
      if (t !== a.term) {
        throw new SafetyViolation(`leader ${node.id} (term ${term}) has term ${t} at committed ${i}, expected ${a.term}`);
      }
    }
  }

  onPersisted(node: SimNode, entries: Entry[], snapshot?: Snapshot): void {
    if (snapshot) this.checkSnapshot(node, snapshot);
    for (const e of entries) {
      let prevTerm: number;
      try {
        prevTerm = node.storage.term(e.index - 1);
      } catch {
        continue;
      }
      const k = `${e.index}:${e.term}`;
      const key = entryKey(e);
      const seen = this.byIndexTerm.get(k);
      if (seen === undefined) this.byIndexTerm.set(k, { key, prevTerm });
      else if (seen.key !== key || seen.prevTerm !== prevTerm) {
        throw new SafetyViolation(`log matching broken at ${k} on ${node.id}: ${key}/${prevTerm} vs ${seen.key}/${seen.prevTerm}`);
      }
    }
  }

  private checkSnapshot(node: SimNode, s: Snapshot): void {
    const a = this.applied.get(s.meta.index);
    if (a !== undefined && a.term !== s.meta.term) {
      throw new SafetyViolation(`snapshot at ${s.meta.index} on ${node.id} has term ${s.meta.term}, applied ${a.term}`);
    }
  }

  onApply(ev: ApplyEvent): void {
    const { entry, key } = ev;
    const prev = this.applied.get(entry.index);
    if (prev === undefined) {
      this.applied.set(entry.index, { term: entry.term, key, leaderTermSeen: this.maxLeaderTerm });
      this.maxApplied = Math.max(this.maxApplied, entry.index);
    } else if (prev.term !== entry.term || prev.key !== key) {
      throw new SafetyViolation(
        `state machine safety: ${ev.node} applied ${key}@${entry.term} at ${entry.index}, others ${prev.key}@${prev.term}`,
      );
    }
    if (entry.type === "normal" && entry.data.length > 0) {
      const at = this.appliedAt.get(key);
      if (at === undefined) this.appliedAt.set(key, entry.index);
      else if (at !== entry.index) throw new SafetyViolation(`proposal ${key} applied at ${at} and ${entry.index}`);
    }
  }

  /** Every node's state machine is a prefix of the one total order, without duplicates. */
  checkMachine(node: SimNode): void {
    const seen = new Set<string>();
    const keys = node.sm.keys;
    const base = node.sm.index - keys.length;
    for (let j = 0; j < keys.length; j++) {
      const a = this.applied.get(base + 1 + j);
      if (a !== undefined && a.key !== keys[j]) {
        throw new SafetyViolation(`${node.id} state machine diverges at ${base + 1 + j}: ${keys[j]} vs ${a.key}`);
      }
      if (!keys[j].startsWith("noop@") && !keys[j].startsWith("cc:")) {
        if (seen.has(keys[j])) throw new SafetyViolation(`${node.id} applied ${keys[j]} twice`);
        seen.add(keys[j]);
      }
    }
  }
}
