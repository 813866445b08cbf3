import { DplcError } from "../errors";

/** Where a transaction stands in the ordering service (consensus/README.md, the HTTP API). */
export type OrderedStatus = "pending" | "ordered" | "applied";

/** `GET /v1/transactions/{hash}`: `block` is the ordered block (Raft index), `chainBlock` the chain block once applied. */
export interface OrderedLookup {
  readonly status: OrderedStatus;
  readonly block: number | null;
  readonly index: number | null;
  readonly chainBlock: number | null;
  /** The chain refused the ordered transaction. */
  readonly error?: string;
}

/** One transaction's answer in a batch: taken in (`status`), or refused with the HTTP code it would have got alone. */
export type BatchItemAnswer = { readonly hash: string; readonly status: OrderedStatus } | BatchItemRefusal;
export interface BatchItemRefusal {
  readonly hash: string;
  readonly code: number;
  readonly error: string;
  readonly expectedNonce?: number;
}

/** The typed error a refusal inside a batch stands for (as `submit` would throw it). */
export function refusalError(r: BatchItemRefusal): Error {
  if (r.code === 409 && typeof r.expectedNonce === "number") return new NonceConflictError(r.expectedNonce, r.error);
  if (r.code >= 500) return new OrdererUnavailableError(`ordering service unavailable (batch): ${r.error}`);
  return new OrdererRefusedError(r.code, `the ordering service refused the transaction (HTTP ${r.code}): ${r.error}`);
}

/** `GET /v1/status` (the fields the client uses). */
export interface OrdererStatus {
  readonly id: string;
  readonly term: number;
  readonly leader: string | null;
  readonly pool: readonly string[];
}

/** The cluster refused a transaction for good (400 malformed, 403 not admitted): resubmitting cannot help. */
export class OrdererRefusedError extends DplcError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super("ORDERER_REFUSED", message);
  }
}

/** 409: the nonce is not the sender's next one; the cluster says which one it expects. */
export class NonceConflictError extends DplcError {
  constructor(
    readonly expectedNonce: number,
    message: string,
  ) {
    super("NONCE_CONFLICT", message);
  }
}

/** No node of the cluster answered within the retry budget. */
export class OrdererUnavailableError extends DplcError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super("ORDERER_UNAVAILABLE", message, options);
  }
}

export interface OrdererApiOptions {
  /** Base URLs of the nodes' client APIs (http://host:port). */
  readonly urls: readonly string[];
  /** Per-request timeout (default 15 s: a submission waits for its commit). */
  readonly requestTimeoutMs?: number;
  /** How long to keep trying other nodes on 503, refused connections and timeouts (default 60 s). */
  readonly retryBudgetMs?: number;
}

/** An answer worth trying again on another node (or the same one a moment later). */
class Retryable extends Error {}

const BACKOFF_MS = [0, 25, 50, 100, 200, 400];

/**
 * A client of the ordering service's HTTP API with failover. Requests go to the node that answered last (followers
 * forward to the leader anyway); on 503, a refused connection or a timeout the next node is tried, with a short
 * backoff once every node has been tried. 400 and 403 are final; 409 carries the expected nonce.
 */
export class OrdererApi {
  private readonly urls: readonly string[];
  private current = 0;
  private readonly timeoutMs: number;
  private readonly budgetMs: number;

  constructor(options: OrdererApiOptions) {
    if (options.urls.length === 0) throw new DplcError("INVALID_ARGUMENT", "the ordering service needs at least one API URL");
    this.urls = options.urls.map((u) => u.replace(/\/+$/, ""));
    this.timeoutMs = options.requestTimeoutMs ?? 15_000;
    this.budgetMs = options.retryBudgetMs ?? 60_000;
  }

  get endpoints(): readonly string[] {
    return this.urls;
  }

  /** Sends the next requests to `url` first (the leader: a follower would forward them there anyway). */
  prefer(url: string): void {
    const k = this.urls.indexOf(url.replace(/\/+$/, ""));
    if (k !== -1) this.current = k;
  }

  /** `POST /v1/transactions`: resolves with the cluster's answer (`ordered`, or `pending` when the commit is slow). */
  async submit(raw: string): Promise<{ hash: string; status: OrderedStatus }> {
    return this.withFailover(`submit`, (url) => this.request(`${url}/v1/transactions`, { method: "POST", body: JSON.stringify({ raw }) }));
  }

  /**
   * `POST /v1/transactions/batch`: up to 256 transactions taken in in order; one answer per transaction. Resolves
   * once every one is ordered (or pending) or refused.
   */
  async submitBatch(raws: readonly string[]): Promise<BatchItemAnswer[]> {
    const answer = await this.withFailover(`submit a batch of ${raws.length}`, (url) =>
      this.request<{ results: BatchItemAnswer[] }>(`${url}/v1/transactions/batch`, { method: "POST", body: JSON.stringify({ raws }) }),
    );
    if (!Array.isArray(answer.results) || answer.results.length !== raws.length) {
      throw new OrdererRefusedError(502, `the ordering service answered a batch of ${raws.length} with ${answer.results?.length ?? "no"} results`);
    }
    return answer.results;
  }

  /** `GET /v1/transactions/{hash}`; undefined when the node has never seen it. */
  async lookup(hash: string): Promise<OrderedLookup | undefined> {
    return this.withFailover(`lookup ${hash}`, (url) => this.request(`${url}/v1/transactions/${hash}`, { method: "GET" }, true));
  }

  /**
   * Asks every node at once and returns the most advanced answer (a chain refusal or `applied` first): until every
   * node reports what the chain did, only the delivering node may know of a refusal.
   */
  async lookupEverywhere(hash: string): Promise<OrderedLookup | undefined> {
    const answers = await Promise.all(
      this.urls.map((url) => this.request<OrderedLookup | undefined>(`${url}/v1/transactions/${hash}`, { method: "GET" }, true).catch(() => undefined)),
    );
    const rank = (a: OrderedLookup | undefined) => (a === undefined ? 0 : a.error !== undefined ? 4 : a.status === "applied" ? 3 : a.status === "ordered" ? 2 : 1);
    return answers.reduce((best, a) => (rank(a) > rank(best) ? a : best), undefined as OrderedLookup | undefined);
  }

  /** `GET /v1/status` of one node, or null when it does not answer. */
  async status(url: string): Promise<OrdererStatus | null> {
    try {
      const res = await fetch(`${url}/v1/status`, { signal: AbortSignal.timeout(2_000) });
      return res.ok ? ((await res.json()) as OrdererStatus) : null;
    } catch {
      return null;
    }
  }

  private async withFailover<T>(what: string, call: (url: string) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.budgetMs;
    let last: unknown;
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      const url = this.urls[this.current]!;
      try {
        return await call(url);
      } catch (err) {
        if (!(err instanceof Retryable)) throw err;
        last = err;
        this.current = (this.current + 1) % this.urls.length;
        const round = Math.floor((attempt + 1) / this.urls.length);
        await sleep(BACKOFF_MS[Math.min(round, BACKOFF_MS.length - 1)]!);
      }
    }
    const reason = last instanceof Error ? last.message : String(last);
    throw new OrdererUnavailableError(`ordering service unavailable (${what}): ${reason} [${this.urls.join(", ")}]`, { cause: last });
  }

  private async request<T>(url: string, init: RequestInit, notFoundIsUndefined = false): Promise<T> {
    let res: Response;
    try {
      res = await fetch(url, { ...init, headers: { "content-type": "application/json" }, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      // Refused connection, reset, timeout: the node is down or busy; another may answer.
      throw new Retryable(`${url}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`);
    }
    const text = await res.text();
    const body = parseJson(text);
    if (res.ok) return body as T;
    const message = typeof body?.error === "string" ? body.error : text.slice(0, 200);
    if (res.status === 404 && notFoundIsUndefined) return undefined as T;
    if (res.status === 409 && typeof body?.expectedNonce === "number") throw new NonceConflictError(body.expectedNonce, message);
    if (res.status === 400 || res.status === 403 || res.status === 409) {
      throw new OrdererRefusedError(res.status, `the ordering service refused the transaction (HTTP ${res.status}): ${message}`);
    }
    if (res.status >= 500) throw new Retryable(`${url}: HTTP ${res.status} ${message}`);
    throw new OrdererRefusedError(res.status, `ordering service ${url}: HTTP ${res.status} ${message}`);
  }
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
