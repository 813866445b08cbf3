/**
 * What else the machine did during a cell, from /proc/stat's CPU line: the share of CPU time stolen by the
 * hypervisor, spent on niced processes (the project's mutation-testing helpers run at nice 19), and busy in all.
 * Five idle-machine runs had both systems' first runs slowest (BENCHMARKS.md, "Five runs per cell"); these figures
 * beside each cell tell a machine that was busier then from a slower system.
 */
import fs from "node:fs";
import os from "node:os";

export interface HostSample {
  /** Clock ticks: user, nice, system, idle, iowait, irq, softirq, steal. */
  ticks: number[];
}

export function hostSample(): HostSample {
  const line = fs.readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  return { ticks: line.trim().split(/\s+/).slice(1, 9).map(Number) };
}

/** Percentages of all CPU time between two samples, and the load average now. */
export function hostBetween(a: HostSample, b: HostSample): { stealPct: number; nicePct: number; busyPct: number; load: number } {
  const d = b.ticks.map((t, i) => t - (a.ticks[i] ?? 0));
  const total = d.reduce((x, y) => x + y, 0) || 1;
  const pct = (x: number): number => Math.round((1000 * x) / total) / 10;
  return { stealPct: pct(d[7] ?? 0), nicePct: pct(d[1] ?? 0), busyPct: pct(total - (d[3] ?? 0) - (d[4] ?? 0)), load: Math.round(os.loadavg()[0]! * 10) / 10 };
}
