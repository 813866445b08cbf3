/**
 * Scripted schedules, beside the random ones of `simulator.ts`: the hard interleavings random
 * faults reach rarely or never, each played message by message on a `Cluster` with the safety
 * checker attached. A schedule throws `SafetyViolation` when the cluster misbehaves.
 */
import type { ClusterOptions } from "./cluster";
import { Cluster } from "./cluster";
import { SafetyChecker, SafetyViolation } from "./invariants";
import { candidatePool, type Entry, type Member, type Message, type NodeId } from "../core";

const tc = (id: NodeId): Member => ({ id, role: "trading-centre" });

/** A cluster whose every persist, apply and election goes through the safety checker. */
export function checkedCluster(members: Member[], opts: ClusterOptions = {}): { c: Cluster; checker: SafetyChecker } {
  const c = new Cluster(members, opts);
  const checker = new SafetyChecker();
  c.hooks.onPersisted = (n, e, s) => checker.onPersisted(n, e, s);
  c.hooks.onApply = (ev) => checker.onApply(ev);
  c.hooks.onLeader = (n, t) => checker.onLeader(n, t);
  c.hooks.onCampaign = (n) => {
    const conf = n.raw.status().conf;
    if (opts.mode !== "standard" && !candidatePool(conf).includes(n.id)) {
      throw new SafetyViolation(`${n.id} started an election but is outside its candidate pool [${candidatePool(conf).join(",")}]`);
    }
  };
  return { c, checker };
}

/** Elects `id` by asking it to campaign until it wins (a term it shares with a rival needs a second try). */
export function elect(c: Cluster, id: NodeId, tries = 4): void {
  for (let i = 0; i < tries && c.node(id).raw.status().state !== "leader"; i++) {
    c.node(id).raw.campaign();
    c.settle();
  }
  if (c.node(id).raw.status().state !== "leader") throw new SafetyViolation(`${id} could not be elected`);
}

export function holds(c: Cluster, id: NodeId, index: number, term: number): boolean {
  try {
    return c.node(id).storage.term(index) === term;
  } catch {
    return false;
  }
}

/** Every live member ends with the same state machine, and `key` applied on each. */
export function expectConverged(c: Cluster, checker: SafetyChecker, key: string): void {
  const leader = c.tickUntilLeader(400);
  if (leader === null) throw new SafetyViolation("no leader after the schedule");
  const ref = c.propose(leader, key);
  c.tick(30);
  for (const n of c.nodes.values()) {
    if (!n.alive) continue;
    checker.checkMachine(n);
    if (!n.sm.keys.includes(key)) throw new SafetyViolation(`${n.id} did not apply ${key} (index ${ref.index})`);
  }
}

/**
 * Raft §5.4.2, Figure 8: a leader must not commit an entry of an earlier term by counting its
 * replicas. s1 (term 2) replicates x to s2 only and crashes; s5 wins term 3 and writes its own entry
 * at x's index, which reaches no one, and crashes; s1 wins term 4 and replicates x to s3 and s4
 * (a majority holds x now) while its own term-4 entry reaches none of them; then s1 crashes and s5
 * wins term 5 with s2-s4, and overwrites x. Had s1 committed x, s5 would lack a committed entry.
 */
export function figure8(): void {
  const ids = ["s1", "s2", "s3", "s4", "s5"];
  // Standard mode, as in the paper: improved mode's catch-up would hand s5 the entry x.
  const { c, checker } = checkedCluster(ids.map(tc), {
    mode: "standard",
    preVote: false,
    checkQuorum: false,
    tweak: () => ({ maxSizePerMsg: 1 }),
  });
  const others = new Set(["s3", "s4", "s5"]);
  elect(c, "s1");
  c.filters = [(m) => (m.from === "s1" && others.has(m.to)) || (m.to === "s1" && others.has(m.from))];
  // Longer than maxSizePerMsg: an append then carries x alone, never x with the empty entry after it.
  const x = c.propose("s1", "x-of-term-2");
  c.node("s1").crash();
  c.filters = [(m) => m.from === "s5" && m.type === "append"];
  elect(c, "s5");
  c.node("s5").crash();
  c.node("s1").restart();
  // The network loses every append carrying s1's own new-term entries to a node that holds x.
  c.filters = [(m) => m.from === "s1" && m.type === "append" && (m.entries ?? []).some((e) => e.term > x.term) && holds(c, m.to, x.index, x.term)];
  elect(c, "s1");
  if (!["s3", "s4"].every((id) => holds(c, id, x.index, x.term))) throw new SafetyViolation("schedule: x did not reach s3 and s4");
  c.node("s1").crash();
  c.filters = [];
  c.node("s5").restart();
  elect(c, "s5");
  c.node("s1").restart();
  expectConverged(c, checker, "after-figure-8");
}

/**
 * Figure 2, AppendEntries rule 5: a follower commits no further than the last entry the append it
 * received leaves it sharing with the leader. s2 holds the old leader's y2 past y1 (neither known
 * committed); the new leader
 * s3 committed its own entry at y2's index with s4 and s5, and retransmits its append of y1 alone
 * (the paper's leader resends from any nextIndex it backs off to; one entry per message here), with
 * its commit index. Committing up to s2's own last index would apply y2, which was never committed.
 */
export function staleTailRetransmission(): void {
  const ids = ["s1", "s2", "s3", "s4", "s5"];
  const { c, checker } = checkedCluster(ids.map(tc), { preVote: false, checkQuorum: false, tweak: () => ({ maxSizePerMsg: 1 }) });
  elect(c, "s1");
  // y1 reaches everyone but only s2's acknowledgement reaches s1: nobody learns it is committed.
  c.filters = [(m) => m.to === "s1" && m.from !== "s2"];
  const y1 = c.propose("s1", "y1");
  c.filters = [(m) => m.from === "s1" && m.to !== "s2"];
  c.propose("s1", "y2");
  c.node("s1").crash();
  c.filters = [(m) => m.to === "s2" || m.from === "s2"];
  elect(c, "s3");
  c.tick(2);
  const s3 = c.node("s3");
  const commit = s3.raw.status().commit;
  if (commit <= y1.index) throw new SafetyViolation(`schedule: s3 committed only up to ${commit}`);
  c.filters = [];
  const prev = y1.index - 1;
  const retransmit: Message = {
    type: "append",
    from: "s3",
    to: "s2",
    term: s3.raw.status().term,
    index: prev,
    logTerm: s3.storage.term(prev),
    entries: s3.storage.entries(y1.index, y1.index + 1),
    commit,
  };
  c.queue.push(retransmit);
  c.settle();
  c.node("s1").restart();
  expectConverged(c, checker, "after-stale-tail");
}

/**
 * CheckQuorum (thesis §6.2): a leader cut off from its quorum steps down within two election
 * timeouts of its last contact, and the majority side elects a pool leader that commits.
 */
export function leaderCutOff(): void {
  const members = [tc("n1"), tc("n2"), tc("n3"), { id: "n4", role: "participant" as const }, { id: "n5", role: "participant" as const }];
  const electionTick = 10;
  const { c, checker } = checkedCluster(members, { electionTick, seed: 7 });
  const old = c.tickUntilLeader();
  if (old === null) throw new SafetyViolation("no leader");
  c.isolate(old);
  for (let t = 1; c.node(old).raw.status().state === "leader"; t++) {
    if (t > 2 * electionTick) throw new SafetyViolation(`${old} still leads ${t} ticks after losing its quorum (CheckQuorum)`);
    c.tick();
  }
  const next = c.tickUntilLeader(12 * electionTick);
  if (next === null || next === old) throw new SafetyViolation(`the majority elected no new leader (${next})`);
  c.propose(next, "on-the-majority-side");
  c.heal();
  expectConverged(c, checker, "after-cut-off");
}

/**
 * The paper's pool gate: a participant (and a learner) asked to campaign, or sent `timeoutNow`
 * (a transfer whose target left the pool while the message was in flight), never starts an
 * election, even when the leader is gone; the pool member left takes over.
 */
export function participantAskedToCampaign(): void {
  const members = [tc("n1"), tc("n2"), { id: "n3", role: "participant" as const }, { id: "n4", role: "learner" as const }];
  const { c, checker } = checkedCluster(members, { seed: 3 });
  elect(c, "n1");
  const term = c.node("n1").raw.status().term;
  for (const id of ["n3", "n4"]) {
    if (c.node(id).raw.campaign()) throw new SafetyViolation(`${id} accepted a campaign request`);
    c.queue.push({ type: "timeoutNow", from: "n1", to: id, term });
    c.settle();
  }
  if (c.leader() !== "n1" || c.node("n1").raw.status().term !== term) throw new SafetyViolation("the leader was disrupted");
  c.node("n1").crash();
  for (let t = 0; t < 100; t++) {
    c.node("n3").raw.campaign();
    c.tick();
  }
  if (c.leaders().join() !== "n2") throw new SafetyViolation(`expected n2 to lead, found [${c.leaders().join(",")}]`);
  c.node("n1").restart();
  expectConverged(c, checker, "after-pool-gate");
}

/** Drains `id`'s Readies into `out` (not delivered). */
function drainTo(c: Cluster, id: NodeId, out: Message[]): void {
  const n = c.node(id);
  while (n.alive && n.raw.hasReady()) n.handleReady((m) => out.push(m), c.hooks);
}

/**
 * Raft §5.1/Figure 2 persistence: b grants a's vote request, writes its vote and crashes before its
 * answer leaves. Restarted, it must refuse c, a rival candidate of the same term: a vote that was
 * forgotten (or sent before it was durable) lets two leaders win one term.
 */
export function crashBetweenSaveAndSend(): void {
  const { c, checker } = checkedCluster([tc("a"), tc("b"), tc("c")], { preVote: false, checkQuorum: false });
  const out: Message[] = [];
  c.node("a").raw.campaign();
  c.node("c").raw.campaign();
  drainTo(c, "a", out);
  drainTo(c, "c", out);
  const b = c.node("b");
  b.raw.step(out.find((m) => m.from === "a" && m.to === "b")!);
  // Every record of the Ready reaches the disk; the node dies before sending anything.
  b.handleReady(() => {
    throw new SafetyViolation("b sent a message in a Ready it crashed in");
  }, c.hooks, { tornAt: Number.POSITIVE_INFINITY });
  b.restart();
  const term = c.node("a").raw.status().term;
  if (b.raw.status().vote !== "a" || b.raw.status().term !== term) throw new SafetyViolation("b forgot its vote for a");
  b.raw.step(out.find((m) => m.from === "c" && m.to === "b")!);
  const answers: Message[] = [];
  drainTo(c, "b", answers);
  const resp = answers.find((m) => m.type === "voteResp" && m.to === "c");
  if (resp === undefined || resp.reject !== true) throw new SafetyViolation("b voted twice in one term");
  for (const m of [...out, ...answers]) c.queue.push(m);
  c.settle();
  expectConverged(c, checker, "after-crash");
}

/**
 * §7: a follower with a stale, conflicting tail (b led term 2 while cut off) receives the new
 * leader's first probe, which conflicts with that tail, only after the leader compacted past it and
 * sent a snapshot: the delayed probe and the snapshot arrive in either order (the probe twice, as a
 * network duplicate). Either way b ends with the leader's log and state machine.
 */
export function snapshotRacesConflictingAppend(probeFirst: boolean): void {
  const { c, checker } = checkedCluster([tc("a"), tc("b"), tc("c")], {
    preVote: false,
    checkQuorum: false,
    snapshotEvery: 4,
    tweak: () => ({ maxSizePerMsg: 1 }),
  });
  elect(c, "b");
  c.isolate("b");
  c.node("b").raw.propose(new TextEncoder().encode("stale-1"));
  c.node("b").raw.propose(new TextEncoder().encode("stale-2"));
  c.settle();
  let probe: Message | undefined;
  let snapshot: Message | undefined;
  const capture = (m: Message): boolean => {
    if (m.from !== "a" || m.to !== "b") return false;
    if (m.type === "snapshot" && snapshot === undefined) snapshot = m;
    else if (m.type === "append" && probe === undefined && !holdsAll(c, "b", m.entries ?? [])) probe = m;
    else return false;
    return true;
  };
  c.filters = [capture, ...c.filters];
  elect(c, "a");
  for (let i = 0; i < 9; i++) c.propose("a", `v${i}`);
  c.filters = [capture];
  for (let t = 0; t < 40 && snapshot === undefined; t++) c.tick();
  if (probe === undefined || snapshot === undefined) throw new SafetyViolation("schedule: no snapshot and conflicting probe to race");
  if (c.node("a").storage.firstIndex() <= (probe.index ?? 0)) throw new SafetyViolation("schedule: the leader did not compact past the probe");
  c.filters = [];
  for (const m of probeFirst ? [probe, snapshot, probe] : [snapshot, probe]) c.queue.push(m);
  c.settle();
  expectConverged(c, checker, "after-snapshot-race");
}

function holdsAll(c: Cluster, id: NodeId, entries: Entry[]): boolean {
  return entries.every((e) => holds(c, id, e.index, e.term));
}

export const SCHEDULES: Record<string, () => void> = {
  "Figure 8: an old-term entry is never committed by counting replicas": figure8,
  "Figure 2 rule 5: a stale tail past a retransmitted append is not committed": staleTailRetransmission,
  "CheckQuorum: a leader cut off from its quorum steps down and the majority commits": leaderCutOff,
  "pool gate: a participant or learner asked to campaign or sent timeoutNow stays a follower": participantAskedToCampaign,
  "§5.1: a crash between save and send keeps the vote; no second vote in the term": crashBetweenSaveAndSend,
  "§7: a snapshot races a conflicting append (snapshot first)": () => snapshotRacesConflictingAppend(false),
  "§7: a snapshot races a conflicting append (probe first, duplicated)": () => snapshotRacesConflictingAppend(true),
};
