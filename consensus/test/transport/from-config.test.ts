import { expect } from "chai";
import { generateNodeKey } from "../../src/config/keys";
import { parseConfig } from "../../src/config/load";
import type { Message } from "../../src/core/types";
import { tcpTransportFromConfig } from "../../src/transport/from-config";
import pino from "pino";
import net from "node:net";

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe("TCP transport built from node configs", function () {
  this.timeout(20_000);

  it("two nodes configured from their config files talk to each other", async function () {
    const keys = { tc1: generateNodeKey(), gen1: generateNodeKey() };
    const ports = { tc1: await freePort(), gen1: await freePort() };
    const peers = (["tc1", "gen1"] as const).map((id) => ({
      id,
      role: id === "tc1" ? "trading-centre" : "participant",
      port: ports[id],
      publicKey: keys[id].publicKeyHex,
    }));
    const cfg = (id: "tc1" | "gen1") =>
      parseConfig({
        id,
        role: id === "tc1" ? "trading-centre" : "participant",
        listen: { raftPort: ports[id], httpPort: 0 },
        dataDir: "d",
        keyFile: "k",
        peers,
      });
    const silent = pino({ level: "silent" });
    const a = tcpTransportFromConfig(cfg("tc1"), keys.tc1, silent);
    const b = tcpTransportFromConfig(cfg("gen1"), keys.gen1, silent);
    const got: Message[] = [];
    b.onMessage((m) => got.push(m));
    try {
      await Promise.all([a.start(), b.start()]);
      expect(Object.keys(a.stats().peers)).to.deep.equal(["gen1"]);
      a.send([{ type: "heartbeat", from: "tc1", to: "gen1", term: 3, commit: 1 }]);
      const deadline = Date.now() + 5_000;
      while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(got).to.deep.equal([{ type: "heartbeat", from: "tc1", to: "gen1", term: 3, commit: 1 }]);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
