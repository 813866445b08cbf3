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
 * Minimal JSON-RPC 2.0 client over fetch (keep-alive through undici). Batches go in one HTTP request;
 * a Hardhat node executes a batch's calls concurrently, so never batch calls whose order matters.
 */
export class JsonRpcClient {
  private nextId = 1;

  constructor(
    readonly url: string,
    private readonly timeoutMs = 30_000,
  ) {}

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
   * One POST. A kept-alive connection the node closed while idle ("other side closed" before any answer) is retried
   * once on a fresh one: the node never read that request, so even a send or a mine is not repeated.
   */
  private async post(payload: string, retried = false): Promise<RpcResponse[]> {
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: payload,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const cause = (err as Error).cause as { code?: string; message?: string } | undefined;
      if (!retried && cause?.code === "UND_ERR_SOCKET" && cause.message === "other side closed") return this.post(payload, true);
      throw err;
    }
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const json = (await res.json()) as RpcResponse | RpcResponse[];
    return Array.isArray(json) ? json : [json];
  }
}
