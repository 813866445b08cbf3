import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** The relayer's Prometheus metrics, on a registry of its own (several relayers may share a test process). */
export class RelayerMetrics {
  readonly registry = new Registry();
  readonly head: Gauge<"chain">;
  readonly lastScanned: Gauge<"chain">;
  readonly seen: Counter<"route">;
  readonly delivered: Counter<"route">;
  readonly alreadyProcessed: Counter<"route">;
  readonly failures: Counter<"route">;
  readonly orphaned: Counter<"route">;
  readonly quorumWaits: Counter<"route">;
  readonly refunded: Counter<"route">;
  readonly pending: Gauge;
  readonly setAside: Gauge;
  readonly deliverySeconds: Histogram<"route">;

  constructor(defaults = false) {
    const registers = [this.registry];
    if (defaults) collectDefaultMetrics({ register: this.registry, prefix: "relayer_" });
    this.head = new Gauge({ name: "relayer_chain_head_block", help: "Latest block seen per chain", labelNames: ["chain"], registers });
    this.lastScanned = new Gauge({
      name: "relayer_last_scanned_block",
      help: "Highest confirmed block whose logs were taken in, per chain",
      labelNames: ["chain"],
      registers,
    });
    const route = ["route"] as const;
    this.seen = new Counter({ name: "relayer_messages_seen_total", help: "Confirmed messages queued", labelNames: route, registers });
    this.delivered = new Counter({ name: "relayer_messages_delivered_total", help: "Messages executed by this relayer", labelNames: route, registers });
    this.alreadyProcessed = new Counter({
      name: "relayer_messages_already_processed_total",
      help: "Messages found executed at the destination before submitting",
      labelNames: route,
      registers,
    });
    this.failures = new Counter({ name: "relayer_delivery_failures_total", help: "Failed delivery attempts", labelNames: route, registers });
    this.orphaned = new Counter({ name: "relayer_messages_orphaned_total", help: "Queued messages dropped by a reorg", labelNames: route, registers });
    this.quorumWaits = new Counter({
      name: "relayer_quorum_waits_total",
      help: "Delivery attempts put off because fewer validators than the threshold signed",
      labelNames: route,
      registers,
    });
    this.refunded = new Counter({
      name: "relayer_messages_refunded_total",
      help: "Undeliverable messages abandoned at the destination and refunded at the source",
      labelNames: route,
      registers,
    });
    this.pending = new Gauge({ name: "relayer_pending_messages", help: "Messages waiting for delivery", registers });
    this.setAside = new Gauge({ name: "relayer_set_aside_messages", help: "Messages set aside after repeated failures", registers });
    this.deliverySeconds = new Histogram({
      name: "relayer_delivery_seconds",
      help: "Time to sign and execute one message",
      labelNames: route,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
  }
}
