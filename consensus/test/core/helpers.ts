import { type RaftConfigInput, seededRandom } from "../../src/core/config";
import { RawNode } from "../../src/core/rawnode";
import { MemoryStorage } from "../../src/core/storage";
import type { Entry, Member, Message, NodeId } from "../../src/core/types";
import { Cluster, type ClusterOptions } from "../../src/sim/cluster";

export const tc = (id: NodeId): Member => ({ id, role: "trading-centre" });
export const part = (id: NodeId): Member => ({ id, role: "participant" });
export const learner = (id: NodeId): Member => ({ id, role: "learner" });

const enc = new TextEncoder();
export const bytes = (s: string): Uint8Array => enc.encode(s);

/** Entries with the given terms starting at index 2 (index 1 is the bootstrap snapshot). */
export function entriesWithTerms(terms: number[]): Entry[] {
  return terms.map((term, i) => ({ term, index: i + 2, type: "normal", data: bytes(`e${i + 2}t${term}`) }));
}

/** Preloads logs (terms from index 2) and a current term for the given nodes. */
export function withLogs(logs: Record<NodeId, { terms: number[]; term: number }>): (id: NodeId, s: MemoryStorage) => void {
  return (id, s) => {
    const l = logs[id];
    if (!l) return;
    s.append(entriesWithTerms(l.terms));
    s.setHardState({ term: l.term, vote: null, commit: 1 });
  };
}

export function cluster(members: Member[], opts: ClusterOptions = {}): Cluster {
  return new Cluster(members, opts);
}

/** The log of a node as [term...] from index 2 to its last index (storage must not be compacted). */
export function logTerms(c: Cluster, id: NodeId): number[] {
  const s = c.node(id).storage;
  const out: number[] = [];
  for (let i = 2; i <= s.lastIndex(); i++) out.push(s.term(i));
  return out;
}

export function logData(c: Cluster, id: NodeId): string[] {
  const s = c.node(id).storage;
  const dec = new TextDecoder();
  return s.entries(2, s.lastIndex() + 1).map((e) => `${e.term}:${dec.decode(e.data)}`);
}

/** Persists every Ready of `n` to `s` (the test is the disk) and returns the messages it sends (the test is the network). */
export function flush(n: RawNode, s: MemoryStorage): Message[] {
  const out: Message[] = [];
  while (n.hasReady()) {
    const rd = n.ready();
    s.append(rd.entries);
    if (rd.hardState) s.setHardState(rd.hardState);
    out.push(...rd.messages);
    n.advance(rd);
  }
  return out;
}

/** Node `id` of `members` holding `terms` at 2.. in `term`, never having heard from a leader. */
export function nodeWithLog(members: Member[], id: NodeId, terms: number[], term: number, opts: Partial<RaftConfigInput> = {}) {
  const s = new MemoryStorage({ members });
  s.append(entriesWithTerms(terms));
  s.setHardState({ term, vote: null, commit: 1 });
  return { n: new RawNode({ id, random: seededRandom(3), ...opts }, s), s };
}

/** Makes `n` campaign and win `term` with the (pre)votes of `voters`; every Ready is flushed. */
export function elect(n: RawNode, s: MemoryStorage, term: number, voters: NodeId[]): void {
  n.campaign();
  flush(n, s);
  for (const type of ["preVoteResp", "voteResp"] as const) {
    for (const from of voters) n.step({ type, from, to: n.id, term, reject: false });
  }
  flush(n, s);
}
