import { expect } from "chai";
import { Wallet } from "ethers";
import fs from "node:fs";
import path from "node:path";
import { Agent } from "undici";
import { CA_CERT_FILE, certPaths, writeClusterCertificates } from "../../src/config/certs";
import { InProcessCluster, signedTransfer } from "./harness";

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

  async function startCluster(requestClientCert: boolean): Promise<void> {
    cluster = new InProcessCluster({ roles: ["trading-centre", "trading-centre", "participant"] });
    await writeClusterCertificates(cluster.dir, ["n1", "n2", "n3"]);
    cluster.configs.forEach((c, i) => {
      const files = certPaths(c.id);
      const tls = { certFile: path.join(cluster.dir, files.certFile), keyFile: path.join(cluster.dir, files.keyFile), caFile: path.join(cluster.dir, CA_CERT_FILE) };
      cluster.configs[i] = { ...c, api: { tls: { ...tls, requestClientCert } } };
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
});
