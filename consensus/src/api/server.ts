import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { Admission } from "../chain/admission";
import { OrdererError } from "../chain/errors";
import { parseRawTransaction, type ParsedTx } from "../chain/tx";
import { NoEligibleLeaderError, NotLeaderError, ProposalDroppedError } from "../core";
import type { OrdererMetrics } from "../metrics/metrics";
import type { TLSSocket } from "node:tls";
import { MAX_CLOCK_ADVANCE_SECONDS } from "../batch/clock-entry";
import { BLOCKS_CONTENT_TYPE, MAX_BLOCKS_PER_PAGE, MAX_HEADERS_PER_PAGE } from "../blocks/wire";
import { parseBatch, submitInOrder } from "./batch";
import type { BlockAccess } from "./block-access";
import { parseMemberRequest } from "./members";
import { BadRequestError, ClockAdvanceDisabledError, ForbiddenError, LeaderUnavailableError, MethodNotAllowedError, NotFoundError, PayloadTooLargeError } from "./errors";
import { FORWARDED_HEADER, forwardToLeader } from "./forward";
import { API_PATHS, ordererOpenApi } from "./openapi";
import type { OrdererHandle } from "./types";

export interface ApiServerOptions {
  handle: OrdererHandle;
  /** The chain id every submitted transaction must be signed for. */
  chainId: bigint;
  /** Null admits every well-formed transaction. */
  admission: Admission | null;
  metrics: OrdererMetrics;
  logger: Logger;
  host?: string;
  /** 0 picks a free port. */
  port: number;
  maxBodyBytes?: number;
  forwardTimeoutMs?: number;
  /** How long a submission keeps retrying while the leader is unreachable or changing. */
  leaderRetryMs?: number;
  /** Fault-injection hooks for process-level tests; routes under /debug/ exist only when given. */
  debug?: DebugHooks;
  /** HTTPS instead of HTTP; `requestCert` refuses clients without a certificate issued by `ca`. */
  tls?: { key: string; cert: string; ca?: string; requestCert: boolean };
  /** How requests are forwarded to the leader's API (an undici Agent trusting the consortium CA, for HTTPS). */
  forwardDispatcher?: object;
  /** Who may read `GET /v1/blocks` over HTTPS (see `block-access.ts`); without it, anyone who reaches the API. */
  blockAccess?: BlockAccess;
  /**
   * Who may change the membership over HTTPS (see `block-access.ts`): `forwarded` requests come from a follower
   * that checked its own client, so only a consortium node's certificate is asked of them.
   */
  adminAccess?: (socket: TLSSocket, forwarded: boolean) => string | null;
}

export interface DebugHooks {
  /** Drops all Raft traffic to and from these peers (an empty list heals). */
  partition(peers: string[]): void;
}

interface Reply {
  status: number;
  body: unknown;
  contentType?: string;
  headers?: http.OutgoingHttpHeaders;
}

const TX_PATH = /^\/v1\/transactions\/(0x[0-9a-fA-F]*)$/;
const MEMBER_PATH = /^\/v1\/members\/([^/]+)$/;
const REPLICA_BLOCK_PATH = /^\/v1\/replica\/blocks\/([0-9]{1,15})$/;
const HASH = /^0x[0-9a-f]{64}$/;
const RETRY_AFTER_SECONDS = "1";

/**
 * The client API (HTTP + JSON on node:http). Every error answers `{"error": "..."}` (plus the fields
 * its typed error adds, e.g. `expectedNonce` on a 409) with the status the error carries; every 503
 * carries `Retry-After`. The contract is in consensus/README.md ("Client API").
 */
export class ApiServer {
  private readonly server: http.Server | https.Server;
  private readonly latencyChildren = new Map<string, { observe(v: number): void }>();
  private readonly o: Required<Omit<ApiServerOptions, "admission" | "debug" | "tls" | "forwardDispatcher" | "blockAccess" | "adminAccess">> &
    Pick<ApiServerOptions, "admission" | "debug" | "tls" | "forwardDispatcher" | "blockAccess" | "adminAccess">;

  constructor(options: ApiServerOptions) {
    this.o = { host: "127.0.0.1", maxBodyBytes: 4 * 1024 * 1024, forwardTimeoutMs: 10_000, leaderRetryMs: 5_000, ...options };
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => void this.serve(req, res);
    const tls = this.o.tls;
    this.server =
      tls === undefined
        ? http.createServer(handler)
        : // A certificate is always asked for (GET /v1/blocks needs a consortium node's); only requestCert demands one.
          https.createServer({ ...tls, requestCert: true, rejectUnauthorized: tls.requestCert, minVersion: "TLSv1.2" }, handler);
    this.server.keepAliveTimeout = 65_000;
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.o.port, this.o.host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    return this.port;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `${this.o.tls === undefined ? "http" : "https"}://${this.o.host}:${this.port}`;
  }

  async stop(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    // Requests in flight get a moment to finish; then connections are cut.
    const timer = setTimeout(() => this.server.closeAllConnections(), 2_000);
    await closed;
    clearTimeout(timer);
    await (this.o.forwardDispatcher as { close?: () => Promise<void> } | undefined)?.close?.();
  }

  /** The latency histogram's child per route and status, bound once (labels are hashed per lookup). */
  private latency(route: string, status: number): { observe(v: number): void } {
    const key = `${route} ${status}`;
    let child = this.latencyChildren.get(key);
    if (child === undefined) {
      child = this.o.metrics.requestLatency.labels({ route, code: String(status) });
      this.latencyChildren.set(key, child);
    }
    return child;
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const { route, run } = this.routeOf(req);
    let reply: Reply;
    try {
      reply = await run();
    } catch (err) {
      reply = this.errorReply(err, req);
    }
    const body = typeof reply.body === "string" || Buffer.isBuffer(reply.body) ? reply.body : JSON.stringify(reply.body);
    // A length rather than chunked encoding: one less framing layer for both ends to write and parse.
    const headers: http.OutgoingHttpHeaders = {
      ...reply.headers,
      "content-type": reply.contentType ?? "application/json",
      "content-length": Buffer.byteLength(body),
    };
    if (reply.status === 405) headers.allow = (reply.body as { allow?: string }).allow ?? "GET";
    // Every 503 is worth retrying (here or on another node) once a leader is elected: about a second.
    if (reply.status === 503) headers["retry-after"] = RETRY_AFTER_SECONDS;
    // The unread rest of an oversized body would be taken for the next request.
    if (reply.status === 413) headers.connection = "close";
    res.writeHead(reply.status, headers).end(body);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.latency(route, reply.status).observe(seconds);
    if (reply.status === 503) this.o.logger.warn({ route, error: (reply.body as { error?: string }).error }, "request refused: unavailable");
    else this.o.logger.debug({ route, method: req.method, status: reply.status, ms: seconds * 1000 }, "request");
  }

  private routeOf(req: http.IncomingMessage): { route: string; run: () => Promise<Reply> } {
    const path = (req.url ?? "/").split("?")[0]!;
    const method = req.method ?? "GET";
    const only = (allowed: string, fn: () => Promise<Reply>) => async (): Promise<Reply> => {
      if (method !== allowed) throw new MethodNotAllowedError(method, allowed);
      return fn();
    };
    if (path === API_PATHS.submit.path) return { route: "submit", run: only("POST", () => this.submit(req)) };
    if (path === API_PATHS.submitBatch.path) return { route: "submit-batch", run: only("POST", () => this.submitBatch(req)) };
    const m = TX_PATH.exec(path);
    if (m !== null) return { route: "lookup", run: only("GET", () => this.lookup(m[1]!, req)) };
    if (path === API_PATHS.blocks.path) return { route: "blocks", run: only("GET", () => this.blocks(req)) };
    const rb = REPLICA_BLOCK_PATH.exec(path);
    if (rb !== null) return { route: "replica-block", run: only("GET", () => this.replicaBlock(Number(rb[1]))) };
    if (path === API_PATHS.clock.path) return { route: "clock", run: only("POST", () => this.clock(req)) };
    if (path === API_PATHS.addMember.path) return { route: "members", run: only("POST", () => this.addMember(req)) };
    const mm = MEMBER_PATH.exec(path);
    if (mm !== null) return { route: "members", run: only("DELETE", () => this.removeMember(req, decodeURIComponent(mm[1]!))) };
    if (path === API_PATHS.status.path) return { route: "status", run: only("GET", async () => ({ status: 200, body: this.o.handle.status() })) };
    if (path === API_PATHS.metrics.path) return { route: "metrics", run: only("GET", () => this.metricsReply()) };
    if (path === API_PATHS.healthz.path) return { route: "healthz", run: only("GET", async () => this.health()) };
    if (path === API_PATHS.openapi.path) return { route: "openapi", run: only("GET", async () => ({ status: 200, body: ordererOpenApi() })) };
    if (path === "/debug/partition" && this.o.debug !== undefined) {
      return { route: "debug", run: only("POST", () => this.partition(req)) };
    }
    return { route: "other", run: async () => Promise.reject(new NotFoundError(`no route ${method} ${path}`)) };
  }

  private async submit(req: http.IncomingMessage): Promise<Reply> {
    const text = await this.readBody(req);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new BadRequestError('body must be JSON: {"raw":"0x…"}', { cause: err });
    }
    if (typeof json !== "object" || json === null || !("raw" in json)) {
      throw new BadRequestError('body must be a JSON object with a "raw" field: {"raw":"0x…"}');
    }
    const tx = parseRawTransaction((json as { raw: unknown }).raw, this.o.chainId);
    // Every node recovers the signer before anything else: a signature that recovers no key is a
    // 400 here, never an acknowledged transaction the chain then refuses.
    void tx.senderKey;
    if (this.o.admission !== null) await this.o.admission.check(tx);
    // A leader that just died still looks alive to followers for up to an election timeout:
    // retry (bounded) until the core names a new leader or says none can be elected.
    const deadline = Date.now() + this.o.leaderRetryMs;
    for (;;) {
      const reply = await this.submitOnce(req, tx);
      if (reply.status !== 503 || req.headers[FORWARDED_HEADER] !== undefined || Date.now() >= deadline) return reply;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Orders here, or forwards to the leader; a 503 answer may be retried by the caller. */
  private async submitOnce(req: http.IncomingMessage, tx: ParsedTx): Promise<Reply> {
    try {
      return { status: 200, body: await this.o.handle.submit(tx) };
    } catch (err) {
      if (!(err instanceof NotLeaderError)) throw err;
      const known = await this.o.handle.lookup(tx.hash);
      if (known !== undefined && known.status !== "pending") return { status: 200, body: { hash: tx.hash, status: known.status } };
      try {
        return await this.forward(req, "POST", "/v1/transactions", JSON.stringify({ raw: tx.raw }));
      } catch (ferr) {
        if (ferr instanceof LeaderUnavailableError) return { status: 503, body: { error: ferr.message } };
        throw ferr;
      }
    }
  }

  /** `POST /v1/transactions/batch` (`batch.ts`): taken in here in order when this node leads, else forwarded whole. */
  private async submitBatch(req: http.IncomingMessage): Promise<Reply> {
    let json: unknown;
    try {
      json = JSON.parse(await this.readBody(req));
    } catch (err) {
      if (err instanceof OrdererError) throw err;
      throw new BadRequestError('body must be JSON: {"raws":["0x…",…]}', { cause: err });
    }
    const txs = parseBatch(json, this.o.chainId);
    const deadline = Date.now() + this.o.leaderRetryMs;
    for (;;) {
      const s = this.o.handle.status();
      if (s.leader === s.id) return { status: 200, body: { results: await submitInOrder(this.o.handle, this.o.admission, txs) } };
      try {
        return await this.forward(req, "POST", API_PATHS.submitBatch.path, JSON.stringify({ raws: txs.map((t) => t.raw) }));
      } catch (err) {
        // As for one transaction: a leader that just died is replaced within an election; until then, retry here.
        if (!(err instanceof LeaderUnavailableError) || req.headers[FORWARDED_HEADER] !== undefined || Date.now() >= deadline) throw err;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async lookup(hash: string, req: http.IncomingMessage): Promise<Reply> {
    const h = hash.toLowerCase();
    if (!HASH.test(h)) throw new BadRequestError("transaction hash must be 0x followed by 64 hex digits");
    const found = await this.o.handle.lookup(h);
    if (found !== undefined) return { status: 200, body: found };
    const refused = this.o.handle.refusal(h);
    if (refused !== undefined) throw refused;
    // Only the leader knows transactions still waiting in its batch.
    const leader = this.o.handle.leaderApiUrl();
    const status = this.o.handle.status();
    if (leader !== null && status.leader !== status.id && req.headers[FORWARDED_HEADER] === undefined) {
      const answer = await this.forward(req, "GET", `/v1/transactions/${h}`).catch(() => null);
      if (answer !== null && answer.status === 200) return answer;
    }
    throw new NotFoundError(`unknown transaction ${h} (never submitted here, or older than the ledger keeps)`);
  }

  /** `GET /v1/blocks?from=N&limit=M[&headers=1]`: stored blocks (or linked headers) from N, binary (`blocks/wire.ts`). */
  private async blocks(req: http.IncomingMessage): Promise<Reply> {
    const read = this.o.handle.blockPage;
    if (read === undefined) throw new NotFoundError("this node serves no blocks");
    const q = new URL(req.url ?? "/", "http://x").searchParams;
    const headers = q.get("headers") === "1" || q.get("headers") === "true";
    const cap = headers ? MAX_HEADERS_PER_PAGE : MAX_BLOCKS_PER_PAGE;
    const from = Number(q.get("from") ?? "");
    const limit = q.get("limit") === null ? cap : Number(q.get("limit"));
    if (!Number.isSafeInteger(from) || from < 1) throw new BadRequestError("from must be a block number (an integer >= 1)");
    if (!Number.isSafeInteger(limit) || limit < 1) throw new BadRequestError(`limit must be an integer from 1 (at most ${cap} are served)`);
    if (this.o.blockAccess !== undefined) {
      const refused = this.o.blockAccess(req.socket as TLSSocket);
      if (refused !== null) throw new ForbiddenError(refused);
    }
    const page = await read.call(this.o.handle, from, limit, headers);
    return { status: 200, body: page.body, contentType: BLOCKS_CONTENT_TYPE, headers: { "x-dplc-blocks": String(page.count), "x-dplc-head": String(page.head) } };
  }

  /** `GET /v1/replica/blocks/{n}`: this node's replica's chain block, which peers compare with theirs. */
  private async replicaBlock(n: number): Promise<Reply> {
    const block = (await this.o.handle.replicaBlock?.(n)) ?? null;
    if (block === null) throw new NotFoundError(`no chain block ${n} on this node's replica`);
    return { status: 200, body: block };
  }

  /** `POST /v1/clock {"advanceSeconds": N}` (devnet only): ordered on the leader, answered once applied there. */
  private async clock(req: http.IncomingMessage): Promise<Reply> {
    if (this.o.handle.advanceClock === undefined) throw new ClockAdvanceDisabledError();
    let seconds: unknown;
    try {
      seconds = (JSON.parse(await this.readBody(req)) as { advanceSeconds?: unknown }).advanceSeconds;
    } catch (err) {
      throw new BadRequestError('body must be JSON: {"advanceSeconds": N}', { cause: err });
    }
    if (typeof seconds !== "number" || !Number.isSafeInteger(seconds) || seconds < 1 || seconds > MAX_CLOCK_ADVANCE_SECONDS) {
      throw new BadRequestError(`"advanceSeconds" must be a whole number of seconds from 1 to ${MAX_CLOCK_ADVANCE_SECONDS}`);
    }
    try {
      return { status: 200, body: await this.o.handle.advanceClock(seconds) };
    } catch (err) {
      if (!(err instanceof NotLeaderError)) throw err;
      return this.forward(req, "POST", "/v1/clock", JSON.stringify({ advanceSeconds: seconds }));
    }
  }

  /** `POST /v1/members`: validated here, proposed on the leader (`node/member-admin.ts`), answered once applied there. */
  private async addMember(req: http.IncomingMessage): Promise<Reply> {
    this.requireAdmin(req);
    const add = this.o.handle.addMember;
    if (add === undefined) throw new NotFoundError("this node does not change its membership");
    const body = await this.readBody(req);
    const request = parseMemberRequest(body);
    try {
      return { status: 200, body: await add.call(this.o.handle, request) };
    } catch (err) {
      if (!(err instanceof NotLeaderError)) throw err;
      return this.forward(req, "POST", API_PATHS.addMember.path, body);
    }
  }

  /** `DELETE /v1/members/{id}`: as adding. */
  private async removeMember(req: http.IncomingMessage, id: string): Promise<Reply> {
    this.requireAdmin(req);
    const remove = this.o.handle.removeMember;
    if (remove === undefined) throw new NotFoundError("this node does not change its membership");
    try {
      return { status: 200, body: await remove.call(this.o.handle, id) };
    } catch (err) {
      if (!(err instanceof NotLeaderError)) throw err;
      return this.forward(req, "DELETE", `/v1/members/${encodeURIComponent(id)}`);
    }
  }

  private requireAdmin(req: http.IncomingMessage): void {
    if (this.o.adminAccess === undefined) return;
    const refused = this.o.adminAccess(req.socket as TLSSocket, req.headers[FORWARDED_HEADER] !== undefined);
    if (refused !== null) throw new ForbiddenError(refused);
  }

  private async forward(req: http.IncomingMessage, method: "GET" | "POST" | "DELETE", path: string, body?: string): Promise<Reply> {
    if (req.headers[FORWARDED_HEADER] !== undefined) {
      throw new LeaderUnavailableError("leadership changed while the request was forwarded; retry");
    }
    const leader = this.o.handle.leaderApiUrl();
    if (leader === null) throw new LeaderUnavailableError("no leader is known yet; retry shortly");
    const answer = await forwardToLeader(leader, path, {
      method,
      body,
      from: this.o.handle.status().id,
      timeoutMs: this.o.forwardTimeoutMs,
      leaderChange: this.o.handle.leaderChangeSignal(),
      dispatcher: this.o.forwardDispatcher,
    });
    return { status: answer.status, body: answer.body };
  }

  private async partition(req: http.IncomingMessage): Promise<Reply> {
    let peers: unknown;
    try {
      peers = (JSON.parse(await this.readBody(req)) as { peers?: unknown }).peers;
    } catch (err) {
      throw new BadRequestError('body must be JSON: {"peers":["id",…]}', { cause: err });
    }
    if (!Array.isArray(peers) || !peers.every((p) => typeof p === "string")) {
      throw new BadRequestError('"peers" must be an array of node ids');
    }
    this.o.debug!.partition(peers as string[]);
    return { status: 200, body: { partitioned: peers } };
  }

  private async metricsReply(): Promise<Reply> {
    const registry = this.o.metrics.registry;
    return { status: 200, body: await registry.metrics(), contentType: registry.contentType };
  }

  /**
   * Fails (503) while this node's replica differs from a peer's, naming the peer and the height, or while its chain
   * node runs another EVM than the config names.
   */
  private health(): Reply {
    const s = this.o.handle.status();
    const divergence = this.o.handle.divergences?.() ?? [];
    const wrongEvm = this.o.handle.wrongEvm?.() ?? null;
    if (divergence.length > 0 || wrongEvm !== null) {
      return { status: 503, body: { ok: false, id: s.id, role: s.role, leader: s.leader, divergence, ...(wrongEvm === null ? {} : { wrongEvm }) } };
    }
    return { status: 200, body: { ok: true, id: s.id, role: s.role, leader: s.leader } };
  }

  private errorReply(err: unknown, req: http.IncomingMessage): Reply {
    if (err instanceof MethodNotAllowedError) return { status: 405, body: { error: err.message, allow: err.allow } };
    if (err instanceof OrdererError) return { status: err.status, body: err.body() };
    if (err instanceof NoEligibleLeaderError) {
      const msg = /no eligible leader/i.test(err.message) ? err.message : `no eligible leader: ${err.message}`;
      return { status: 503, body: { error: msg } };
    }
    if (err instanceof NotLeaderError) return { status: 503, body: { error: `no leader available: ${err.message}; retry` } };
    // Any other dropped proposal (leadership transfer in progress, leadership just lost): retryable.
    if (err instanceof ProposalDroppedError) return { status: 503, body: { error: `proposal dropped: ${err.message}; retry` } };
    this.o.logger.error({ err, method: req.method, url: req.url }, "request failed");
    return { status: 500, body: { error: "internal error" } };
  }

  /** Collects the body with plain stream events (an async iterator costs several objects per request). */
  private readBody(req: http.IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        req.off("data", onData);
        req.pause();
        reject(err);
      };
      const onData = (chunk: Buffer): void => {
        size += chunk.length;
        if (size > this.o.maxBodyBytes) fail(new PayloadTooLargeError(this.o.maxBodyBytes));
        else chunks.push(chunk);
      };
      req.on("data", onData);
      req.once("end", () => {
        if (settled) return;
        settled = true;
        resolve(chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8"));
      });
      req.once("error", fail);
      // 'close' follows 'end' on every request; only a close before it means the body was cut off.
      req.once("close", () => {
        if (!settled) fail(new BadRequestError("the request body ended early (connection closed)"));
      });
    });
  }
}
