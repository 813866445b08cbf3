import http from "node:http";

/** One request a client sends: path and JSON body. */
export type RequestFactory = (client: number, seq: number) => { path: string; body: string };

export interface LoadStats {
  clients: number;
  completed: number;
  failed: number;
  seconds: number;
  txPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Closed-loop load: `clients` concurrent keep-alive HTTP clients, each sending its next request as
 * soon as the previous one answers. The same code drives the orderer and etcd. Latency is request to
 * answer; both systems answer a write only once it is committed by a quorum.
 */
export async function runLoad(options: {
  url: string;
  clients: number;
  warmupMs: number;
  durationMs: number;
  request: RequestFactory;
  /** A 2xx answer counts as success only if this accepts the body. */
  accept?: (body: string) => boolean;
}): Promise<LoadStats> {
  const target = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.clients });
  const latencies: number[] = [];
  let failed = 0;
  let measuring = false;
  let running = true;
  const startAt = Date.now();
  const measureFrom = startAt + options.warmupMs;
  const stopAt = measureFrom + options.durationMs;
  const client = async (c: number): Promise<void> => {
    for (let seq = 0; running; seq++) {
      const { path, body } = options.request(c, seq);
      const t0 = process.hrtime.bigint();
      const ok = await post(agent, target, path, body, options.accept);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const now = Date.now();
      if (now >= stopAt) running = false;
      measuring = now >= measureFrom && now < stopAt;
      if (!measuring) continue;
      if (ok) latencies.push(ms);
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: options.clients }, (_, c) => client(c)));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const seconds = options.durationMs / 1000;
  return {
    clients: options.clients,
    completed: latencies.length,
    failed,
    seconds,
    txPerSec: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies[latencies.length - 1] ?? 0,
  };
}

function post(agent: http.Agent, url: URL, path: string, body: string, accept?: (b: string) => boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path,
        method: "POST",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const ok = res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300;
          resolve(ok && (accept === undefined || accept(Buffer.concat(chunks).toString("utf8"))));
        });
        res.on("error", () => resolve(false));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve(false));
    req.end(body);
  });
}
