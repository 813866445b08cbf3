/**
 * Election cost, improved (pool-gated) versus standard Raft, both with PreVote and CheckQuorum:
 * for each seeded trial a cluster elects a leader, the leader crashes, and we count the messages
 * sent and the simulated ticks until a new leader is elected. Messages are delivered within the
 * tick they are sent (network latency well below a tick); the timeout spread varies the
 * randomized election timeout range [T, T * (1 + spread)).
 *
 * Run alone: npx ts-node --transpile-only consensus/bench/elections.ts [--elections N] [--nodes N] [--pool N] [--json]
 */
import { Cluster } from "../src/sim/cluster";
import type { ElectionMode, Member } from "../src/core/types";

export interface ElectionBenchOptions {
  /** Seeded elections per (mode, spread); at least 200 for published figures. */
  elections?: number;
  nodes?: number;
  /** Trading-centre nodes (the pool); the rest are participants. */
  poolSize?: number;
  spreads?: number[];
  electionTick?: number;
  /** Ticks after which an election counts as failed. */
  maxTicks?: number;
  seed?: number;
}

export interface ElectionBenchRow {
  mode: ElectionMode;
  spread: number;
  elections: number;
  failed: number;
  meanMessages: number;
  p50Messages: number;
  p99Messages: number;
  meanTicks: number;
  p50Ticks: number;
  p99Ticks: number;
  /** Share of elections with more than one pre-campaign (concurrent candidates or split votes). */
  splitRate: number;
}

export interface ElectionBenchResult {
  options: Required<ElectionBenchOptions>;
  rows: ElectionBenchRow[];
}

const DEFAULTS: Required<ElectionBenchOptions> = {
  elections: 200,
  nodes: 5,
  poolSize: 2,
  spreads: [0.2, 0.5, 1, 2],
  electionTick: 10,
  maxTicks: 2000,
  seed: 1,
};

interface Trial {
  ok: boolean;
  messages: number;
  ticks: number;
  campaigns: number;
}

function members(o: Required<ElectionBenchOptions>): Member[] {
  return Array.from({ length: o.nodes }, (_, i) => ({ id: `n${i}`, role: i < o.poolSize ? "trading-centre" : "participant" }));
}

function trial(mode: ElectionMode, spread: number, seed: number, o: Required<ElectionBenchOptions>): Trial {
  const c = new Cluster(members(o), {
    mode,
    seed,
    preVote: true,
    checkQuorum: true,
    electionTick: o.electionTick,
    tweak: () => ({ electionSpread: spread }),
  });
  const first = c.tickUntilLeader(o.maxTicks);
  if (first === null) return { ok: false, messages: 0, ticks: 0, campaigns: 0 };
  c.tick(3);
  const sentBefore = c.sent;
  const deliveredBefore = c.delivered.length;
  c.node(first).crash();
  for (let ticks = 1; ticks <= o.maxTicks; ticks++) {
    c.tick();
    const ls = c.leaders();
    if (ls.length === 1) {
      const campaigns = c.delivered.slice(deliveredBefore).filter((m) => m.type === "preVote" && m.to !== first);
      const rounds = new Set(campaigns.map((m) => `${m.from}:${m.term}`)).size;
      return { ok: true, messages: c.sent - sentBefore, ticks, campaigns: rounds };
    }
  }
  return { ok: false, messages: c.sent - sentBefore, ticks: o.maxTicks, campaigns: 0 };
}

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

const mean = (xs: number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

export async function benchElections(opts: ElectionBenchOptions = {}): Promise<ElectionBenchResult> {
  const o: Required<ElectionBenchOptions> = { ...DEFAULTS, ...opts };
  const rows: ElectionBenchRow[] = [];
  for (const spread of o.spreads) {
    for (const mode of ["improved", "standard"] as ElectionMode[]) {
      const trials: Trial[] = [];
      for (let i = 0; i < o.elections; i++) trials.push(trial(mode, spread, o.seed + i, o));
      const ok = trials.filter((t) => t.ok);
      const msgs = ok.map((t) => t.messages);
      const ticks = ok.map((t) => t.ticks);
      rows.push({
        mode,
        spread,
        elections: trials.length,
        failed: trials.length - ok.length,
        meanMessages: mean(msgs),
        p50Messages: pct(msgs, 50),
        p99Messages: pct(msgs, 99),
        meanTicks: mean(ticks),
        p50Ticks: pct(ticks, 50),
        p99Ticks: pct(ticks, 99),
        splitRate: ok.length === 0 ? 0 : ok.filter((t) => t.campaigns > 1).length / ok.length,
      });
      // Yield between configurations so a caller's progress output stays live.
      await new Promise((r) => setImmediate(r));
    }
  }
  return { options: o, rows };
}

export function formatElectionTable(res: ElectionBenchResult): string {
  const o = res.options;
  const head = `elections: ${o.nodes} nodes (pool ${o.poolSize}), electionTick ${o.electionTick}, ${o.elections} seeded elections per row, PreVote + CheckQuorum`;
  const cols = ["spread", "mode", "failed", "msgs mean", "msgs p50", "msgs p99", "ticks mean", "ticks p50", "ticks p99", "rounds>1"];
  const lines = [head, cols.map((c) => c.padStart(10)).join(" ")];
  for (const r of res.rows) {
    const cells = [
      r.spread.toFixed(2),
      r.mode,
      String(r.failed),
      r.meanMessages.toFixed(1),
      String(r.p50Messages),
      String(r.p99Messages),
      r.meanTicks.toFixed(1),
      String(r.p50Ticks),
      String(r.p99Ticks),
      `${(r.splitRate * 100).toFixed(0)}%`,
    ];
    lines.push(cells.map((c) => c.padStart(10)).join(" "));
  }
  return lines.join("\n");
}

function intFlag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v <= 0) {
    console.error(`${name} must be a positive integer`);
    process.exit(2);
  }
  return v;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  if (args.includes("--help")) {
    console.log("usage: elections.ts [--elections N=200] [--nodes N=5] [--pool N=2] [--json]");
    process.exit(0);
  }
  const nodes = intFlag(args, "--nodes", DEFAULTS.nodes);
  const poolSize = intFlag(args, "--pool", DEFAULTS.poolSize);
  if (poolSize > nodes) {
    console.error("--pool cannot exceed --nodes");
    process.exit(2);
  }
  benchElections({ elections: intFlag(args, "--elections", DEFAULTS.elections), nodes, poolSize })
    .then((res) => console.log(args.includes("--json") ? JSON.stringify(res, null, 2) : formatElectionTable(res)))
    .catch((e) => {
      console.error(e instanceof Error ? e.message : String(e));
      process.exit(1);
    });
}
