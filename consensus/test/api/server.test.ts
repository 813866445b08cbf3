import { expect } from "chai";
import { Signature, Transaction, Wallet } from "ethers";
import pino from "pino";
import { API_PATHS } from "../../src/api/openapi";
import { ApiServer } from "../../src/api/server";
import { FORWARDED_HEADER } from "../../src/api/forward";
import type { NodeStatus, OrdererHandle, SubmitResult, TxLookup } from "../../src/api/types";
import { Admission } from "../../src/chain/admission";
import { NonceConflictError } from "../../src/chain/errors";
import type { ParsedTx } from "../../src/chain/tx";
import { NoEligibleLeaderError, NotLeaderError, ProposalDroppedError } from "../../src/core/errors";
import { OrdererMetrics } from "../../src/metrics/metrics";

const CHAIN_ID = 31337n;
const logger = pino({ level: "silent" });

/** A scripted node: records submissions, answers from a table. */
class FakeHandle implements OrdererHandle {
  submitted: ParsedTx[] = [];
  known = new Map<string, TxLookup>();
  leaderUrl: string | null = null;
  submitError: Error | null = null;
  /** Submissions wait on this when set (a leader that never answers). */
  hold: Promise<void> | null = null;
  refused = new Map<string, NonceConflictError>();
  epoch = new AbortController();

  constructor(readonly id: string, public leader: string | null) {}

  /** The node learns of a new leader: forwards in flight are abandoned. */
  changeLeader(leader: string | null, url: string | null): void {
    this.leader = leader;
    this.leaderUrl = url;
    this.epoch.abort();
    this.epoch = new AbortController();
  }

  /** Refusals by nonce (a batch's item refused on its own). */
  refuseNonce = new Map<number, Error>();
  /** Set: each submission is taken in (admitted) at once, and then waits on this before it counts as ordered. */
  orderGate: Promise<void> | null = null;

  async submit(tx: ParsedTx, admitted?: () => void): Promise<SubmitResult> {
    if (this.hold !== null) await this.hold;
    if (this.submitError !== null) throw this.submitError;
    const refusal = this.refuseNonce.get(tx.nonce);
    if (refusal !== undefined) throw refusal;
    this.submitted.push(tx);
    admitted?.();
    if (this.orderGate !== null) await this.orderGate;
    this.known.set(tx.hash, { status: "ordered", block: 5, index: this.submitted.length - 1, chainBlock: null });
    return { hash: tx.hash, status: "ordered" };
  }

  async lookup(hash: string): Promise<TxLookup | undefined> {
    return this.known.get(hash);
  }

  refusal(hash: string): NonceConflictError | undefined {
    return this.refused.get(hash);
  }

  leaderChangeSignal(): AbortSignal {
    return this.epoch.signal;
  }

  status(): NodeStatus {
    return {
      id: this.id,
      role: "trading-centre",
      term: 3,
      leader: this.leader,
      commitIndex: 9,
      appliedIndex: 7,
      pool: ["n1", "n2"],
      members: [
        { id: "n1", role: "trading-centre" },
        { id: "n2", role: "trading-centre" },
        { id: "n3", role: "participant" },
      ],
      blocks: { number: 4, hash: "0x" + "ab".repeat(32) },
    };
  }

  leaderApiUrl(): string | null {
    return this.leaderUrl;
  }
}

async function signed(wallet: Wallet, chainId = CHAIN_ID, nonce = 0): Promise<string> {
  return wallet.signTransaction({
    type: 2,
    chainId,
    nonce,
    to: wallet.address,
    value: 1n,
    gasLimit: 21_000n,
    maxFeePerGas: 2_000_000_000n,
    maxPriorityFeePerGas: 1n,
  });
}

function unsignedRaw(): string {
  return Transaction.from({ type: 2, chainId: CHAIN_ID, nonce: 0, gasLimit: 21_000n, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n })
    .unsignedSerialized;
}

async function call(url: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url + path, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // /metrics is text.
  }
  return { status: res.status, json: json as Record<string, unknown>, text, headers: res.headers };
}

describe("api/server: the client HTTP API", function () {
  const wallet = new Wallet(Wallet.createRandom().privateKey);
  const servers: ApiServer[] = [];

  async function serve(handle: OrdererHandle, admission: Admission | null = null, maxBodyBytes?: number): Promise<ApiServer> {
    const server = new ApiServer({
      handle,
      chainId: CHAIN_ID,
      admission,
      metrics: new OrdererMetrics({ nodeId: handle.status().id }),
      logger,
      port: 0,
      maxBodyBytes,
      leaderRetryMs: 200,
    });
    await server.start();
    servers.push(server);
    return server;
  }

  afterEach(async function () {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  describe("POST /v1/transactions", function () {
    it("orders a valid signed transaction and answers hash and status", async function () {
      const handle = new FakeHandle("n1", "n1");
      const api = await serve(handle);
      const raw = await signed(wallet);
      const res = await call(api.url, "POST", "/v1/transactions", { raw });
      expect(res.status).to.equal(200);
      expect(res.json).to.deep.equal({ hash: handle.submitted[0]!.hash, status: "ordered" });
      expect(handle.submitted[0]!.raw).to.equal(raw.toLowerCase());
    });

    describe("when the request is bad", function () {
      const cases: [string, () => Promise<unknown>, RegExp][] = [
        ["a body that is not JSON", async () => "{raw:", /body must be JSON/],
        ["a body without raw", async () => ({ tx: "0x00" }), /"raw" field/],
        ["a malformed transaction", async () => ({ raw: "0xdeadbeef" }), /malformed transaction/],
        ["an unsigned transaction", async () => ({ raw: unsignedRaw() }), /not signed/],
        ["a transaction for another chain", async () => ({ raw: await signed(wallet, 5n) }), /wrong chain id 5/],
      ];
      for (const [what, body, pattern] of cases) {
        it(`answers 400 with a clear error for ${what}`, async function () {
          const handle = new FakeHandle("n1", "n1");
          const api = await serve(handle);
          const res = await call(api.url, "POST", "/v1/transactions", await body());
          expect(res.status).to.equal(400);
          expect(res.json.error).to.match(pattern);
          expect(handle.submitted).to.have.length(0);
        });
      }
    });

    it("answers 400 for a signature that recovers no key (r is not a curve point), before ordering", async function () {
      const handle = new FakeHandle("n1", "n1");
      const api = await serve(handle);
      const bad = Transaction.from(await signed(wallet));
      bad.signature = Signature.from({ r: "0x" + "00".repeat(31) + "05", s: bad.signature!.s, yParity: 0 });
      const res = await call(api.url, "POST", "/v1/transactions", { raw: bad.serialized });
      expect(res.status).to.equal(400);
      expect(Object.keys(res.json)).to.deep.equal(["error"]);
      expect(res.json.error).to.match(/^invalid signature/);
      expect(handle.submitted).to.have.length(0);
    });

    it("answers 409 with the sender, the nonce and the expected nonce when the node refuses the nonce", async function () {
      const handle = new FakeHandle("n1", "n1");
      handle.submitError = new NonceConflictError(wallet.address, 7, 3);
      const api = await serve(handle);
      const res = await call(api.url, "POST", "/v1/transactions", { raw: await signed(wallet, CHAIN_ID, 7) });
      expect(res.status).to.equal(409);
      expect(res.json).to.deep.equal({
        error: `nonce 7 of ${wallet.address} leaves a gap: its next nonce is 3`,
        sender: wallet.address,
        nonce: 7,
        expectedNonce: 3,
      });
    });

    it("answers 403 when admission refuses the sender", async function () {
      const handle = new FakeHandle("n1", "n1");
      const admission = new Admission({ registry: "0x00000000000000000000000000000000000000aa", reader: async () => false });
      const api = await serve(handle, admission);
      const res = await call(api.url, "POST", "/v1/transactions", { raw: await signed(wallet) });
      expect(res.status).to.equal(403);
      expect(res.json.error).to.contain(wallet.address);
      expect(handle.submitted).to.have.length(0);
    });

    it("answers 413 for an oversized body", async function () {
      const api = await serve(new FakeHandle("n1", "n1"), null, 1_000);
      const res = await call(api.url, "POST", "/v1/transactions", { raw: "0x" + "00".repeat(2_000) });
      expect(res.status).to.equal(413);
    });

    it("answers 503 'no eligible leader' at once when no pool node can lead", async function () {
      const handle = new FakeHandle("n3", null);
      handle.submitError = new NoEligibleLeaderError("every trading-centre node is unreachable");
      const api = await serve(handle);
      const res = await call(api.url, "POST", "/v1/transactions", { raw: await signed(wallet) });
      expect(res.status).to.equal(503);
      expect(res.headers.get("retry-after")).to.equal("1");
      expect(res.json.error).to.match(/^no eligible leader: every trading-centre node is unreachable/);
    });

    it("answers 503 'retry' when the core drops the proposal (leadership transfer)", async function () {
      const handle = new FakeHandle("n1", "n1");
      handle.submitError = new ProposalDroppedError("leadership transfer to n2 in progress");
      const api = await serve(handle);
      const res = await call(api.url, "POST", "/v1/transactions", { raw: await signed(wallet) });
      expect(res.status).to.equal(503);
      expect(res.json.error).to.equal("proposal dropped: leadership transfer to n2 in progress; retry");
    });

    describe("when this node follows", function () {
      it("forwards to the leader's API and relays its answer", async function () {
        const leader = new FakeHandle("n1", "n1");
        const leaderApi = await serve(leader);
        const follower = new FakeHandle("n2", "n1");
        follower.submitError = new NotLeaderError("n1");
        follower.leaderUrl = leaderApi.url;
        const api = await serve(follower);
        const res = await call(api.url, "POST", "/v1/transactions", { raw: await signed(wallet, CHAIN_ID, 1) });
        expect(res.status).to.equal(200);
        expect(res.json).to.deep.equal({ hash: leader.submitted[0]!.hash, status: "ordered" });
      });

      it("answers from its own state for a transaction it already saw ordered", async function () {
        const follower = new FakeHandle("n2", "n1");
        const raw = await signed(wallet, CHAIN_ID, 2);
        await follower.submit((await import("../../src/chain/tx")).parseRawTransaction(raw, CHAIN_ID));
        follower.submitError = new NotLeaderError("n1");
        follower.leaderUrl = "http://127.0.0.1:1";
        const api = await serve(follower);
        const res = await call(api.url, "POST", "/v1/transactions", { raw });
        expect(res.status).to.equal(200);
        expect(res.json.status).to.equal("ordered");
      });

      it("never forwards a forwarded request again", async function () {
        const handle = new FakeHandle("n2", "n1");
        handle.submitError = new NotLeaderError("n1");
        handle.leaderUrl = "http://127.0.0.1:1";
        const api = await serve(handle);
        const res = await call(api.url, "POST", "/v1/transactions", { raw: await signed(wallet) }, { [FORWARDED_HEADER]: "n3" });
        expect(res.status).to.equal(503);
        expect(res.json.error).to.match(/leadership changed/);
      });

      it("re-routes a forwarded request to the new leader as soon as the leader changes", async function () {
        const stale = new FakeHandle("n1", "n1");
        stale.hold = new Promise(() => {});
        const staleApi = await serve(stale);
        const next = new FakeHandle("n3", "n3");
        const nextApi = await serve(next);
        const follower = new FakeHandle("n2", "n1");
        follower.submitError = new NotLeaderError("n1");
        follower.leaderUrl = staleApi.url;
        const api = await serve(follower);
        const started = Date.now();
        const answer = call(api.url, "POST", "/v1/transactions", { raw: await signed(wallet, CHAIN_ID, 4) });
        await new Promise((r) => setTimeout(r, 100));
        follower.changeLeader("n3", nextApi.url);
        const res = await answer;
        expect(res.status).to.equal(200);
        expect(res.json).to.deep.equal({ hash: next.submitted[0]!.hash, status: "ordered" });
        // Far below the 10 s forward timeout: the forward was abandoned when the leader changed.
        expect(Date.now() - started).to.be.below(2_000);
      });

      it("answers 503 when the leader cannot be reached", async function () {
        const handle = new FakeHandle("n2", "n1");
        handle.submitError = new NotLeaderError("n1");
        handle.leaderUrl = "http://127.0.0.1:1";
        const api = await serve(handle);
        const res = await call(api.url, "POST", "/v1/transactions", { raw: await signed(wallet) });
        expect(res.status).to.equal(503);
        expect(res.json.error).to.match(/leader at http:\/\/127.0.0.1:1 did not answer/);
      });
    });
  });

  describe("POST /v1/transactions/batch", function () {
    const batchOf = (n: number, from = 0) => Promise.all(Array.from({ length: n }, (_, k) => signed(wallet, CHAIN_ID, from + k)));

    it("takes the transactions in in the order given and answers one result each", async function () {
      const handle = new FakeHandle("n1", "n1");
      const api = await serve(handle);
      const raws = await batchOf(3);
      const res = await call(api.url, "POST", "/v1/transactions/batch", { raws });
      expect(res.status).to.equal(200);
      expect(handle.submitted.map((t) => t.raw)).to.deep.equal(raws.map((r) => r.toLowerCase()));
      expect(res.json.results).to.deep.equal(handle.submitted.map((t) => ({ hash: t.hash, status: "ordered" })));
    });

    it("takes the next one in as soon as the previous one is admitted, without waiting for its commit", async function () {
      const handle = new FakeHandle("n1", "n1");
      let commit!: () => void;
      handle.orderGate = new Promise<void>((resolve) => (commit = resolve));
      const api = await serve(handle);
      const answer = call(api.url, "POST", "/v1/transactions/batch", { raws: await batchOf(4) });
      for (let waited = 0; handle.submitted.length < 4 && waited < 5_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
      expect(handle.submitted.map((t) => t.nonce)).to.deep.equal([0, 1, 2, 3]);
      commit();
      const res = await answer;
      expect(res.status).to.equal(200);
      expect((res.json.results as unknown[]).length).to.equal(4);
    });

    describe("when one transaction is refused", function () {
      it("answers that refusal for its own item, with the code and fields a single submission would get", async function () {
        const handle = new FakeHandle("n1", "n1");
        handle.refuseNonce.set(1, new NonceConflictError(wallet.address, 1, 2));
        const api = await serve(handle);
        const raws = await batchOf(3);
        const res = await call(api.url, "POST", "/v1/transactions/batch", { raws });
        expect(res.status).to.equal(200);
        const results = res.json.results as Record<string, unknown>[];
        expect(results[0]).to.deep.equal({ hash: handle.submitted[0]!.hash, status: "ordered" });
        expect(results[1]).to.include({ code: 409, sender: wallet.address, nonce: 1, expectedNonce: 2 });
        expect(results[1]!.error).to.equal(`nonce 1 of ${wallet.address} is already used: its next nonce is 2`);
        expect(results[2]).to.deep.equal({ hash: handle.submitted[1]!.hash, status: "ordered" });
      });

      it("answers 403 for the item whose sender admission refuses, and orders the others", async function () {
        const other = new Wallet(Wallet.createRandom().privateKey);
        const admission = new Admission({ registry: "0x00000000000000000000000000000000000000aa", reader: async (who) => who.toLowerCase() !== other.address.toLowerCase() });
        const handle = new FakeHandle("n1", "n1");
        const api = await serve(handle, admission);
        const res = await call(api.url, "POST", "/v1/transactions/batch", { raws: [await signed(wallet), await signed(other), await signed(wallet, CHAIN_ID, 1)] });
        const results = res.json.results as Record<string, unknown>[];
        expect(results.map((r) => r.code ?? r.status)).to.deep.equal(["ordered", 403, "ordered"]);
        expect(results[1]!.error).to.contain(other.address);
        expect(handle.submitted.map((t) => t.sender.toLowerCase())).to.deep.equal([wallet.address.toLowerCase(), wallet.address.toLowerCase()]);
      });

      it("answers 503 for an item whose proposal the core dropped (resubmit)", async function () {
        const handle = new FakeHandle("n1", "n1");
        handle.refuseNonce.set(0, new ProposalDroppedError("leadership transfer to n2 in progress"));
        const api = await serve(handle);
        const res = await call(api.url, "POST", "/v1/transactions/batch", { raws: await batchOf(1) });
        expect((res.json.results as Record<string, unknown>[])[0]).to.include({ code: 503 });
      });
    });

    describe("when the request is bad", function () {
      for (const [what, body, message] of [
        ["no raws", {}, /1 to 256 signed transactions/],
        ["an empty list", { raws: [] }, /1 to 256 signed transactions/],
        ["257 transactions", { raws: Array.from({ length: 257 }, () => "0x00") }, /1 to 256 signed transactions/],
        ["a malformed item", { raws: ["0x02", "0xzz"] }, /^raws\[0\]: /],
      ] as const) {
        it(`answers 400 for ${what} and takes nothing in`, async function () {
          const handle = new FakeHandle("n1", "n1");
          const api = await serve(handle);
          const res = await call(api.url, "POST", "/v1/transactions/batch", body);
          expect(res.status).to.equal(400);
          expect(res.json.error).to.match(message);
          expect(handle.submitted).to.have.length(0);
        });
      }

      it("names the index of an unsigned item", async function () {
        const api = await serve(new FakeHandle("n1", "n1"));
        const res = await call(api.url, "POST", "/v1/transactions/batch", { raws: [await signed(wallet), unsignedRaw()] });
        expect(res.status).to.equal(400);
        expect(res.json.error).to.match(/^raws\[1\]: /);
      });
    });

    describe("when this node follows", function () {
      it("forwards the whole batch to the leader and relays its answer", async function () {
        const leader = new FakeHandle("n1", "n1");
        const leaderApi = await serve(leader);
        const follower = new FakeHandle("n2", "n1");
        follower.leaderUrl = leaderApi.url;
        const api = await serve(follower);
        const raws = await batchOf(2, 5);
        const res = await call(api.url, "POST", "/v1/transactions/batch", { raws });
        expect(res.status).to.equal(200);
        expect(follower.submitted).to.have.length(0);
        expect(leader.submitted.map((t) => t.nonce)).to.deep.equal([5, 6]);
        expect(res.json.results).to.deep.equal(leader.submitted.map((t) => ({ hash: t.hash, status: "ordered" })));
      });

      it("answers 503 when no leader is known", async function () {
        const api = await serve(new FakeHandle("n2", null));
        const res = await call(api.url, "POST", "/v1/transactions/batch", { raws: await batchOf(1) });
        expect(res.status).to.equal(503);
        expect(res.headers.get("retry-after")).to.equal("1");
      });
    });
  });

  describe("GET /v1/transactions/{hash}", function () {
    const hash = "0x" + "ab".repeat(32);

    it("answers status, block, index and chain block", async function () {
      const handle = new FakeHandle("n1", "n1");
      handle.known.set(hash, { status: "applied", block: 12, index: 3, chainBlock: 4 });
      const api = await serve(handle);
      const res = await call(api.url, "GET", `/v1/transactions/${hash.toUpperCase().replace("0X", "0x")}`);
      expect(res.status).to.equal(200);
      expect(res.json).to.deep.equal({ status: "applied", block: 12, index: 3, chainBlock: 4 });
    });

    it("answers 404 for an unknown transaction and 400 for a bad hash", async function () {
      const api = await serve(new FakeHandle("n1", "n1"));
      expect((await call(api.url, "GET", `/v1/transactions/${hash}`)).status).to.equal(404);
      expect((await call(api.url, "GET", "/v1/transactions/0x1234")).status).to.equal(400);
    });

    it("answers 409 with the expected nonce for a transaction the order refused", async function () {
      const handle = new FakeHandle("n2", "n1");
      handle.refused.set(hash, new NonceConflictError(wallet.address, 2, 3));
      const api = await serve(handle);
      const res = await call(api.url, "GET", `/v1/transactions/${hash}`);
      expect(res.status).to.equal(409);
      expect(res.json).to.deep.equal({
        error: `nonce 2 of ${wallet.address} is already used: its next nonce is 3`,
        sender: wallet.address,
        nonce: 2,
        expectedNonce: 3,
      });
    });

    it("asks the leader about a transaction a follower has not seen", async function () {
      const leader = new FakeHandle("n1", "n1");
      leader.known.set(hash, { status: "pending", block: null, index: null, chainBlock: null });
      const leaderApi = await serve(leader);
      const follower = new FakeHandle("n2", "n1");
      follower.leaderUrl = leaderApi.url;
      const api = await serve(follower);
      const res = await call(api.url, "GET", `/v1/transactions/${hash}`);
      expect(res.status).to.equal(200);
      expect(res.json.status).to.equal("pending");
    });
  });

  describe("status, metrics and health", function () {
    it("GET /v1/status answers every field", async function () {
      const api = await serve(new FakeHandle("n2", "n1"));
      const res = await call(api.url, "GET", "/v1/status");
      expect(res.status).to.equal(200);
      expect(Object.keys(res.json)).to.have.members(["id", "role", "term", "leader", "commitIndex", "appliedIndex", "pool", "members", "blocks"]);
      expect(res.json.leader).to.equal("n1");
      expect(res.json.blocks).to.deep.equal({ number: 4, hash: "0x" + "ab".repeat(32) });
    });

    it("GET /metrics exposes the request latency histogram in Prometheus text", async function () {
      const api = await serve(new FakeHandle("n1", "n1"));
      await call(api.url, "GET", "/v1/status");
      const res = await call(api.url, "GET", "/metrics");
      expect(res.status).to.equal(200);
      expect(res.headers.get("content-type")).to.match(/text\/plain/);
      expect(res.text).to.match(/orderer_http_request_duration_seconds_count\{[^}]*route="status"[^}]*\} 1/);
      expect(res.text).to.contain("orderer_leader_changes_total");
    });

    it("GET /healthz answers ok", async function () {
      const api = await serve(new FakeHandle("n1", "n1"));
      const res = await call(api.url, "GET", "/healthz");
      expect(res.status).to.equal(200);
      expect(res.json.ok).to.equal(true);
    });

    it("GET /healthz fails (503) while the node's chain runs another EVM than its config names", async function () {
      const handle = new FakeHandle("n1", "n1");
      const wrongEvm = { configured: "hardhat", running: "anvil", clientVersion: "anvil/v1.7.1" };
      const api = await serve(Object.assign(handle, { wrongEvm: () => wrongEvm }));
      const res = await call(api.url, "GET", "/healthz");
      expect(res.status).to.equal(503);
      expect(res.json).to.deep.include({ ok: false, divergence: [], wrongEvm });
    });

    it("GET /openapi.json documents exactly the routes it serves, each with its method", async function () {
      const api = await serve(new FakeHandle("n1", "n1"));
      const doc = (await call(api.url, "GET", "/openapi.json")).json as { openapi: string; paths: Record<string, object> };
      expect(doc.openapi).to.equal("3.1.0");
      expect(Object.keys(doc.paths).sort()).to.deep.equal(Object.values(API_PATHS).map((r) => r.path).sort());
      for (const r of Object.values(API_PATHS)) {
        expect(Object.keys(doc.paths[r.path]!), r.path).to.deep.equal([r.method]);
        const concrete = r.path.replace("{hash}", "0x" + "ab".repeat(32)).replace("{number}", "1");
        const other = r.method === "get" ? "POST" : "GET";
        // Served under the documented method, refused (405) under any other: the path is a real route.
        expect((await call(api.url, other, concrete)).status, `${other} ${r.path}`).to.equal(405);
      }
    });

    it("answers 404 for an unknown route and 405 for a wrong method", async function () {
      const api = await serve(new FakeHandle("n1", "n1"));
      expect((await call(api.url, "GET", "/nope")).status).to.equal(404);
      const res = await call(api.url, "GET", "/v1/transactions");
      expect(res.status).to.equal(405);
      expect(res.headers.get("allow")).to.equal("POST");
    });
  });
});
