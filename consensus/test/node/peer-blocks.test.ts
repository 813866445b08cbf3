import { expect } from "chai";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { headerOf, linkedHeaderOf, makeBlock, PeerFaultError, readPage, type Block } from "../../src/blocks";
import { CA_CERT_FILE, certPaths, writeClusterCertificates } from "../../src/config/certs";
import type { OrdererConfig } from "../../src/config/schema";
import { HttpBlockSource, peerBlockSources } from "../../src/node/peer-blocks";
import { nodeConfig, THREE_PEERS } from "./config-fixture";

/** Three blocks of a peer's store, served by `GET /v1/blocks` as the API serves them (`readPage`). */
function chain(): Block[] {
  const b1 = makeBlock(null, { raftIndex: 2, timestamp: 1000, txs: [{ hash: "0x" + "11".repeat(32), raw: Uint8Array.from([1, 2]) }] });
  const b2 = makeBlock(headerOf(b1), { raftIndex: 3, timestamp: 1001, txs: [] });
  const b3 = makeBlock(headerOf(b2), { raftIndex: 5, timestamp: 1002, txs: [{ hash: "0x" + "22".repeat(32), raw: Uint8Array.from([3]) }] });
  return [b1, b2, b3];
}

const store = (blocks: Block[]) => ({
  head: headerOf(blocks[blocks.length - 1]!),
  async *blocks(from: number, to: number) {
    yield* blocks.filter((b) => b.number >= from && b.number <= to);
  },
});

/** Answers `GET /v1/blocks` from `blocks` and records every URL asked for; `status` other than 200 answers an error. */
function handler(blocks: Block[], asked: string[], status = 200): http.RequestListener {
  return (req, res) => {
    asked.push(req.url!);
    const url = new URL(req.url!, "http://x");
    if (status !== 200) {
      res.writeHead(status).end("x".repeat(300));
      return;
    }
    void readPage(store(blocks), Number(url.searchParams.get("from")), Number(url.searchParams.get("limit")), url.searchParams.get("headers") === "1").then((p) =>
      res.writeHead(200).end(p.body),
    );
  };
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const config = (extra: Record<string, unknown> = {}): OrdererConfig => nodeConfig({ peers: THREE_PEERS.slice(0, 2), ...extra });

describe("node/peer-blocks: a peer's GET /v1/blocks as a block source for the puller", function () {
  describe("HttpBlockSource", function () {
    let server: http.Server;
    afterEach(async function () {
      await new Promise((r) => server.close(r));
    });

    it("asks for blocks and for linked headers from a height, and decodes what the peer serves", async function () {
      const blocks = chain();
      const asked: string[] = [];
      server = http.createServer(handler(blocks, asked));
      const src = new HttpBlockSource("n2", `http://${await listen(server)}`);
      const signal = new AbortController().signal;
      expect(await src.blocks(2, 5, signal)).to.deep.equal(blocks.slice(1));
      expect(await src.headers(1, 2, signal)).to.deep.equal(blocks.slice(0, 2).map(linkedHeaderOf));
      expect(asked).to.deep.equal(["/v1/blocks?from=2&limit=5", "/v1/blocks?from=1&limit=2&headers=1"]);
      expect(src.name).to.equal("n2");
    });

    it("takes an answer other than 200 for the peer's fault, naming the peer, the status and the start of the body", async function () {
      server = http.createServer(handler([], [], 503));
      const src = new HttpBlockSource("n2", `http://${await listen(server)}`);
      const err = await src.blocks(1, 1, new AbortController().signal).then(
        () => null,
        (e: Error) => e,
      );
      expect(err).to.be.instanceOf(PeerFaultError);
      expect(err!.message).to.equal(`n2 answered 503: ${"x".repeat(200)}`);
    });

    it("names the peer when its page is corrupt", async function () {
      server = http.createServer((_req, res) => res.writeHead(200).end(Buffer.from([0, 0])));
      const src = new HttpBlockSource("n2", `http://${await listen(server)}`);
      const signal = new AbortController().signal;
      await expect(src.blocks(1, 1, signal)).to.be.rejectedWith("block store record blocks from n2 is corrupt: truncated frame at byte 0");
      await expect(src.headers(1, 1, signal)).to.be.rejectedWith("block store record headers from n2 is corrupt: truncated frame at byte 0");
    });

    it("gives up when the puller aborts", async function () {
      server = http.createServer(() => {});
      const src = new HttpBlockSource("n2", `http://${await listen(server)}`);
      const ctl = new AbortController();
      const pending = src.headers(1, 1, ctl.signal);
      ctl.abort(new Error("stopped"));
      await expect(pending).to.be.rejectedWith("stopped");
      server.closeAllConnections();
    });
  });

  describe("peerBlockSources", function () {
    it("lists every member and configured peer but this node, once each, skipping those without an API URL", function () {
      const urls: Record<string, string | null> = { n1: "http://n1", n2: "http://n2", n3: "http://n3", n4: null };
      let members = ["n1", "n3", "n4"];
      const sources = peerBlockSources(config(), (id) => urls[id] ?? null, () => members);
      const first = sources();
      expect(first.map((s) => s.name)).to.deep.equal(["n3", "n2"]);
      // The same source objects while their URL holds (the puller keeps per-source state), a new one for a new URL.
      members = ["n2", "n3"];
      const second = sources();
      expect(second.map((s) => s.name)).to.deep.equal(["n2", "n3"]);
      expect(second[0]).to.equal(first[1]);
      expect(second[1]).to.equal(first[0]);
      urls.n3 = "http://n3-moved";
      expect(sources()[1]).to.not.equal(first[0]);
    });

    describe("when the API is HTTPS (api.tls)", function () {
      let dir: string;
      let server: https.Server;
      before(function () {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-peer-blocks-"));
      });
      after(async function () {
        await new Promise((r) => server?.close(r));
        fs.rmSync(dir, { recursive: true, force: true });
      });

      it("names the setting whose TLS file cannot be read", function () {
        const missing = { certFile: "/nonexistent/c.pem", keyFile: "/nonexistent/k.pem", caFile: "/nonexistent/ca.pem" };
        expect(() => peerBlockSources(config({ tls: missing, api: { tls: missing } }), () => null, () => [])).to.throw(/^api\.tls\.certFile: /);
      });

      it("presents this node's peer-link certificate and trusts the API's CA", async function () {
        this.timeout(30_000);
        await writeClusterCertificates(dir, ["n1", "n2"]);
        const files = (id: string) => ({ certFile: path.join(dir, certPaths(id).certFile), keyFile: path.join(dir, certPaths(id).keyFile), caFile: path.join(dir, CA_CERT_FILE) });
        const ca = fs.readFileSync(path.join(dir, CA_CERT_FILE));
        const blocks = chain();
        const seen: string[] = [];
        // The API's own files are fine; the peer link's are missing: the error names "tls", not "api.tls".
        expect(() => peerBlockSources(config({ tls: { certFile: "/nonexistent/c.pem", keyFile: "/nonexistent/k.pem", caFile: files("n1").caFile }, api: { tls: files("n1") } }), () => null, () => [])).to.throw(/^tls\.certFile: /);
        server = https.createServer(
          { cert: fs.readFileSync(files("n2").certFile), key: fs.readFileSync(files("n2").keyFile), ca, requestCert: true, rejectUnauthorized: true },
          (req, res) => {
            seen.push(String((req.socket as import("node:tls").TLSSocket).getPeerCertificate().subject.CN));
            handler(blocks, [])(req, res);
          },
        );
        const addr = await listen(server);
        const cfg = config({ tls: files("n1"), api: { tls: files("n1") } });
        const [src] = peerBlockSources(cfg, () => `https://${addr}`, () => ["n2"])();
        expect(await src!.blocks(1, 10, new AbortController().signal)).to.deep.equal(blocks);
        expect(seen).to.deep.equal(["n1"]);
      });
    });
  });
});
