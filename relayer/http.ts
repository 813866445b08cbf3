import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

/** What `/healthz` reports. */
export interface Health {
  readonly ok: boolean;
  readonly [key: string]: unknown;
}

/** A JSON answer of an extra route. */
export interface JsonReply {
  readonly status: number;
  readonly body: unknown;
}

/** Extra GET routes: a reply for a path it knows, undefined for the others (then 404). */
export type Routes = (path: string) => Promise<JsonReply> | undefined;

/** Serves `/metrics` (Prometheus text), `/healthz` (JSON; 503 when unhealthy) and any extra JSON `routes`. */
export class HealthServer {
  private readonly server: http.Server;

  constructor(registry: Registry, health: () => Health, routes: Routes = () => undefined) {
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
      const reply = routes(url ?? "/");
      if (reply === undefined) return send(res, 404, "text/plain", "not found\n");
      reply.then(
        (r) => send(res, r.status, "application/json", JSON.stringify(r.body) + "\n"),
        (err: Error) => send(res, 500, "application/json", JSON.stringify({ error: err.message.split("\n")[0] }) + "\n"),
      );
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
