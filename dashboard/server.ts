/**
 * The dashboard's HTTP server (fastify): static pages, sign-in, the JSON API behind a session, CSV exports, live
 * updates as server-sent events, and the OpenAPI document. Every /api route answers 401 without a session.
 */
import path from "node:path";
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import fastifyCookie from "@fastify/cookie";
import fastifyStatic from "@fastify/static";
import type { Logger } from "pino";
import { SignIn, type Session } from "./auth";
import type { DashboardConfig } from "./config";
import { OneTimeLinks } from "./demo-link";
import { DashboardAccessError } from "./errors";
import { LiveHub } from "./events";
import { DashboardMetrics } from "./metrics";
import { openApiDocument } from "./openapi";
import { openSources, type Sources } from "./sources";
import { visibleRound } from "./views/access";
import { readCluster } from "./views/cluster";
import { readRound } from "./views/market";
import { readParticipants } from "./views/participants";
import { readBridge, readCertificates } from "./views/sidechain";
import { matchesCsv, totalsCsv } from "../src/replay/csv";

export const SESSION_COOKIE = "dplc_session";

const sessionCookie = { path: "/", httpOnly: true, sameSite: "strict" as const };

export interface Dashboard {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly signIn: SignIn;
  readonly live: LiveHub;
  /** The JSON API's paths as registered (static files aside), for the OpenAPI check. */
  readonly routes: readonly string[];
  /** With `demoSignIn`: a one-time link that signs `address` in when opened within `ttlMs`; otherwise undefined. */
  readonly signInLink?: (address: string, ttlMs: number) => string;
  stop(): Promise<void>;
}

declare module "fastify" {
  interface FastifyRequest {
    session?: Session;
  }
}

/** One certificate price of a Case B sweep, as the certificates page charts it (tokens). */
export interface SweepPoint {
  certPrice: number;
  windCertIncome: number;
  windProfit: number;
  generatorRevenue: number;
}

/** Results a run hands the dashboard besides what the chains hold (`npm run demo`: the Case B sweep). */
export interface DashboardExtras {
  readonly caseBSweep?: readonly SweepPoint[];
}

/** Builds, starts and returns the dashboard; `stop` closes the server, the poller and the chain connections. */
export async function startDashboard(config: DashboardConfig, logger: Logger, extras: DashboardExtras = {}): Promise<Dashboard> {
  const sources = openSources(config);
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger });
  let domain = `${config.host}:${config.port}`;
  const signIn = new SignIn({ domain: () => domain, chainId: config.deployment.chainId, membership: sources.membership, sessionTtlMs: config.sessionHours * 3600_000 });
  const metrics = new DashboardMetrics();
  const live = new LiveHub(() => sources.readLive(), (err) => logger.warn({ err }, "live poll failed"));
  live.subscribe((e) => {
    if (e.type === "block") metrics.lastBlock.set((e.data as { number: number }).number);
  });
  const routes = new Set<string>();
  app.addHook("onRoute", (r) => {
    if (!r.url.includes("*") && r.url !== "/") routes.add(r.url);
  });
  await app.register(fastifyCookie);
  await app.register(fastifyStatic, { root: path.join(__dirname, "public"), index: "index.html" });
  await app.register(fastifyStatic, { root: path.dirname(require.resolve("uplot/dist/uPlot.iife.min.js")), prefix: "/vendor/uplot/", decorateReply: false });
  app.setErrorHandler((err: FastifyError, _req, reply) => {
    if (err instanceof DashboardAccessError) return reply.status(err.status).send({ error: err.message });
    const status = err.statusCode ?? 500;
    if (status >= 500) logger.error({ err }, "request failed");
    return reply.status(status).send({ error: status >= 500 ? "internal error" : err.message });
  });
  app.addHook("onResponse", async (req, reply) => {
    metrics.requests.labels({ route: req.routeOptions.url ?? "other", code: String(reply.statusCode) }).observe(reply.elapsedTime / 1000);
    if (req.routeOptions.url === "/auth/verify") metrics.signIns.labels({ outcome: reply.statusCode === 200 ? "ok" : String(reply.statusCode) }).inc();
  });
  app.addHook("preHandler", async (req) => {
    req.session = signIn.session(req.cookies[SESSION_COOKIE]);
    if (req.url.startsWith("/api/") && req.session === undefined) throw new DashboardAccessError(401, "sign in first");
  });
  authRoutes(app, signIn);
  const links = config.demoSignIn ? demoLinkRoute(app, signIn) : undefined;
  apiRoutes(app, sources, live, metrics);
  app.get("/api/caseb", async () => {
    if (extras.caseBSweep === undefined) throw Object.assign(new Error("no Case B sweep was run with this dashboard"), { statusCode: 404 });
    return extras.caseBSweep;
  });
  app.get("/openapi.json", async () => openApiDocument({ demoSignIn: config.demoSignIn }));
  app.get("/healthz", async () => ({ ok: true, block: live.state?.block ?? null }));
  app.get("/metrics", async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  const address = await app.listen({ host: config.host, port: config.port });
  // The sign-in domain must be the address the browser uses; with port 0 it is known only now.
  const bound = new URL(address);
  domain = `${config.host}:${bound.port}`;
  live.start(config.pollMs);
  return {
    app,
    url: `http://${domain}`,
    signIn,
    live,
    routes: [...routes],
    ...(links === undefined ? {} : { signInLink: (address: string, ttlMs: number) => `http://${domain}/auth/link?token=${links.issue(address, ttlMs)}` }),
    async stop() {
      live.stop();
      await app.close();
      sources.close();
    },
  };
}

function authRoutes(app: FastifyInstance, signIn: SignIn): void {
  app.get<{ Querystring: { address?: string } }>("/auth/challenge", async (req) => {
    const address = req.query.address;
    if (address === undefined || !/^0x[0-9a-fA-F]{40}$/.test(address)) throw new DashboardAccessError(401, "address must be a 0x-prefixed 20-byte address");
    return signIn.challenge(address, `http://${req.headers.host ?? "localhost"}/`);
  });
  app.post<{ Body: { message?: unknown; signature?: unknown } }>("/auth/verify", async (req, reply) => {
    const { message, signature } = req.body ?? {};
    if (typeof message !== "string" || typeof signature !== "string") throw new DashboardAccessError(401, "message and signature are required");
    const session = await signIn.verify(message, signature);
    void reply.setCookie(SESSION_COOKIE, session.token, { ...sessionCookie, expires: new Date(session.expires) });
    return { address: session.address, role: session.role };
  });
  app.post("/auth/signout", async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    if (token !== undefined) signIn.signOut(token);
    void reply.clearCookie(SESSION_COOKIE, sessionCookie);
    return { ok: true };
  });
}

/** The demo's one-time sign-in: the link's token is spent on first use, then the holder gets an ordinary session. */
function demoLinkRoute(app: FastifyInstance, signIn: SignIn): OneTimeLinks {
  const links = new OneTimeLinks();
  app.get<{ Querystring: { token?: string } }>("/auth/link", async (req, reply) => {
    const session = await signIn.open(links.redeem(req.query.token ?? ""));
    void reply.setCookie(SESSION_COOKIE, session.token, { ...sessionCookie, expires: new Date(session.expires) });
    return reply.redirect("/#round", 303);
  });
  return links;
}

function viewer(req: FastifyRequest): Session {
  return req.session!;
}

async function roundOf(sources: Sources, req: FastifyRequest) {
  const round = await readRound(sources.sys, sources.names);
  if (round === null) throw Object.assign(new Error("no round has been opened yet"), { statusCode: 404 });
  return visibleRound(round, viewer(req));
}

function csv(reply: FastifyReply, name: string, text: string): string {
  void reply.type("text/csv; charset=utf-8").header("content-disposition", `attachment; filename="${name}"`);
  return text;
}

function sideChain(sources: Sources) {
  if (sources.bridge === null) throw Object.assign(new Error("no side chain configured (sideRpcUrl and a two-chain deployment)"), { statusCode: 404 });
  return sources.bridge;
}

function apiRoutes(app: FastifyInstance, sources: Sources, live: LiveHub, metrics: DashboardMetrics): void {
  const d = sources.config.deployment;
  app.get("/api/me", async (req) => ({ address: viewer(req).address, role: viewer(req).role }));
  app.get("/api/round", async (req) => roundOf(sources, req));
  app.get("/api/round/matches.csv", async (req, reply) => {
    const r = await roundOf(sources, req);
    return csv(reply, `round-${r.status.roundId}-matches.csv`, matchesCsv({ case: "", pricing: "surplus-split", matches: r.matches, totals: r.totals }));
  });
  app.get("/api/round/totals.csv", async (req, reply) => {
    const r = await roundOf(sources, req);
    return csv(reply, `round-${r.status.roundId}-totals.csv`, totalsCsv({ case: "", pricing: "surplus-split", matches: r.matches, totals: r.totals }));
  });
  app.get("/api/participants", async (req) => {
    const round = await readRound(sources.sys, sources.names);
    return round === null ? [] : readParticipants(sources.sys, round, viewer(req), sources.bridge?.side.certificate);
  });
  app.get("/api/certificates", async () => readCertificates(sideChain(sources), sources.names, d.side?.startBlock ?? 0));
  app.get("/api/bridge", async () => readBridge(sideChain(sources), { main: d.main.bridge?.startBlock ?? 0, side: d.side?.startBlock ?? 0 }));
  app.get("/api/cluster", async () => ({ ...(await readCluster(sources.config.orderers)), leaderChanges: live.leaderChanges }));
  app.get("/api/events", (req, reply) => {
    reply.raw.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    // Server-sent events are four lines of framing; no plugin needed.
    const send = (type: string, data: unknown) => reply.raw.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
    if (live.state !== null) send("hello", live.state);
    const unsubscribe = live.subscribe((e) => send(e.type, e.data));
    metrics.liveClients.inc();
    req.raw.on("close", () => {
      unsubscribe();
      metrics.liveClients.dec();
    });
    void reply.hijack();
  });
}
