import { expect } from "chai";
import { Wallet } from "ethers";
import fs from "node:fs";
import path from "node:path";
import { Agent } from "undici";
import { CA_CERT_FILE, certPaths, createCertificateAuthority, issueNodeCertificate, writeClusterCertificates } from "../../src/config/certs";
import { InProcessCluster, signedTransfer, waitFor } from "./harness";

/** fetch through an undici Agent: Node's fetch trusts only the system's roots otherwise. */
async function call(url: string, dispatcher: Agent, raw?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const init = raw === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ raw }) };
  const res = await fetch(url, { ...init, dispatcher } as unknown as RequestInit);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("node: the client API over HTTPS (api.tls)", function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  let trusting: Agent;

  async function startCluster(requestClientCert: boolean, snapshotEntries?: number): Promise<void> {
    cluster = new InProcessCluster({ roles: ["trading-centre", "trading-centre", "participant"], snapshotEntries }, { catchUpEntries: 2 });
    await writeClusterCertificates(cluster.dir, ["n1", "n2", "n3"]);
    cluster.configs.forEach((c, i) => {
      const files = certPaths(c.id);
      const tls = { certFile: path.join(cluster.dir, files.certFile), keyFile: path.join(cluster.dir, files.keyFile), caFile: path.join(cluster.dir, CA_CERT_FILE) };
      // The peer links trust the same CA (no pins): GET /v1/blocks admits what they would.
      const peers = c.peers.map(({ fingerprint: _pin, ...p }) => p);
      cluster.configs[i] = { ...c, peers, tls, api: { tls: { ...tls, requestClientCert } } };
    });
    await cluster.startAll();
  }

  afterEach(async function () {
    await cluster.stopAll();
    cluster.cleanup();
    await trusting?.close();
  });

  it("serves HTTPS, and a follower forwards a submission to the leader over HTTPS", async function () {
    await startCluster(false);
    trusting = new Agent({ connect: { ca: fs.readFileSync(path.join(cluster.dir, CA_CERT_FILE), "utf8") } });
    const lead = await cluster.leader();
    const follower = ["n1", "n2", "n3"].find((id) => id !== lead)!;
    expect(cluster.peerApi[follower]).to.match(/^https:\/\/127\.0\.0\.1:\d+$/);
    const plain = await fetch(cluster.peerApi[follower]!.replace("https:", "http:") + "/healthz").then(
      () => "answered",
      () => "refused",
    );
    expect(plain).to.equal("refused");
    const res = await call(`${cluster.peerApi[follower]}/v1/transactions`, trusting, await signedTransfer(new Wallet(Wallet.createRandom().privateKey), 0));
    expect(res.status).to.equal(200);
    expect(res.body.status).to.equal("ordered");
  });

  it("with requestClientCert, refuses a client without a certificate from the CA", async function () {
    await startCluster(true);
    const ca = fs.readFileSync(path.join(cluster.dir, CA_CERT_FILE), "utf8");
    trusting = new Agent({ connect: { ca } });
    const lead = await cluster.leader();
    const anonymous = await call(`${cluster.peerApi[lead]}/healthz`, trusting).then(
      () => "answered",
      () => "refused",
    );
    expect(anonymous).to.equal("refused");
    const files = certPaths("n1");
    const withCert = new Agent({
      connect: { ca, cert: fs.readFileSync(path.join(cluster.dir, files.certFile)), key: fs.readFileSync(path.join(cluster.dir, files.keyFile)) },
    });
    try {
      expect((await call(`${cluster.peerApi[lead]}/v1/status`, withCert)).status).to.equal(200);
    } finally {
      await withCert.close();
    }
  });

  describe("GET /v1/blocks over HTTPS", function () {
    async function blocksWith(url: string, dispatcher: Agent): Promise<{ status: number; count: string | null }> {
      const res = await fetch(`${url}/v1/blocks?from=1`, { dispatcher } as unknown as RequestInit);
      await res.arrayBuffer();
      return { status: res.status, count: res.headers.get("x-dplc-blocks") };
    }

    it("serves blocks only to a client presenting a consortium node's certificate", async function () {
      await startCluster(false);
      const ca = fs.readFileSync(path.join(cluster.dir, CA_CERT_FILE), "utf8");
      trusting = new Agent({ connect: { ca } });
      const lead = await cluster.leader();
      const res = await call(`${cluster.peerApi[lead]}/v1/transactions`, trusting, await signedTransfer(new Wallet(Wallet.createRandom().privateKey), 0));
      expect(res.status).to.equal(200);
      const url = cluster.peerApi[lead]!;
      expect((await blocksWith(url, trusting)).status, "no client certificate").to.equal(403);

      const own = certPaths("n3");
      const member = new Agent({ connect: { ca, cert: fs.readFileSync(path.join(cluster.dir, own.certFile)), key: fs.readFileSync(path.join(cluster.dir, own.keyFile)) } });
      const other = await createCertificateAuthority("not the consortium");
      const forged = await issueNodeCertificate(other, "n3");
      const outsider = new Agent({ connect: { ca, cert: forged.certPem, key: forged.keyPem } });
      const stranger = await issueNodeCertificate(null, "n9");
      const unknown = new Agent({ connect: { ca, cert: stranger.certPem, key: stranger.keyPem } });
      try {
        expect(await blocksWith(url, member)).to.deep.equal({ status: 200, count: "1" });
        expect((await blocksWith(url, outsider)).status, "a certificate naming n3 from another CA").to.equal(403);
        expect((await blocksWith(url, unknown)).status, "a self-signed certificate of no member").to.equal(403);
      } finally {
        await Promise.all([member.close(), outsider.close(), unknown.close()]);
      }
    });

    it("lets a node whose blocks directory was wiped rebuild it from its peers over HTTPS", async function () {
      await startCluster(false, 3);
      const ca = fs.readFileSync(path.join(cluster.dir, CA_CERT_FILE), "utf8");
      trusting = new Agent({ connect: { ca } });
      const w = new Wallet(Wallet.createRandom().privateKey);
      const lead = await cluster.leader();
      for (let nonce = 0; nonce < 8; nonce++) {
        expect((await call(`${cluster.peerApi[lead]}/v1/transactions`, trusting, await signedTransfer(w, nonce))).status).to.equal(200);
      }
      const victim = ["n1", "n2", "n3"].find((id) => id !== lead)!;
      await waitFor(() => (cluster.nodes.get(victim)!.status().blocks.number === 8 ? true : undefined), 10_000, "8 blocks stored");
      await cluster.stop(victim);
      fs.rmSync(path.join(cluster.configs.find((c) => c.id === victim)!.dataDir, "blocks"), { recursive: true, force: true });
      const back = await cluster.start(victim);
      const head = cluster.nodes.get(lead)!.status().blocks;
      await waitFor(() => (back.status().blocks.hash === head.hash ? true : undefined), 10_000, "the wiped store rebuilt");
      const pulled = await back.metrics.registry.getSingleMetric("orderer_blocks_pulled_total")!.get();
      expect(pulled.values[0]!.value).to.be.greaterThan(0);
    });
  });

  describe("membership changes over HTTPS (POST /v1/members, DELETE /v1/members/{id})", function () {
    async function send(url: string, dispatcher: Agent, method: "POST" | "DELETE", body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
      const init = { method, headers: { "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }), dispatcher };
      const res = await fetch(url, init as unknown as RequestInit);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    }

    it("takes them only from a trading-centre node's certificate; a follower forwards them to the leader", async function () {
      await startCluster(false);
      const ca = fs.readFileSync(path.join(cluster.dir, CA_CERT_FILE), "utf8");
      trusting = new Agent({ connect: { ca } });
      const withCertOf = (id: string): Agent => {
        const files = certPaths(id);
        return new Agent({ connect: { ca, cert: fs.readFileSync(path.join(cluster.dir, files.certFile)), key: fs.readFileSync(path.join(cluster.dir, files.keyFile)) } });
      };
      const lead = await cluster.leader();
      const follower = ["n1", "n2"].find((id) => id !== lead)!;
      const pool = withCertOf("n1");
      const participant = withCertOf("n3");
      const request = { id: "n9", raftAddress: "127.0.0.1:65001", apiUrl: "https://127.0.0.1:65002", role: "participant" };
      try {
        const anonymous = await send(`${cluster.peerApi[follower]}/v1/members`, trusting, "POST", request);
        expect(anonymous.status, "no client certificate").to.equal(403);
        const refused = await send(`${cluster.peerApi[lead]}/v1/members`, participant, "POST", request);
        expect(refused.status, "a participant's certificate").to.equal(403);
        expect(refused.body.error).to.match(/names no consortium node/);
        const added = await send(`${cluster.peerApi[follower]}/v1/members`, pool, "POST", request);
        expect(added.status, JSON.stringify(added.body)).to.equal(200);
        expect((added.body.members as { id: string }[]).map((m) => m.id)).to.deep.equal(["n1", "n2", "n3", "n9"]);
        expect((await send(`${cluster.peerApi[lead]}/v1/members/n9`, participant, "DELETE")).status).to.equal(403);
        const removed = await send(`${cluster.peerApi[follower]}/v1/members/n9`, pool, "DELETE");
        expect(removed.status, JSON.stringify(removed.body)).to.equal(200);
        expect(cluster.nodes.get(lead)!.status().members.map((m) => m.id)).to.deep.equal(["n1", "n2", "n3"]);
      } finally {
        await Promise.all([pool.close(), participant.close()]);
      }
    });
  });
});
