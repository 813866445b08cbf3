import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

/** What `/healthz` reports. */
export interface Health {
  readonly ok: boolean;
  readonly [key: string]: unknown;
}

/** Serves `/metrics` (Prometheus text) and `/healthz` (JSON; 503 when unhealthy). */
export class HealthServer {
  private readonly server: http.Server;

  constructor(registry: Registry, health: () => Health) {
    this.server = http.createServer((req, res) => {
      const url = (req.url ?? "/").split("?")[0];
      if (req.method !== "GET") return send(res, 405, "text/plain", "method not allowed\n");
      if (url === "/metrics") {
        registry.metrics().then(
          (text) => send(res, 200, registry.contentType, text),
          (err: Error) => send(res, 500, "text/plain", `${err.message}\n`),
        );
        return;
      }
      if (url === "/healthz") {
        const h = health();
        return send(res, h.ok ? 200 : 503, "application/json", JSON.stringify(h) + "\n");
      }
      send(res, 404, "text/plain", "not found\n");
    });
  }

  /** Listens; port 0 picks a free port. Resolves to the bound port. */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => resolve((this.server.address() as AddressInfo).port));
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { "content-type": type });
  res.end(body);
}
