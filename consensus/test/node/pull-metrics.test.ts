import { expect } from "chai";
import { Registry } from "prom-client";
import { pullMetrics } from "../../src/node/pull-metrics";

describe("node/pull-metrics: the block puller's progress on /metrics", function () {
  it("registers the pulled blocks, pulled transactions and remaining blocks in the node's registry", async function () {
    const registry = new Registry();
    const m = pullMetrics(registry);
    m.pulledBlocks.inc(3);
    m.remaining.set(7);
    const text = await registry.metrics();
    expect(text).to.match(/^orderer_blocks_pulled_total 3$/m);
    expect(text).to.match(/^orderer_blocks_pulled_transactions_total 0$/m);
    expect(text).to.match(/^orderer_block_pull_remaining 7$/m);
  });
});
