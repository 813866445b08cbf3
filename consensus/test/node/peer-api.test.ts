import { expect } from "chai";
import { parseConfig } from "../../src/config/load";
import { peerApiUrl } from "../../src/node/peer-api";

const KEY = "a".repeat(64);

function config(peers: Array<Record<string, unknown>>) {
  return parseConfig({
    id: "n1",
    role: "trading-centre",
    listen: { raftPort: 7001, httpPort: 7101 },
    dataDir: "data/n1",
    tls: { certFile: "tls/n1.crt.pem", keyFile: "tls/n1.key.pem" },
    peers: [{ id: "n1", role: "trading-centre", port: 7001, fingerprint: KEY }, ...peers],
  });
}

describe("peer API addresses (where a follower forwards to the leader)", function () {
  it("takes the peer's httpPort from the config", function () {
    const cfg = config([{ id: "n2", role: "trading-centre", host: "10.0.0.2", port: 7002, httpPort: 9443, fingerprint: KEY }]);
    expect(peerApiUrl(cfg, {}, "n2")).to.equal("http://10.0.0.2:9443");
  });

  it("prefers an explicit --peer-api URL over the config", function () {
    const cfg = config([{ id: "n2", role: "trading-centre", port: 7002, httpPort: 9443, fingerprint: KEY }]);
    expect(peerApiUrl(cfg, { n2: "https://n2.example:8443" }, "n2")).to.equal("https://n2.example:8443");
  });

  describe("when the config gives no httpPort", function () {
    it("applies this node's raft-to-HTTP offset to the peer's raft port", function () {
      const cfg = config([{ id: "n2", role: "participant", host: "10.0.0.2", port: 7002, fingerprint: KEY }]);
      expect(peerApiUrl(cfg, {}, "n2")).to.equal("http://10.0.0.2:7102");
    });
  });

  it("answers null for a node the config does not list", function () {
    expect(peerApiUrl(config([]), {}, "n9")).to.equal(null);
  });
});
