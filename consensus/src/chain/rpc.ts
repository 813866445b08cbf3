import http from "node:http";
import https from "node:https";
import { ChainRpcError } from "./errors";

export interface RpcRequest {
  method: string;
  params: unknown[];
}

/** One JSON-RPC answer: either a result or the node's error. */
export type RpcOutcome = { ok: true; result: unknown } | { ok: false; code: number; message: string };

interface RpcResponse {
  id: number;
  result?: unknown;
  error?: { code: number; message: string };
}

/**
 * Minimal JSON-RPC 2.0 client over node:http(s) with a keep-alive agent of its own. Batches go in one HTTP request;
 * a Hardhat node executes a batch's calls concurrently, so never batch calls whose order matters.
 */
export class JsonRpcClient {
  private nextId = 1;
  private readonly target: URL;
  private readonly transport: typeof http | typeof https;
  /** Idle kept-alive sockets do not hold the process open (the agent unrefs them). */
  private readonly agent: http.Agent;

  constructor(
    readonly url: string,
    private readonly timeoutMs = 30_000,
  ) {
    this.target = new URL(url);
    this.transport = this.target.protocol === "https:" ? https : http;
    this.agent = new this.transport.Agent({ keepAlive: true });
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  /** Calls one method; throws ChainRpcError on transport failure or an error answer. */
  async call<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
    const [outcome] = await this.batch([{ method, params }]);
    if (outcome === undefined) throw new ChainRpcError(method, "empty answer");
    if (!outcome.ok) throw new ChainRpcError(method, outcome.message, outcome.code);
    return outcome.result as T;
  }

  /** Sends calls in one request; answers are returned in request order, errors as values. */
  async batch(requests: RpcRequest[]): Promise<RpcOutcome[]> {
    if (requests.length === 0) return [];
    const first = this.nextId;
    this.nextId += requests.length;
    const body = requests.map((r, i) => ({ jsonrpc: "2.0", id: first + i, method: r.method, params: r.params }));
    const label = requests[0]!.method + (requests.length > 1 ? ` (batch of ${requests.length})` : "");
    let answers: RpcResponse[];
    try {
      answers = await this.post(JSON.stringify(requests.length === 1 ? body[0] : body));
    } catch (err) {
      throw new ChainRpcError(label, (err as Error).message, undefined, { cause: err });
    }
    const byId = new Map(answers.map((a) => [a.id, a]));
    return body.map((b) => {
      const a = byId.get(b.id);
      if (a === undefined) return { ok: false, code: -1, message: "no answer in batch" };
      if (a.error !== undefined) return { ok: false, code: a.error.code, message: a.error.message };
      return { ok: true, result: a.result };
    });
  }

  /**
   * One POST over a kept-alive connection (node:http, not fetch: measured, fetch cost 2-3x the CPU per call,
   * BENCHMARKS.md "the replica's cost per block"). A kept-alive connection the node closed while idle (reset or hung
   * up before any answer on a reused socket) is retried once on a fresh one: the node never read that request, so even
   * a send or a mine is not repeated.
   */
  private post(payload: string, retried = false): Promise<RpcResponse[]> {
    return new Promise<RpcResponse[]>((resolve, reject) => {
      const req = this.transport.request(
        this.target,
        { method: "POST", agent: this.agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", reject);
          res.on("end", () => {
            if (res.statusCode === undefined || res.statusCode < 200 || res.statusCode > 299) return reject(new Error(`HTTP ${res.statusCode}`));
            try {
              const json = JSON.parse(Buffer.concat(chunks).toString("utf8")) as RpcResponse | RpcResponse[];
              resolve(Array.isArray(json) ? json : [json]);
            } catch (err) {
              reject(err as Error);
            }
          });
        },
      );
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on("error", (err: NodeJS.ErrnoException) => {
        const closedIdle = req.reusedSocket && (err.code === "ECONNRESET" || err.message === "socket hang up");
        if (!retried && closedIdle) resolve(this.post(payload, true));
        else reject(err);
      });
      req.end(payload);
    });
  }
}
