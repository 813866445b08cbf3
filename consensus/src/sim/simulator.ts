/**
 * Deterministic fault simulation: N nodes on a seeded network that drops, duplicates, delays,
 * reorders and partitions messages, while nodes crash (sometimes mid-write, losing unsynced
 * records) and restart. Every step is followed by the safety checks of `SafetyChecker`; at the end
 * the network heals and the run must converge with every acknowledged proposal applied once.
 */
import { candidatePool, InvalidConfChangeError, MemoryStorage, NoEligibleLeaderError, NotLeaderError, ProposalDroppedError, seededRandom, type ConfChange, type ConfState, type ElectionMode, type Member, type Message, type NodeId, type RaftConfigInput } from "../core";
import { CLASSIC_MIX, broadcastCrashAt, describeMix, isolatesLeader, swarmMix, type FaultMix } from "./faults";
import { SafetyChecker, SafetyViolation } from "./invariants";
import { QuorumContactMonitor } from "./liveness";
import { HistoryReach } from "./reach";
import { operatorEvents } from "./operator-events";
import { SimNode, stepKnown, type ApplyEvent, type SimNodeHooks } from "./node";

const ELECTION_TICK = 10;

export interface SimOptions {
  ticks?: number;
  /** Force a mode; by default a seed picks improved (3 in 4) or standard. */
  mode?: ElectionMode;
  /** Force lazy (or eager) commit propagation; by default a seed picks either, evenly. */
  lazyCommit?: boolean;
  /** Force asynchronous leader writes on or off; by default a seed picks (1 in 2). */
  asyncLeaderWrites?: boolean;
  /** Vary the fault mix per seed (swarm testing, the default); false runs the classic mix. */
  swarm?: boolean;
}

/**
 * After healing, a pool leader must be elected within 20 election timeouts and commit a proposal
 * within 12 more (over seeds 1-3,000 the slowest took 140 and 67 ticks: restarts, split votes,
 * catch-up and a retried proposal).
 */
export const HEAL_LEADER_BOUND = 20 * ELECTION_TICK;
export const HEAL_COMMIT_BOUND = 12 * ELECTION_TICK;

export interface SimResult {
  seed: number;
  mode: ElectionMode;
  /** Leaders deferred commit-only appends (`RaftConfig.lazyCommit`), flushed at random ticks. */
  lazyCommit: boolean;
  asyncLeaderWrites: boolean;
  /** Summed over nodes: unsynced leader writes, commits made before the leader's own sync, unsynced writes lost in crashes. */
  unsyncedWrites: number;
  committedBeforeOwnSync: number;
  unsyncedLost: number;
  nodes: number;
  proposals: number;
  acknowledged: number;
  applied: number;
  leaders: number;
  crashes: number;
  messages: number;
  swarm: boolean;
  /** Ticks from healing to the first pool leader, and from then to the first acknowledged proposal. */
  healLeaderTicks: number;
  healCommitTicks: number;
  /** Leaders that stepped down by CheckQuorum; elections a participant was asked to start (and refused). */
  quorumStepDowns: number;
  refusedCampaigns: number;
  /** Elections into Figure 8's setting, and appends that end before a follower's stale tail (`HistoryReach`). */
  figure8Histories: number;
  staleTailAppends: number;
  /** `noEligibleLeader`: improved mode ended with no electable pool member (checked, see below). */
  outcome: "converged" | "noEligibleLeader";
}

interface Flight {
  at: number;
  order: number;
  m: Message;
}

interface Pending {
  node: NodeId;
  incarnation: number;
  index: number;
  term: number;
}

const enc = new TextEncoder();

export class Simulation {
  readonly rng: () => number;
  /** Draws for the leader's asynchronous writes, apart from `rng` so they do not shift its stream. */
  private readonly syncRng: () => number;
  /** Leaders leave writes unsynced for a while (the orderer's asynchronous leader fsync). */
  readonly asyncLeaderWrites: boolean;
  readonly nodes = new Map<NodeId, SimNode>();
  readonly checker = new SafetyChecker();
  readonly mode: ElectionMode;
  readonly lazyCommit: boolean;
  /** Drives lazy-commit flushes only, so seeds without it replay exactly as before it existed. */
  private readonly flushRng: () => number;
  private readonly hooks: SimNodeHooks;
  private flights: Flight[] = [];
  private group = new Map<NodeId, number>();
  private pending = new Map<string, Pending>();
  readonly acked = new Set<string>();
  private now = 0;
  private faults = true;
  private proposals = 0;
  private leadersSeen = 0;
  private crashes = 0;
  private messages = 0;
  private spare: NodeId | null = null;
  outcome: "converged" | "noEligibleLeader" = "converged";
  private maxSizePerMsg = 1 << 20;
  private maxInflight = 4;
  readonly mix: FaultMix;
  private checkQuorum = false;
  private readonly liveness = new QuorumContactMonitor(ELECTION_TICK);
  private refusedCampaigns = 0;
  private heal = { leader: -1, commit: -1 };
  private readonly reach = new HistoryReach(this.nodes);

  constructor(readonly seed: number, private readonly opts: SimOptions = {}) {
    this.rng = seededRandom(seed);
    this.syncRng = seededRandom(seed * 104_729 + 17);
    this.asyncLeaderWrites = opts.asyncLeaderWrites ?? this.syncRng() < 0.5;
    this.mode = opts.mode ?? (this.rng() < 0.75 ? "improved" : "standard");
    this.flushRng = seededRandom(seed * 7907 + 13);
    const lazy = this.flushRng() < 0.5;
    this.lazyCommit = opts.lazyCommit ?? lazy;
    // Its own stream, so the classic mix replays the runs from before swarm testing exactly.
    this.mix = opts.swarm === false ? { ...CLASSIC_MIX } : swarmMix(seededRandom(seed * 6361 + 29));
    this.hooks = {
      onPersisted: (n, e, s) => this.checker.onPersisted(n, e, s),
      onLeader: (n, t) => {
        this.leadersSeen++;
        this.checker.onLeader(n, t);
        this.reach.onLeader(n, t);
        this.checkPoolGate(n, "became leader");
      },
      onCampaign: (n) => this.checkPoolGate(n, "started an election"),
      onApply: (ev) => this.onApply(ev),
    };
    this.build();
  }

  private build(): void {
    const n = this.rng() < 0.5 ? 3 : 5;
    const poolSize = 1 + Math.floor(this.rng() * Math.min(3, n));
    const members: Member[] = [];
    for (let i = 0; i < n; i++) members.push({ id: `n${i}`, role: i < poolSize ? "trading-centre" : "participant" });
    if (this.rng() < 0.3) members.push({ id: `n${n}`, role: "learner" });
    const conf: ConfState = { members };
    const preVote = this.rng() < 0.8;
    const checkQuorum = this.rng() < 0.8;
    this.checkQuorum = checkQuorum;
    const snapshotEvery = this.rng() < 0.5 ? 8 + Math.floor(this.rng() * 16) : 0;
    // Tiny messages (one entry each) and small windows make partial replication, hence the
    // Figure 8 situations, common.
    this.maxSizePerMsg = [1, 16, 1 << 20][Math.floor(this.rng() * 3)];
    this.maxInflight = 1 + Math.floor(this.rng() * 4);
    for (const m of members) this.addNode(m.id, conf, preVote, checkQuorum, snapshotEvery);
    if (this.rng() < 0.4) {
      this.spare = `n${members.length}`;
      this.addNode(this.spare, undefined, preVote, checkQuorum, snapshotEvery);
    }
  }

  private addNode(id: NodeId, conf: ConfState | undefined, preVote: boolean, checkQuorum: boolean, snap: number): void {
    const rnd = seededRandom(this.seed * 7919 + this.nodes.size + 1);
    const cfg = (): RaftConfigInput => ({ id, mode: this.mode, preVote, checkQuorum, electionTick: ELECTION_TICK, random: rnd, maxInflight: this.maxInflight, maxSizePerMsg: this.maxSizePerMsg, lazyCommit: this.lazyCommit });
    const node = new SimNode(id, new MemoryStorage(conf), cfg, snap);
    node.asyncLeaderWrites = this.asyncLeaderWrites;
    this.nodes.set(id, node);
    this.group.set(id, 0);
  }

  private onApply(ev: ApplyEvent): void {
    this.checker.onApply(ev);
    const { node, key } = ev;
    const { index, term } = ev.entry;
    const p = this.pending.get(key);
    const n = this.nodes.get(node)!;
    if (p && p.node === node && p.incarnation === n.incarnation && p.index === index && p.term === term) {
      this.acked.add(key);
      this.pending.delete(key);
    }
  }

  fail(msg: string): never {
    const variant = [
      this.mode,
      ...(this.lazyCommit ? ["lazy commit"] : []),
      ...(this.asyncLeaderWrites ? ["background leader fsync"] : []),
      ...(this.opts.swarm === false ? [] : [`faults: ${describeMix(this.mix)}`]),
    ].join(", ");
    throw new SafetyViolation(`seed ${this.seed} (${variant}) tick ${this.now}: ${msg}`);
  }

  /** The paper's gate: in improved mode only pool members campaign and lead. */
  private checkPoolGate(n: SimNode, what: string): void {
    if (this.mode !== "improved") return;
    const conf = n.raw.status().conf;
    if (!candidatePool(conf).includes(n.id)) {
      this.fail(`${n.id} ${what} but is outside its candidate pool [${candidatePool(conf).join(",")}]`);
    }
  }

  private send(m: Message): void {
    this.messages++;
    if (m.type === "preVote" || m.type === "vote") this.checkPoolGate(this.nodes.get(m.from)!, `sent ${m.type}`);
    const copies = this.faults && this.rng() < this.mix.duplicate ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      if (this.faults && this.rng() < this.mix.drop) continue;
      const delay = !this.faults || this.rng() < 1 - this.mix.delay ? 0 : 1 + Math.floor(this.rng() * 3);
      this.flights.push({ at: this.now + delay, order: this.rng(), m });
    }
  }

  private deliverDue(): boolean {
    const due = this.flights.filter((f) => f.at <= this.now).sort((a, b) => a.at - b.at || a.order - b.order);
    if (due.length === 0) return false;
    this.flights = this.flights.filter((f) => f.at > this.now);
    for (const f of due) {
      const to = this.nodes.get(f.m.to);
      if (!to || !to.alive || this.group.get(f.m.from) !== this.group.get(f.m.to)) continue;
      this.liveness.onDeliver(f.m, this.now);
      if (f.m.type === "append") this.reach.onAppend(f.m, to);
      stepKnown(to.raw, f.m);
      this.processReadies();
    }
    return true;
  }

  private processReadies(): void {
    for (let busy = true; busy; ) {
      busy = false;
      for (const n of this.nodes.values()) {
        if (!n.alive || !n.raw.hasReady()) continue;
        busy = true;
        // 0-3 records of the Ready's write reach the disk, or all of them and the node dies before sending.
        const k = this.faults && this.rng() < this.mix.tornWrite ? Math.floor(this.rng() * 5) : undefined;
        const tornAt = k === 4 ? Number.POSITIVE_INFINITY : k;
        const afterSends = this.faults ? broadcastCrashAt(this.mix, this.rng, n) : undefined;
        n.handleReady((m) => this.send(m), this.hooks, { tornAt, afterSends });
        if (tornAt !== undefined || (afterSends !== undefined && !n.alive)) this.crashes++;
        if (this.faults && n.alive && isolatesLeader(this.mix, this.rng, n)) {
          for (const id of this.nodes.keys()) this.group.set(id, id === n.id ? 1 : 0);
        }
        // Operators stop a node once it has applied its own removal (etcd's ErrRemoved): a
        // removed node left running with a stale configuration could otherwise gather votes
        // from other removed nodes.
        // A removed leader is left running until it has handed over and stepped down.
        if (n.removed && n.alive && !this.inLatestConf(n) && n.raw.status().state !== "leader") n.crash(this.syncRng());
      }
    }
  }

  private randomEvents(): void {
    const ids = [...this.nodes.keys()];
    const pick = (): SimNode => this.nodes.get(ids[Math.floor(this.rng() * ids.length)])!;
    if (this.rng() < this.mix.crash) {
      const n = pick();
      if (n.alive) {
        n.crash(this.syncRng());
        this.crashes++;
      }
    }
    if (this.rng() < this.mix.leaderCrash) {
      // Leader crashes are what exposes commit-rule and log-repair bugs: make them frequent.
      const l = this.leaderNode();
      if (l) {
        l.crash(this.syncRng());
        this.crashes++;
      }
    }
    for (const n of this.nodes.values()) if (!n.alive && this.mayRun(n) && this.rng() < this.mix.restart) this.restart(n);
    if (this.rng() < this.mix.partition) {
      const split = this.rng() < 0.5;
      for (const id of ids) this.group.set(id, split && this.rng() < 0.4 ? 1 : 0);
    }
    if (this.rng() < this.mix.propose) this.clientPropose();
    if (this.rng() < this.mix.confChange) this.confChange();
    operatorEvents(this.mix, {
      rng: this.rng,
      leader: () => this.leaderNode(),
      pick,
      send: (m) => this.send(m),
      processReadies: () => this.processReadies(),
      refusedCampaign: () => this.refusedCampaigns++,
    });
  }



  /**
   * A restarted node must not fall back to a configuration older than one it applied: its quorum
   * may need a node the operator stopped because it applied its own removal.
   */
  private restart(n: SimNode): void {
    const applied = n.confAppliedAt;
    n.restart();
    const commit = n.storage.initialState().hardState.commit;
    if (commit < applied) this.fail(`${n.id} restarted with commit ${commit}, below the configuration entry ${applied} it had applied`);
  }

  /** A node that applied its own removal is restarted only once the leader has added it back. */
  private mayRun(n: SimNode): boolean {
    return !n.removed || this.inLatestConf(n);
  }

  /** Whether `n` is a member of the most recently applied configuration (the operator's view). */
  private inLatestConf(n: SimNode): boolean {
    let latest: SimNode | undefined;
    for (const o of this.nodes.values()) if (latest === undefined || o.sm.index > latest.sm.index) latest = o;
    return latest!.conf.members.some((m) => m.id === n.id);
  }

  leaderNode(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.nodes.values()) {
      // Nodes outside their own configuration (a spare that never joined) are not asked.
      if (!n.alive || !n.raw.status().conf.members.some((m) => m.id === n.id)) continue;
      const s = n.raw.status();
      if (s.state === "leader" && (best === undefined || s.term > best.raw.status().term)) best = n;
    }
    return best;
  }

  clientPropose(): string | undefined {
    const leader = this.leaderNode();
    const alive = [...this.nodes.values()].filter((n) => n.alive);
    const target = leader && this.rng() < 0.8 ? leader : alive[Math.floor(this.rng() * alive.length)];
    if (!target) return undefined;
    const key = `p${this.proposals++}`;
    try {
      const ref = target.raw.propose(enc.encode(key));
      this.pending.set(key, { node: target.id, incarnation: target.incarnation, ...ref });
      this.processReadies();
      return key;
    } catch (e) {
      if (e instanceof ProposalDroppedError) return undefined;
      throw e;
    }
  }

  private confChange(): void {
    const leader = this.leaderNode();
    if (!leader) return;
    const conf = leader.raw.status().conf;
    const cc = this.randomConfChange(conf);
    if (!cc) return;
    try {
      leader.raw.proposeConfChange(cc);
      this.processReadies();
    } catch (e) {
      if (e instanceof ProposalDroppedError || e instanceof InvalidConfChangeError) return;
      throw e;
    }
  }

  private randomConfChange(conf: ConfState): ConfChange | undefined {
    const r = this.rng();
    const spare = this.spare;
    if (spare !== null && r < 0.4) {
      const role = conf.members.find((m) => m.id === spare)?.role;
      if (role === undefined) return { op: this.rng() < 0.5 ? "addLearner" : "addVoter", id: spare };
      if (role === "learner") return { op: "promote", id: spare };
      return { op: "removeNode", id: spare };
    }
    const members = new Set(conf.members.map((m) => m.id));
    const outside = [...this.nodes.keys()].filter((id) => id !== spare && !members.has(id));
    if (r < 0.5 && outside.length > 0) {
      // Re-add an original node removed earlier; it rejoins with its old, stale log.
      return { op: "addVoter", id: outside[0], role: this.rng() < 0.5 ? "trading-centre" : "participant" };
    }
    if (r < 0.5 && conf.members.length >= 3) {
      return { op: "removeNode", id: conf.members[Math.floor(this.rng() * conf.members.length)].id };
    }
    const tc = conf.members.filter((m) => m.role === "trading-centre").map((m) => m.id);
    if (r < 0.75 && tc.length > 0) {
      const pool = tc.filter(() => this.rng() < 0.6);
      return { op: "refreshPool", id: tc[0], pool: pool.length > 0 ? pool : [tc[0]] };
    }
    const voters = conf.members.filter((m) => m.role !== "learner");
    const v = voters[Math.floor(this.rng() * voters.length)];
    return { op: "setRole", id: v.id, role: v.role === "participant" ? "trading-centre" : "participant" };
  }

  private tickAll(): void {
    this.now++;
    for (const n of this.nodes.values()) if (n.alive && n.syncInFlight && this.syncRng() < 0.5) n.completeSync(1 + Math.floor(this.syncRng() * 3));
    for (const n of this.nodes.values()) if (n.alive) n.raw.tick();
    // The node driver flushes a lingering commit index a few milliseconds after it is owed.
    if (this.lazyCommit) for (const n of this.nodes.values()) if (n.alive && this.flushRng() < 0.5) n.raw.flushCommit();
    this.processReadies();
    while (this.deliverDue()) {
      /* deliver until nothing is due this tick */
    }
    this.checkLiveness();
  }

  /** CheckQuorum's promise: no node leads two election timeouts past its last contact with a quorum. */
  private checkLiveness(): void {
    if (!this.checkQuorum) return;
    for (const n of this.nodes.values()) {
      if (!n.alive) {
        this.liveness.forget(n.id);
        continue;
      }
      const why = this.liveness.check(n, this.now);
      if (why !== undefined) this.fail(`${why} (liveness)`);
    }
  }

  private checkMachines(): void {
    for (const n of this.nodes.values()) this.checker.checkMachine(n);
  }

  private syncTotals(): Pick<SimResult, "unsyncedWrites" | "committedBeforeOwnSync" | "unsyncedLost"> {
    const t = { unsyncedWrites: 0, committedBeforeOwnSync: 0, unsyncedLost: 0 };
    for (const n of this.nodes.values()) {
      t.unsyncedWrites += n.syncStats.unsyncedWrites;
      t.committedBeforeOwnSync += n.syncStats.committedBeforeOwnSync;
      t.unsyncedLost += n.syncStats.lostInCrash;
    }
    return t;
  }

  run(): SimResult {
    const ticks = this.opts.ticks ?? 300;
    try {
      for (let t = 0; t < ticks; t++) {
        this.randomEvents();
        this.tickAll();
        if (t % 10 === 0) this.checkMachines();
      }
      this.healAndConverge();
    } catch (e) {
      if (e instanceof SafetyViolation && e.message.startsWith(`seed ${this.seed}`)) throw e;
      const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      this.fail(msg);
    }
    return {
      seed: this.seed,
      mode: this.mode,
      lazyCommit: this.lazyCommit,
      asyncLeaderWrites: this.asyncLeaderWrites,
      ...this.syncTotals(),
      nodes: this.nodes.size,
      proposals: this.proposals,
      acknowledged: this.acked.size,
      applied: this.checker.maxApplied,
      leaders: this.leadersSeen,
      crashes: this.crashes,
      messages: this.messages,
      swarm: this.opts.swarm !== false,
      healLeaderTicks: this.heal.leader,
      healCommitTicks: this.heal.commit,
      quorumStepDowns: this.liveness.stepDowns,
      refusedCampaigns: this.refusedCampaigns,
      figure8Histories: this.reach.figure8,
      staleTailAppends: this.reach.staleTailAppends,
      outcome: this.outcome,
    };
  }

  /** Heals every fault; the cluster must elect a pool leader, commit a new entry and converge. */
  private healAndConverge(): void {
    this.faults = false;
    for (const id of this.nodes.keys()) this.group.set(id, 0);
    for (const n of this.nodes.values()) if (!n.alive && this.mayRun(n)) this.restart(n);
    let finalKey: string | undefined;
    let proposedAt = 0;
    for (let t = 0; t < 600; t++) {
      for (const n of this.nodes.values()) if (!n.alive && this.mayRun(n)) this.restart(n);
      this.tickAll();
      // A proposal accepted by a leader that is deposed before applying it is never acknowledged:
      // like a real client, retry with a new proposal after a while.
      if (finalKey !== undefined && !this.acked.has(finalKey) && t - proposedAt > 60) finalKey = undefined;
      if (finalKey === undefined && this.leaderNode()) {
        finalKey = this.clientPropose();
        proposedAt = t;
      }
      this.recordHealProgress(t, finalKey);
      if (finalKey !== undefined && this.acked.has(finalKey) && this.converged()) break;
    }
    const stuck = this.leaderNode();
    const eligible = stuck !== undefined && candidatePool(stuck.raw.status().conf).includes(stuck.id);
    const committed = finalKey !== undefined && this.acked.has(finalKey);
    if (!committed && this.mode === "improved" && !eligible) {
      this.checkNoEligibleLeader();
      return;
    }
    if (!committed) this.fail("no proposal committed after healing (liveness)");
    if (this.heal.leader > HEAL_LEADER_BOUND) this.fail(`no pool leader until ${this.heal.leader} ticks after healing (liveness)`);
    if (this.heal.commit > HEAL_COMMIT_BOUND) this.fail(`no commit until ${this.heal.commit} ticks after the leader (liveness)`);
    if (!this.converged()) this.fail("members did not converge after healing");
    this.checkMachines();
    const leader = this.leaderNode()!;
    const conf = leader.raw.status().conf;
    if (this.mode === "improved" && !candidatePool(conf).includes(leader.id)) {
      this.fail(`leader ${leader.id} is outside the candidate pool [${candidatePool(conf).join(",")}]`);
    }
    for (const key of this.acked) {
      for (const m of conf.members) {
        const n = this.nodes.get(m.id)!;
        if (n.sm.keys.filter((k) => k === key).length !== 1) this.fail(`acknowledged ${key} not applied once on ${m.id}`);
      }
    }
  }

  /** The first tick after healing with a pool leader, and the ticks from then to the first acknowledged proposal. */
  private recordHealProgress(t: number, finalKey: string | undefined): void {
    const l = this.leaderNode();
    const eligible = l !== undefined && (this.mode !== "improved" || candidatePool(l.raw.status().conf).includes(l.id));
    if (this.heal.leader < 0 && eligible) this.heal.leader = t;
    if (this.heal.leader >= 0 && this.heal.commit < 0 && finalKey !== undefined && this.acked.has(finalKey)) {
      this.heal.commit = t - this.heal.leader;
    }
  }

  /**
   * Improved mode can legitimately lose liveness: when no pool member's log is as up-to-date as a
   * quorum's, no pool member can ever win. Then (and only then) a leaderless end is accepted, and
   * every node must answer proposals with `NoEligibleLeaderError` rather than hang.
   */
  private checkNoEligibleLeader(): void {
    for (const p of this.nodes.values()) {
      const conf = p.raw.status().conf;
      if (!candidatePool(conf).includes(p.id)) continue;
      const mine = this.logPosition(p);
      const voters = conf.members.filter((m) => m.role !== "learner");
      // Only running voters can vote: a voter the operator stopped after it applied its own
      // removal stays in the configuration of a node that has not applied that removal yet.
      const support = voters.filter((m) => {
        const voter = this.nodes.get(m.id)!;
        if (!voter.alive) return false;
        const o = this.logPosition(voter);
        return o.term < mine.term || (o.term === mine.term && o.index <= mine.index);
      }).length;
      if (support >= Math.floor(voters.length / 2) + 1) {
        this.fail(`no leader after healing although pool member ${p.id} has an electable log (liveness)`);
      }
    }
    this.outcome = "noEligibleLeader";
    for (const n of this.nodes.values()) {
      // Nodes outside their own configuration (a spare that never joined) are not asked.
      if (!n.alive || !n.raw.status().conf.members.some((m) => m.id === n.id)) continue;
      try {
        n.raw.propose(enc.encode("probe"));
        this.fail(`${n.id} accepted a proposal without an eligible leader`);
      } catch (e) {
        // Followers of a stuck out-of-pool leader point to it; it answers NoEligibleLeaderError.
        const forwarded = e instanceof NotLeaderError && e.leader !== null && this.nodes.get(e.leader)?.alive === true;
        if (!(e instanceof NoEligibleLeaderError) && !forwarded) {
          this.fail(`${n.id}: expected NoEligibleLeaderError, got ${String(e)}`);
        }
      }
    }
  }

  private logPosition(n: SimNode): { index: number; term: number } {
    const index = n.storage.lastIndex();
    return { index, term: n.storage.term(index) };
  }

  private converged(): boolean {
    const leader = this.leaderNode();
    if (!leader) return false;
    const conf = leader.raw.status().conf;
    const target = leader.raw.status().lastIndex;
    if (this.mode === "improved" && !candidatePool(conf).includes(leader.id)) return false;
    return conf.members.every((m) => this.nodes.get(m.id)!.sm.index === target);
  }
}

export function runSimulation(seed: number, opts: SimOptions = {}): SimResult {
  return new Simulation(seed, opts).run();
}
