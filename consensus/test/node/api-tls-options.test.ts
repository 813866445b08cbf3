import { expect } from "chai";
import fs from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import type { TLSSocket } from "node:tls";
import { Agent } from "undici";
import { CA_CERT_FILE, certPaths, writeClusterCertificates } from "../../src/config/certs";
import type { OrdererConfig } from "../../src/config/schema";
import { apiTlsOptions } from "../../src/node/api-tls";
import { nodeConfig } from "./config-fixture";

/** A node's certificate, key and CA as files under `dir` (writeClusterCertificates' layout). */
const filesOf = (dir: string, id: string) => {
  const p = certPaths(id);
  return { certFile: path.join(dir, p.certFile), keyFile: path.join(dir, p.keyFile), caFile: path.join(dir, CA_CERT_FILE) };
};
const read = (file: string) => fs.readFileSync(file, "utf8");

/** An HTTPS server on 127.0.0.1 answering each request with `answer(its TLS socket)` as JSON. */
async function serve(options: https.ServerOptions, answer: (socket: TLSSocket) => unknown): Promise<{ url: string; close: () => Promise<void> }> {
  const server = https.createServer(options, (req, res) => {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer(req.socket as TLSSocket)));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/**
 * The API's TLS options (`api-tls.ts`) with real certificates: the client API has its own CA (api.tls), the peer
 * links another (tls), so a test can tell which one each option trusts.
 */
describe("node/api-tls: the client API's HTTPS options", function () {
  let dir: string;
  let apiDir: string;
  let peerDir: string;
  let cfg: (requestClientCert: boolean) => OrdererConfig;
  const agents: { close(): Promise<void> }[] = [];
  /** Closed after the suite: an agent keeps its connections open. */
  const kept = <T extends { close(): Promise<void> }>(a: T): T => (agents.push(a), a);

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-api-tls-"));
    apiDir = path.join(dir, "api");
    peerDir = path.join(dir, "peer");
    await writeClusterCertificates(apiDir, ["n1"]);
    await writeClusterCertificates(peerDir, ["n1", "n2", "n3"]);
    cfg = (requestClientCert) =>
      nodeConfig({
        tls: filesOf(peerDir, "n1"),
        api: { tls: { ...filesOf(apiDir, "n1"), requestClientCert } },
        // Unpinned: the peer links trust their CA (tls.caFile) for these three.
        peers: [
          { id: "n1", role: "trading-centre", port: 7001 },
          { id: "n2", role: "trading-centre", host: "10.0.0.2", port: 7002 },
          { id: "n3", role: "participant", host: "10.0.0.3", port: 7003 },
        ],
      });
  });

  after(async function () {
    await Promise.all(agents.map((a) => a.close()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("gives no options for plain HTTP (no api.tls)", function () {
    expect(apiTlsOptions(nodeConfig())).to.deep.equal({});
  });

  it("serves with the API's certificate, key and CA, asking for client certificates only when configured", function () {
    const api = filesOf(apiDir, "n1");
    const material = { key: read(api.keyFile), cert: read(api.certFile), ca: read(api.caFile) };
    expect(apiTlsOptions(cfg(true)).tls).to.deep.equal({ ...material, requestCert: true });
    expect(apiTlsOptions(cfg(false)).tls).to.deep.equal({ ...material, requestCert: false });
  });

  it("forwards through an agent that trusts the API's CA and presents this node's API certificate", async function () {
    const api = filesOf(apiDir, "n1");
    // The leader's API: its certificate is the API CA's, and it requires a client certificate from that CA.
    const leader = await serve({ key: read(api.keyFile), cert: read(api.certFile), ca: read(api.caFile), requestCert: true, rejectUnauthorized: true }, (s) => s.getPeerCertificate().subject.CN);
    try {
      const dispatcher = kept(apiTlsOptions(cfg(false)).forwardDispatcher as Agent);
      const res = await fetch(leader.url, { dispatcher } as unknown as RequestInit);
      expect(await res.json()).to.equal("n1");
    } finally {
      await leader.close();
    }
  });

  it("lets the consortium's nodes (by the peer links' CA) read blocks, and only the trading centre change members unless a member forwards", async function () {
    const opts = apiTlsOptions(cfg(true));
    const api = filesOf(apiDir, "n1");
    const verdict = (r: string | null) => (r === null ? "yes" : "no");
    const server = await serve({ key: read(api.keyFile), cert: read(api.certFile), requestCert: true, rejectUnauthorized: false }, (s) => [
      verdict(opts.blockAccess!(s)),
      verdict(opts.adminAccess!(s, false)),
      verdict(opts.adminAccess!(s, true)),
    ]);
    const ask = async (client: { certFile: string; keyFile: string }) => {
      const dispatcher = kept(new Agent({ connect: { ca: read(api.caFile), cert: read(client.certFile), key: read(client.keyFile) } }));
      return (await fetch(server.url, { dispatcher } as unknown as RequestInit)).json();
    };
    try {
      expect(await ask(filesOf(peerDir, "n1")), "n1, a trading centre").to.deep.equal(["yes", "yes", "yes"]);
      expect(await ask(filesOf(peerDir, "n3")), "n3, a participant").to.deep.equal(["yes", "no", "yes"]);
      // The API CA's certificate for n1 names a member but is not the peer links' CA's: not a consortium node's.
      expect(await ask(filesOf(apiDir, "n1")), "the API CA's n1").to.deep.equal(["no", "no", "no"]);
    } finally {
      await server.close();
    }
  });
});
