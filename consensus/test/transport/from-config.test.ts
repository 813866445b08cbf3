import { expect } from "chai";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { writeClusterCertificates, certPaths, CA_CERT_FILE } from "../../src/config/certs";
import { parseConfig } from "../../src/config/load";
import { transportSchema, type OrdererConfig } from "../../src/config/schema";
import type { Message } from "../../src/core/types";
import { tcpOptionsFromConfig, transportFactoryFromConfig } from "../../src/transport/from-config";
import { TcpTransport } from "../../src/transport/tcp";
import type { Transport } from "../../src/transport/transport";

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe("the transport built from node configs (one factory)", function () {
  this.timeout(20_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-transport-cfg-"));
  let fingerprints: Record<string, string>;
  before(async function () {
    fingerprints = await writeClusterCertificates(dir, ["tc1", "gen1"]);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function config(id: "tc1" | "gen1", ports: Record<string, number>, extra: Record<string, unknown> = {}): OrdererConfig {
    const peers = (["tc1", "gen1"] as const).map((p) => ({
      id: p,
      role: p === "tc1" ? "trading-centre" : "participant",
      port: ports[p],
      fingerprint: fingerprints[p],
    }));
    return parseConfig(
      { id, role: id === "tc1" ? "trading-centre" : "participant", listen: { raftPort: ports[id], httpPort: 0 }, dataDir: "d", tls: certPaths(id), peers, ...extra },
      dir,
    );
  }

  it("two nodes configured from their config files talk to each other over TLS", async function () {
    const ports = { tc1: await freePort(), gen1: await freePort() };
    const silent = pino({ level: "silent" });
    const got: Message[] = [];
    const a: Transport = transportFactoryFromConfig(config("tc1", ports), silent)(() => undefined, () => undefined);
    const b: Transport = transportFactoryFromConfig(config("gen1", ports, { tls: { ...certPaths("gen1"), caFile: CA_CERT_FILE } }), silent)(
      (m) => got.push(m),
      () => undefined,
    );
    try {
      await Promise.all([a.start(), b.start()]);
      a.send([{ type: "heartbeat", from: "tc1", to: "gen1", term: 3, commit: 1 }]);
      const deadline = Date.now() + 5_000;
      while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(got).to.deep.equal([{ type: "heartbeat", from: "tc1", to: "gen1", term: 3, commit: 1 }]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("every transport.* config field reaches the transport's effective settings", function () {
    // A value for each field that differs from its default, so a field the factory drops shows.
    const fields = Object.keys(transportSchema.removeDefault().shape);
    const defaults = transportSchema.parse({}) as Record<string, number>;
    const custom = Object.fromEntries(fields.map((f) => [f, defaults[f]! + 7]));
    const cfg = config("tc1", { tc1: 7001, gen1: 7002 }, { transport: custom });
    const settings = new TcpTransport(tcpOptionsFromConfig(cfg)).effectiveSettings() as unknown as Record<string, unknown>;
    for (const f of fields) expect(settings[f], `transport.${f}`).to.equal(custom[f]);
    expect(fields).to.include.members(["queueBytesLimit", "handshakeTimeoutMs", "maxPendingPerSource", "maxPendingHandshakes"]);
  });

  it("passes the listen address, the peers and their pins", function () {
    const opts = tcpOptionsFromConfig(config("tc1", { tc1: 7001, gen1: 7002 }));
    expect(opts.listen).to.deep.equal({ host: "127.0.0.1", port: 7001 });
    expect(opts.peers).to.deep.equal([{ id: "gen1", host: "127.0.0.1", port: 7002, fingerprint: fingerprints.gen1 }]);
    expect(opts.tls.cert).to.include("BEGIN CERTIFICATE");
  });
});
