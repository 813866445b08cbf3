import { expect } from "chai";
import fs from "node:fs";
import { Registry } from "prom-client";
import { FileStorage } from "../../src/storage/file-storage";
import { registerStorageGauges, walSyncMetrics } from "../../src/storage/metrics";
import { range, tempDir } from "./helpers";

describe("storage metrics (prom-client)", function () {
  it("observes every fsync and reports log positions at scrape time", async function () {
    const dir = tempDir("smetrics");
    const registry = new Registry();
    const { hooks } = walSyncMetrics(registry);
    const s = FileStorage.open(dir, { hooks });
    registerStorageGauges(registry, () => s);
    try {
      s.save({ term: 1, vote: null, commit: 0 }, range(1, 3, 1));
      s.save({ term: 1, vote: null, commit: 3 }, []);
      const text = await registry.metrics();
      expect(text).to.match(/^dplc_wal_fsync_seconds_count 2$/m);
      expect(text).to.match(/^dplc_log_last_index 3$/m);
      expect(text).to.match(/^dplc_log_first_index 1$/m);
      expect(text).to.match(/^dplc_wal_segments 1$/m);
    } finally {
      s.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("records fsync durations in seconds, in buckets from half a millisecond", async function () {
    const registry = new Registry();
    const { hooks, histogram } = walSyncMetrics(registry);
    hooks.afterSync!("segment", 5);
    const values = (await histogram.get()).values;
    expect(values.find((v) => v.metricName === "dplc_wal_fsync_seconds_sum")?.value).to.equal(0.005);
    expect(values.find((v) => v.labels.le === 0.0005)?.value).to.equal(0);
    expect(values.find((v) => v.labels.le === 0.005)?.value).to.equal(1);
  });

  it("scrapes without error before the storage is open", async function () {
    const registry = new Registry();
    registerStorageGauges(registry, () => null);
    expect(await registry.metrics()).to.match(/^# TYPE dplc_log_last_index gauge$/m);
  });
});
