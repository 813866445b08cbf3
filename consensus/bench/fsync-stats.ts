/** A Prometheus histogram's totals as a `/metrics` page states them: what `bench/fsync.ts` compares. */
export interface HistogramTotals {
  count: number;
  sum: number;
  /** Observations at or below 1 ms (the `le="0.001"` bucket, which both systems' fsync histograms have). */
  withinMs1: number;
}

/** The totals of histogram `name` in a Prometheus text page (labels ignored: one series per page here). */
export function histogramTotals(page: string, name: string): HistogramTotals {
  const totals: HistogramTotals = { count: 0, sum: 0, withinMs1: 0 };
  for (const line of page.split("\n")) {
    const value = Number(line.slice(line.lastIndexOf(" ") + 1));
    if (line.startsWith(`${name}_count`)) totals.count = value;
    else if (line.startsWith(`${name}_sum`)) totals.sum = value;
    else if (line.startsWith(`${name}_bucket`) && line.includes('le="0.001"')) totals.withinMs1 = value;
  }
  return totals;
}

/** What happened between two readings: how many syncs, their mean in ms and the share within 1 ms. */
export function describeSyncs(before: HistogramTotals, after: HistogramTotals): string {
  const n = after.count - before.count;
  if (n <= 0) return "no syncs";
  const meanMs = (1000 * (after.sum - before.sum)) / n;
  const within = (100 * (after.withinMs1 - before.withinMs1)) / n;
  return `${n} syncs, mean ${meanMs.toFixed(2)} ms, ${within.toFixed(0)} % within 1 ms`;
}
