import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConfigError } from "../../src/config/errors";
import { loadConfig, parseConfig } from "../../src/config/load";
import { admissionSettings, candidatePool, clusterMembers, configWarnings, remotePeers } from "../../src/config/validate";

const KEY = "a".repeat(64);
const FP = (hexByte: string): string => Array(32).fill(hexByte).join(":");

function minimal(): Record<string, unknown> {
  return {
    id: "tc1",
    role: "trading-centre",
    listen: { raftPort: 7001, httpPort: 8001 },
    dataDir: "data/tc1",
    tls: { certFile: "tls/tc1.crt.pem", keyFile: "tls/tc1.key.pem" },
    peers: [
      { id: "tc1", role: "trading-centre", port: 7001, fingerprint: KEY },
      { id: "gen1", role: "participant", port: 7002, fingerprint: FP("BB") },
      { id: "con1", role: "participant", host: "127.0.0.1", port: 7003, fingerprint: "c".repeat(64) },
    ],
  };
}

function expectConfigError(raw: unknown, field: string, pattern: RegExp): void {
  let caught: unknown;
  try {
    parseConfig(raw);
  } catch (err) {
    caught = err;
  }
  expect(caught).to.be.instanceOf(ConfigError);
  expect((caught as ConfigError).field).to.equal(field);
  expect((caught as ConfigError).message).to.include(field);
  expect((caught as ConfigError).message).to.match(pattern);
}

describe("orderer config", function () {
  let dir: string;
  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-config-"));
  });
  afterEach(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe("defaults", function () {
    it("fills every documented default", function () {
      const cfg = parseConfig(minimal(), dir);
      expect(cfg.mode).to.equal("improved");
      expect(cfg.timeouts).to.deep.equal({ tickMs: 100, electionTicks: 10, heartbeatTicks: 1, commitLingerMs: 5 });
      expect(cfg.batching).to.deep.equal({ maxMessageCount: 500, preferredMaxBytes: 2 * 1024 * 1024, batchTimeoutMs: 50 });
      expect(cfg.storage.fsync).to.equal(true);
      expect(cfg.transport).to.deep.equal({
        queueLimit: 4096,
        queueBytesLimit: 64 * 1024 * 1024,
        maxFrameBytes: 256 * 1024 * 1024,
        reconnectMinMs: 50,
        reconnectMaxMs: 2_000,
        handshakeTimeoutMs: 2_000,
        maxPendingPerSource: 4,
        maxPendingHandshakes: 64,
      });
      expect(cfg.listen.host).to.equal("127.0.0.1");
      expect(cfg.peers[1].host).to.equal("127.0.0.1");
      expect(cfg.chain).to.equal(undefined);
      expect(cfg.marketAddress).to.equal(undefined);
    });

    it("normalizes fingerprints and resolves paths against the config's directory", function () {
      const cfg = parseConfig(minimal(), dir);
      expect(cfg.peers[2].fingerprint).to.equal(FP("CC"));
      expect(cfg.peers[1].fingerprint).to.equal(FP("BB"));
      expect(cfg.dataDir).to.equal(path.join(dir, "data/tc1"));
      expect(cfg.tls).to.deep.equal({ certFile: path.join(dir, "tls/tc1.crt.pem"), keyFile: path.join(dir, "tls/tc1.key.pem") });
    });


    it("keeps explicit values over defaults", function () {
      const raw = { ...minimal(), mode: "standard", batching: { batchTimeoutMs: 5 }, storage: { fsync: false } };
      const cfg = parseConfig(raw, dir);
      expect(cfg.mode).to.equal("standard");
      expect(cfg.batching.batchTimeoutMs).to.equal(5);
      expect(cfg.batching.maxMessageCount).to.equal(500);
      expect(cfg.storage.fsync).to.equal(false);
    });
  });

  describe("when a field is bad", function () {
    it("names a missing required field", function () {
      const raw = minimal();
      delete raw.dataDir;
      expectConfigError(raw, "dataDir", /is required/);
    });

    it("names a bad role", function () {
      expectConfigError({ ...minimal(), role: "king" }, "role", /trading-centre/);
    });

    it("names a nested bad value with its path", function () {
      const raw = minimal();
      (raw.peers as Array<Record<string, unknown>>)[1].fingerprint = "AB:CD";
      expectConfigError(raw, "peers.1.fingerprint", /must be a SHA-256 certificate fingerprint: 32 hex bytes/);
    });

    it("requires a pin for every other peer unless tls.caFile names the consortium CA", function () {
      const raw = minimal();
      delete (raw.peers as Array<Record<string, unknown>>)[2].fingerprint;
      expectConfigError(raw, "peers.2.fingerprint", /is required for peer "con1" unless tls.caFile names the consortium CA/);
      expect(() => parseConfig({ ...raw, tls: { certFile: "c", keyFile: "k", caFile: "ca" } })).not.to.throw();
      delete (raw.peers as Array<Record<string, unknown>>)[0].fingerprint;
      delete (raw.peers as Array<Record<string, unknown>>)[2];
      expect(() => parseConfig({ ...raw, peers: (raw.peers as unknown[]).filter(Boolean) })).not.to.throw();
    });

    it("resolves api.tls paths and leaves the client API on plain HTTP without it", function () {
      expect(parseConfig(minimal(), dir).api).to.deep.equal({ tls: undefined });
      const cfg = parseConfig({ ...minimal(), api: { tls: { certFile: "api.crt", keyFile: "api.key" } } }, dir);
      expect(cfg.api.tls).to.deep.equal({ certFile: path.join(dir, "api.crt"), keyFile: path.join(dir, "api.key"), requestClientCert: false });
      const demanding = { tls: { certFile: "c", keyFile: "k", requestClientCert: true } };
      expectConfigError({ ...minimal(), api: demanding }, "api.tls.caFile", /is required when requestClientCert is true/);
    });

    it("requires the TLS files", function () {
      const raw = minimal();
      delete raw.tls;
      expectConfigError(raw, "tls", /is required/);
      expectConfigError({ ...minimal(), tls: { certFile: "c" } }, "tls.keyFile", /is required/);
    });

    it("bounds the handshake deadline and the pending-handshake limits", function () {
      expectConfigError({ ...minimal(), transport: { handshakeTimeoutMs: 10 } }, "transport.handshakeTimeoutMs", /greater than or equal to 100/);
      expectConfigError({ ...minimal(), transport: { maxPendingPerSource: 0 } }, "transport.maxPendingPerSource", /greater than or equal to 1/);
    });

    it("names an out-of-range port", function () {
      expectConfigError({ ...minimal(), listen: { raftPort: 70000, httpPort: 8001 } }, "listen.raftPort", /65535/);
    });

    it("refuses unknown fields (typos must not silently become defaults)", function () {
      expectConfigError({ ...minimal(), batching: { maxMesageCount: 10 } }, "batching", /maxMesageCount/);
    });

    it("bounds commitLingerMs to 0-1000 ms", function () {
      expectConfigError({ ...minimal(), timeouts: { commitLingerMs: -1 } }, "timeouts.commitLingerMs", /greater than or equal to 0/);
      expectConfigError({ ...minimal(), timeouts: { commitLingerMs: 1001 } }, "timeouts.commitLingerMs", /less than or equal to 1000/);
      expect(parseConfig({ ...minimal(), timeouts: { commitLingerMs: 0 } }, dir).timeouts.commitLingerMs).to.equal(0);
    });

    it("requires electionTicks > heartbeatTicks", function () {
      expectConfigError({ ...minimal(), timeouts: { electionTicks: 3, heartbeatTicks: 3 } }, "timeouts.electionTicks", /greater/);
    });

    it("refuses duplicate peer ids", function () {
      const raw = minimal();
      (raw.peers as Array<Record<string, unknown>>)[2].id = "gen1";
      expectConfigError(raw, "peers.2.id", /duplicate peer id "gen1"/);
    });

    it("refuses an empty candidate pool in improved mode", function () {
      const raw = {
        ...minimal(),
        id: "gen1",
        role: "participant",
        listen: { raftPort: 7002, httpPort: 8002 },
        peers: [{ id: "gen1", role: "participant", port: 7002 }],
      };
      expectConfigError(raw, "peers", /candidate pool is empty/);
      expect(() => parseConfig({ ...raw, mode: "standard" })).not.to.throw();
    });

    it("refuses a peer httpPort equal to its raft port, or a self entry whose httpPort disagrees with listen", function () {
      const same = minimal();
      (same.peers as Array<Record<string, unknown>>)[1].httpPort = 7002;
      expectConfigError(same, "peers.1.httpPort", /must differ from the peer's raft port/);
      const self = minimal();
      (self.peers as Array<Record<string, unknown>>)[0].httpPort = 8009;
      expectConfigError(self, "peers.0.httpPort", /listen.httpPort is 8001/);
    });

    it("refuses a chain URL that is not a URL", function () {
      expectConfigError({ ...minimal(), chain: { rpcUrl: "localhost" } }, "chain.rpcUrl", /URL/);
    });

    it("refuses a replica EVM other than hardhat or anvil", function () {
      expectConfigError({ ...minimal(), chain: { rpcUrl: "http://127.0.0.1:8545", evm: "geth" } }, "chain.evm", /'hardhat' \| 'anvil'/);
    });

    it("refuses a malformed market address", function () {
      expectConfigError({ ...minimal(), marketAddress: "0x1234" }, "marketAddress", /20-byte address/);
    });
  });

  describe("admission", function () {
    const registry = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    const operator = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
    const chain = { rpcUrl: "http://127.0.0.1:8545" };

    it("admits everyone when neither admission nor marketAddress is set", function () {
      expect(admissionSettings(parseConfig(minimal(), dir))).to.equal(null);
    });

    it("fills the section's defaults: no operators, approvals trusted 2 s, refusals 250 ms", function () {
      const cfg = parseConfig({ ...minimal(), chain, admission: { registry } }, dir);
      expect(admissionSettings(cfg)).to.deep.equal({ registry, operators: [], approvedTtlMs: 2_000, refusedTtlMs: 250 });
    });

    it("keeps the configured operators", function () {
      const cfg = parseConfig({ ...minimal(), chain, admission: { registry, operators: [operator] } }, dir);
      expect(admissionSettings(cfg)!.operators).to.deep.equal([operator]);
    });

    it("reads the older marketAddress as the registry, without operators", function () {
      const cfg = parseConfig({ ...minimal(), chain, marketAddress: registry }, dir);
      expect(admissionSettings(cfg)).to.deep.equal({ registry, operators: [], approvedTtlMs: 2_000, refusedTtlMs: 250 });
    });

    it("refuses marketAddress beside admission", function () {
      expectConfigError({ ...minimal(), chain, admission: { registry }, marketAddress: registry }, "marketAddress", /admission\.registry only/);
    });

    it("refuses admission without a chain to read the registry from", function () {
      expectConfigError({ ...minimal(), admission: { registry } }, "admission.registry", /set chain\.rpcUrl/);
      expectConfigError({ ...minimal(), marketAddress: registry }, "marketAddress", /set chain\.rpcUrl/);
    });

    it("refuses a malformed operator address and unknown fields", function () {
      expectConfigError({ ...minimal(), chain, admission: { registry, operators: ["0x12"] } }, "admission.operators.0", /20-byte address/);
      expectConfigError({ ...minimal(), chain, admission: { registry, operator } }, "admission", /unknown field/);
    });
  });

  describe("loadConfig", function () {
    it("reads a JSON file", function () {
      const file = path.join(dir, "node.json");
      fs.writeFileSync(file, JSON.stringify({ ...minimal(), chain: { rpcUrl: "http://127.0.0.1:8545", chainId: 31337 } }));
      const cfg = loadConfig(file);
      expect(cfg.chain).to.deep.equal({ rpcUrl: "http://127.0.0.1:8545", chainId: 31337, evm: "hardhat", divergenceCheckMs: 5_000 });
      expect(cfg.devnet).to.deep.equal({ clockAdvance: false });
      expect(cfg.dataDir).to.equal(path.join(dir, "data/tc1"));
    });

    it("throws ConfigError for a missing file and for bad JSON", function () {
      expect(() => loadConfig(path.join(dir, "nope.json"))).to.throw(ConfigError, /cannot read config file/);
      const file = path.join(dir, "bad.json");
      fs.writeFileSync(file, "{ not json");
      expect(() => loadConfig(file)).to.throw(ConfigError, /not valid JSON/);
    });

    it("loads the documented example.json, which names every field", function () {
      const file = path.join(__dirname, "../../src/config/example.json");
      const cfg = loadConfig(file);
      expect(cfg.id).to.equal("tc1");
      const raw = JSON.parse(fs.readFileSync(file, "utf8"));
      const topLevel = Object.keys(raw).sort();
      expect(topLevel).to.deep.equal(Object.keys(cfg).sort());
      expect(raw.storage).to.deep.equal(cfg.storage);
      expect(raw.transport).to.deep.equal(cfg.transport);
      expect(raw.batching).to.deep.equal(cfg.batching);
      expect(raw.timeouts).to.deep.equal(cfg.timeouts);
    });

    it("puts the file name in validation errors", function () {
      const file = path.join(dir, "node.json");
      fs.writeFileSync(file, JSON.stringify({ ...minimal(), mode: "fast" }));
      expect(() => loadConfig(file)).to.throw(ConfigError, /node\.json: mode:/);
    });
  });

  describe("derived views", function () {
    it("lists members, remote peers and the candidate pool", function () {
      const cfg = parseConfig(minimal(), dir);
      expect(clusterMembers(cfg).map((m) => m.id)).to.deep.equal(["tc1", "gen1", "con1"]);
      expect(remotePeers(cfg).map((p) => p.id)).to.deep.equal(["gen1", "con1"]);
      expect(candidatePool(cfg)).to.deep.equal(["tc1"]);
    });

    it("adds this node to the members when its own entry is not listed", function () {
      const raw = minimal();
      raw.peers = (raw.peers as Array<Record<string, unknown>>).slice(1);
      expect(clusterMembers(parseConfig(raw, dir)).map((m) => m.id)).to.deep.equal(["tc1", "gen1", "con1"]);
    });

    it("warns when the pool cannot survive as many failures as the quorum", function () {
      const raw = minimal();
      const peers = raw.peers as Array<Record<string, unknown>>;
      peers.push({ id: "con2", role: "participant", port: 7004, fingerprint: KEY });
      peers.push({ id: "con3", role: "participant", port: 7005, fingerprint: KEY });
      const warnings = configWarnings(parseConfig(raw, dir));
      expect(warnings.join("\n")).to.match(/candidate pool of 1 survives 0 failure\(s\) but the 5-voter quorum survives 2/);
    });

    it("does not warn for a pool as robust as the quorum", function () {
      const raw = minimal();
      (raw.peers as Array<Record<string, unknown>>)[1].role = "trading-centre";
      expect(configWarnings(parseConfig(raw, dir))).to.deep.equal([]);
    });
  });
});
