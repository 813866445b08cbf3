import { expect } from "chai";
import { parseCheckPerf } from "../../bench/etcd";

// etcdctl 3.4's `check perf` output (ctlv3/command/check.go), as bench:consensus reads it beside its cells.
describe("bench/etcd: reading `etcdctl check perf`", function () {
  it("reads the throughput and the PASS verdict", function () {
    const out = " 60 / 60 Booooooo 100.00% 1m0s\nPASS: Throughput is 3433 writes/s\nPASS: Slowest request took 0.412014s\nPASS: Stddev is 0.046781s\nPASS\n";
    expect(parseCheckPerf(out, "xl")).to.deep.equal({ load: "xl", writesPerSec: 3433, pass: true });
  });

  it("reads a throughput below the workload's target and the FAIL verdict", function () {
    const out = "FAIL: Throughput too low: 2671.4 writes/s\nPASS: Slowest request took 0.3s\nPASS: Stddev is 0.04s\nFAIL\n";
    expect(parseCheckPerf(out, "l")).to.deep.equal({ load: "l", writesPerSec: 2671, pass: false });
  });

  it("says what etcdctl printed when there is no throughput line", function () {
    expect(() => parseCheckPerf("Error: context deadline exceeded\n", "l")).to.throw(/--load=l printed no throughput: Error: context deadline exceeded/);
  });
});
