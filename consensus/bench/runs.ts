/**
 * Repeated runs of bench:consensus (issue 16: "beat etcd at every concurrency in every run, with a max/min spread
 * of at most 1.3× per cell across 5 runs, on fresh processes"). Pure: the rows of every run in, a per-cell table
 * and a verdict out, so the rule is tested without starting a cluster.
 */
import { median } from "./util";

export interface CellRow {
  system: "orderer" | "etcd";
  nodes: number;
  clients: number;
  txPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

/** One run of every cell on fresh processes, with etcd's own load generator's figures beside it. */
export interface RunResult {
  rows: CellRow[];
  /** `etcdctl check perf` figures of this run, empty when not run. */
  checkPerf: { load: string; writesPerSec: number }[];
}

export interface CellSummary {
  nodes: number;
  clients: number;
  /** tx/s per run, in run order; empty for a system that was not run. */
  orderer: number[];
  etcd: number[];
  /** Max over min of the runs (1 for a single run; null without runs). */
  ordererSpread: number | null;
  etcdSpread: number | null;
  /** Runs in which the orderer's cell beat etcd's 3-node cell at the same concurrency. */
  ordererAhead: number;
  /** Runs that had both systems' cells. */
  compared: number;
}

/** The spread the issue allows per cell across runs. */
export const MAX_SPREAD = 1.3;

function spread(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const lo = Math.min(...xs);
  return lo > 0 ? Math.max(...xs) / lo : Infinity;
}

function rate(run: RunResult, system: CellRow["system"], nodes: number, clients: number): number | undefined {
  return run.rows.find((r) => r.system === system && r.nodes === nodes && r.clients === clients)?.txPerSec;
}

/** One summary per orderer cell (nodes × clients) seen in any run, compared with etcd (always 3 nodes). */
export function summarizeCells(runs: RunResult[]): CellSummary[] {
  const keys = new Map<string, { nodes: number; clients: number }>();
  for (const run of runs) for (const r of run.rows) if (r.system === "orderer") keys.set(`${r.nodes}/${r.clients}`, { nodes: r.nodes, clients: r.clients });
  return [...keys.values()].map(({ nodes, clients }) => {
    const orderer: number[] = [];
    const etcd: number[] = [];
    let ordererAhead = 0;
    let compared = 0;
    for (const run of runs) {
      const o = rate(run, "orderer", nodes, clients);
      const e = rate(run, "etcd", 3, clients);
      if (o !== undefined) orderer.push(o);
      if (e !== undefined) etcd.push(e);
      if (o === undefined || e === undefined) continue;
      compared++;
      if (o > e) ordererAhead++;
    }
    return { nodes, clients, orderer, etcd, ordererSpread: spread(orderer), etcdSpread: spread(etcd), ordererAhead, compared };
  });
}

/** One run's orderer best cell against etcd's best, its cells and check perf together; null without both sides. */
export function runBest(run: RunResult): { best: number; rival: number; what: string; ahead: boolean } | null {
  const mine = run.rows.filter((r) => r.system === "orderer").map((r) => r.txPerSec);
  const rivals = [
    ...run.rows.filter((r) => r.system === "etcd").map((r) => ({ what: `etcd ${r.clients} clients`, rate: r.txPerSec })),
    ...run.checkPerf.map((c) => ({ what: `etcdctl check perf --load=${c.load}`, rate: c.writesPerSec })),
  ];
  if (mine.length === 0 || rivals.length === 0) return null;
  const best = Math.max(...mine);
  const top = rivals.reduce((a, b) => (b.rate > a.rate ? b : a));
  return { best, rival: top.rate, what: top.what, ahead: best > top.rate };
}

/** Runs in which the orderer's best cell beat etcd's best, its cells and check perf together. */
export function bestAhead(runs: RunResult[]): { ahead: number; compared: number } {
  const verdicts = runs.map(runBest).filter((v) => v !== null);
  return { ahead: verdicts.filter((v) => v.ahead).length, compared: verdicts.length };
}

const fmt = (xs: number[]): string => (xs.length === 0 ? "—" : xs.map((x) => x.toFixed(0)).join(" / "));
const fmtSpread = (s: number | null): string => (s === null ? "—" : `${s.toFixed(2)}×${s > MAX_SPREAD ? " (over 1.3)" : ""}`);

/** A markdown table of every cell across runs, then one verdict line per rule of issue 16. */
export function formatRuns(runs: RunResult[]): string {
  const cells = summarizeCells(runs);
  const lines = [
    `| nodes | clients | orderer tx/s per run | median | max/min | etcd tx/s per run | median | max/min | orderer ahead |`,
    `| ---: | ---: | --- | ---: | ---: | --- | ---: | ---: | ---: |`,
  ];
  for (const c of cells) {
    const med = (xs: number[]): string => (xs.length === 0 ? "—" : median(xs).toFixed(0));
    const ahead = c.compared === 0 ? "—" : `${c.ordererAhead} of ${c.compared}`;
    lines.push(`| ${c.nodes} | ${c.clients} | ${fmt(c.orderer)} | ${med(c.orderer)} | ${fmtSpread(c.ordererSpread)} | ${fmt(c.etcd)} | ${med(c.etcd)} | ${fmtSpread(c.etcdSpread)} | ${ahead} |`);
  }
  const compared = cells.filter((c) => c.compared > 0);
  const everyRun = compared.length > 0 && compared.every((c) => c.ordererAhead === c.compared);
  const steady = cells.every((c) => (c.ordererSpread ?? 1) <= MAX_SPREAD);
  const best = bestAhead(runs);
  lines.push("");
  lines.push(`every cell, every run: ${compared.length === 0 ? "no etcd cells to compare" : everyRun ? "orderer ahead" : "ETCD AHEAD in some (see the last column)"}`);
  lines.push(`orderer spread per cell ≤ ${MAX_SPREAD}×: ${steady ? "yes" : "NO"}`);
  lines.push(`best against best (cells and check perf): orderer ahead in ${best.ahead} of ${best.compared} run(s)`);
  return lines.join("\n");
}
