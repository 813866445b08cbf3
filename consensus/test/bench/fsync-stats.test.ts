import { expect } from "chai";
import { describeSyncs, histogramTotals } from "../../bench/fsync-stats";

// Pages as prom-client (the orderer) and etcd 3.4 write them; bench/fsync.ts compares two readings of each.
describe("bench/fsync-stats: reading fsync histograms from /metrics", function () {
  const orderer = (count: number, sum: number, within: number): string =>
    [
      "# HELP dplc_wal_fsync_seconds WAL fsync duration",
      "# TYPE dplc_wal_fsync_seconds histogram",
      `dplc_wal_fsync_seconds_bucket{le="0.0005",node="n1"} ${within - 1}`,
      `dplc_wal_fsync_seconds_bucket{le="0.001",node="n1"} ${within}`,
      `dplc_wal_fsync_seconds_bucket{le="0.002",node="n1"} ${count}`,
      `dplc_wal_fsync_seconds_sum{node="n1"} ${sum}`,
      `dplc_wal_fsync_seconds_count{node="n1"} ${count}`,
      "dplc_wal_other_total 99",
    ].join("\n");

  it("reads count, sum and the 1-ms bucket, and nothing of another metric", function () {
    expect(histogramTotals(orderer(40, 0.05, 30), "dplc_wal_fsync_seconds")).to.deep.equal({ count: 40, sum: 0.05, withinMs1: 30 });
    expect(histogramTotals(orderer(40, 0.05, 30), "etcd_disk_wal_fsync_duration_seconds")).to.deep.equal({ count: 0, sum: 0, withinMs1: 0 });
  });

  it("reads etcd's page, whose buckets start at 1 ms", function () {
    const page = [
      'etcd_disk_wal_fsync_duration_seconds_bucket{le="0.001"} 90',
      'etcd_disk_wal_fsync_duration_seconds_bucket{le="0.002"} 98',
      "etcd_disk_wal_fsync_duration_seconds_sum 0.0612",
      "etcd_disk_wal_fsync_duration_seconds_count 100",
    ].join("\n");
    expect(histogramTotals(page, "etcd_disk_wal_fsync_duration_seconds")).to.deep.equal({ count: 100, sum: 0.0612, withinMs1: 90 });
  });

  it("describes only what happened between the readings", function () {
    const before = histogramTotals(orderer(40, 0.05, 30), "dplc_wal_fsync_seconds");
    const after = histogramTotals(orderer(140, 0.35, 80), "dplc_wal_fsync_seconds");
    expect(describeSyncs(before, after)).to.equal("100 syncs, mean 3.00 ms, 50 % within 1 ms");
    expect(describeSyncs(after, after)).to.equal("no syncs");
  });
});
