import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** The dashboard's Prometheus metrics, on a registry of its own. */
export class DashboardMetrics {
  readonly registry = new Registry();
  readonly requests: Histogram<"route" | "code">;
  readonly signIns: Counter<"outcome">;
  readonly liveClients: Gauge;
  readonly lastBlock: Gauge;

  constructor() {
    const registers = [this.registry];
    this.requests = new Histogram({
      name: "dashboard_request_seconds",
      help: "Request latency by route and status",
      labelNames: ["route", "code"],
      buckets: [0.005, 0.02, 0.1, 0.5, 2],
      registers,
    });
    this.signIns = new Counter({ name: "dashboard_sign_ins_total", help: "Sign-in attempts by outcome (ok, 401, 403)", labelNames: ["outcome"], registers });
    this.liveClients = new Gauge({ name: "dashboard_live_clients", help: "Open server-sent event streams", registers });
    this.lastBlock = new Gauge({ name: "dashboard_main_chain_block", help: "Latest main-chain block the live poller saw", registers });
  }
}
