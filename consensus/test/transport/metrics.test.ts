import { expect } from "chai";
import { Registry } from "prom-client";
import { registerTransportMetrics } from "../../src/transport/metrics";
import type { TransportStats } from "../../src/transport/transport";

describe("transport metrics (prom-client)", function () {
  it("exposes per-peer counters and connection state from stats()", async function () {
    const stats: TransportStats = {
      peers: {
        gen1: { sent: 10, droppedQueueFull: 2, droppedBlocked: 1, queued: 3, connected: true, connects: 1 },
        con1: { sent: 0, droppedQueueFull: 0, droppedBlocked: 0, queued: 0, connected: false, connects: 0 },
      },
      received: 7,
      rejected: 4,
    };
    const registry = new Registry();
    registerTransportMetrics(registry, () => stats);
    const text = await registry.metrics();
    expect(text).to.match(/^dplc_transport_sent_messages_total\{peer="gen1"\} 10$/m);
    expect(text).to.match(/^dplc_transport_dropped_queue_full_total\{peer="gen1"\} 2$/m);
    expect(text).to.match(/^dplc_transport_peer_connected\{peer="con1"\} 0$/m);
    expect(text).to.match(/^dplc_transport_rejected_total 4$/m);
    stats.peers.gen1.sent = 11;
    expect(await registry.metrics()).to.match(/^dplc_transport_sent_messages_total\{peer="gen1"\} 11$/m);
  });
});
