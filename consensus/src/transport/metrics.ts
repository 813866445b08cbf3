import { Gauge, type Registry } from "prom-client";
import type { TransportStats } from "./transport";

/**
 * Prometheus gauges over a transport's counters, read at scrape time. The `_total` values only grow
 * while the transport lives; they are exposed as gauges because the transport owns the counts.
 */
export function registerTransportMetrics(registry: Registry, stats: () => TransportStats): void {
  const perPeer = (name: string, help: string, pick: (p: TransportStats["peers"][string]) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: ["peer"],
      registers: [registry],
      collect() {
        this.reset();
        for (const [peer, p] of Object.entries(stats().peers)) this.set({ peer }, pick(p));
      },
    });
  };
  perPeer("dplc_transport_sent_messages_total", "Raft messages written to the peer's connection", (p) => p.sent);
  perPeer("dplc_transport_dropped_queue_full_total", "Messages dropped because the peer queue was full", (p) => p.droppedQueueFull);
  perPeer("dplc_transport_dropped_blocked_total", "Messages dropped by a partition (block)", (p) => p.droppedBlocked);
  perPeer("dplc_transport_queued_messages", "Messages waiting in the peer queue", (p) => p.queued);
  perPeer("dplc_transport_peer_connected", "1 when the authenticated connection to the peer is up", (p) => (p.connected ? 1 : 0));
  const single = (name: string, help: string, pick: (s: TransportStats) => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(pick(stats()));
      },
    });
  };
  single("dplc_transport_received_messages_total", "Raft messages accepted from authenticated peers", (s) => s.received);
  single("dplc_transport_pending_handshakes", "Inbound connections whose TLS handshake has not finished", (s) => s.pendingHandshakes ?? 0);
  single("dplc_transport_rejected_total", "Inbound connections or messages refused (unauthenticated, malformed)", (s) => s.rejected);
}
