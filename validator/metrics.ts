import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";

/** The validator's Prometheus metrics, on a registry of its own. */
export class ValidatorMetrics {
  readonly registry = new Registry();
  readonly head: Gauge<"chain">;
  readonly lastScanned: Gauge<"chain">;
  readonly seen: Counter<"chain">;
  readonly signed: Counter<"kind">;
  readonly refused: Counter<"kind" | "reason">;

  constructor(defaults = false) {
    const registers = [this.registry];
    if (defaults) collectDefaultMetrics({ register: this.registry, prefix: "validator_" });
    this.head = new Gauge({ name: "validator_chain_head_block", help: "Latest block seen per chain", labelNames: ["chain"], registers });
    this.lastScanned = new Gauge({
      name: "validator_last_scanned_block",
      help: "Highest confirmed block whose logs were taken in, per chain",
      labelNames: ["chain"],
      registers,
    });
    this.seen = new Counter({ name: "validator_messages_seen_total", help: "Confirmed messages seen, by source chain", labelNames: ["chain"], registers });
    this.signed = new Counter({ name: "validator_signatures_total", help: "Attestations signed (message, abandon, refund)", labelNames: ["kind"], registers });
    this.refused = new Counter({
      name: "validator_refusals_total",
      help: "Attestation requests refused, by kind and reason",
      labelNames: ["kind", "reason"],
      registers,
    });
  }
}
