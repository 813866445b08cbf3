import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DAEMON_NODE_FLAGS } from "../../bin/build";
import { REPO_ROOT } from "../../src/chain/devnode";
import { JsonRpcClient } from "../../src/chain/rpc";
import { loadConfig } from "../../src/config/load";
import { certificateFingerprint } from "../../src/config/tls-files";
import { LocalCluster, type LocalClusterOptions } from "../../src/node/cluster";
import { freeBasePort } from "../process/load";

/** Run through `wrap` in place of the orderer: answers the API routes LocalCluster calls (see the script). */
const FAKE_DAEMON = path.join(__dirname, "fake-daemon.js");
const REGISTRY = "0x" + "5e".repeat(20);

const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(file, "utf8"));

/**
 * LocalCluster (`src/node/cluster.ts`), the process tests' cluster of daemons, in process: its port layout, the
 * configs and certificates it writes, and how it starts, watches and stops node processes, with a fake daemon in
 * place of the orderer (consensus/test/process runs it with the real one).
 */
describe("node/cluster: a local cluster of orderer processes", function () {
  this.timeout(60_000);
  let dir: string;
  let cluster: LocalCluster | undefined;
  const make = (o: Omit<LocalClusterOptions, "dir">): LocalCluster => (cluster = new LocalCluster({ dir, ...o }));

  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-local-cluster-"));
  });
  afterEach(async function () {
    await cluster?.stopAll();
    cluster = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe("its layout", function () {
    it("numbers members then spares, and gives node i the Raft port base+i, its API base+100+i and its chain base+200+i", function () {
      const c = make({ nodes: 3, spares: 2, basePort: 9000 });
      expect([c.ids, c.spareIds]).to.deep.equal([["n1", "n2", "n3"], ["n4", "n5"]]);
      expect([c.apiUrl("n2"), c.apiUrl("n5"), c.replicaUrl("n4"), c.chainUrl]).to.deep.equal([
        "http://127.0.0.1:9101",
        "http://127.0.0.1:9104",
        "http://127.0.0.1:9203",
        "http://127.0.0.1:9200",
      ]);
      expect([c.host("n3"), c.replicaEvm("n2")]).to.deep.equal(["127.0.0.1", "hardhat"]);
      expect([c.configFile("n4"), c.logFile("n1")]).to.deep.equal([path.join(dir, "n4.json"), path.join(dir, "n1.log")]);
      expect(c.memberRequest("n4")).to.deep.equal({ id: "n4", raftAddress: "127.0.0.1:9003", apiUrl: "http://127.0.0.1:9103", role: "participant" });
      expect(c.memberRequest("n5", "pool").role).to.equal("pool");
      expect(() => c.apiUrl("n6")).to.throw("no node n6 in this cluster");
      expect(() => c.apiUrl("n0")).to.throw("no node n0 in this cluster");
    });

    it("puts each node on its own host and EVM when given, and refuses an EVM list of another length", function () {
      const c = make({ nodes: 2, spares: 1, basePort: 9000, hosts: ["10.0.0.1", "10.0.0.2", "10.0.0.3"], evm: ["anvil", "hardhat"] });
      expect([c.host("n2"), c.apiUrl("n3"), c.replicaEvm("n1"), c.replicaEvm("n2"), c.replicaEvm("n3")]).to.deep.equal([
        "10.0.0.2",
        "http://10.0.0.3:9102",
        "anvil",
        "hardhat",
        "hardhat",
      ]);
      expect(make({ nodes: 2, basePort: 9000, evm: "anvil" }).replicaEvm("n2")).to.equal("anvil");
      expect(() => make({ nodes: 3, basePort: 9000, evm: ["anvil", "hardhat"] })).to.throw("evm names 2 replicas' EVMs for 3 nodes");
    });
  });

  describe("when it writes the nodes' files", function () {
    it("writes into a directory it creates, or one it empties first", async function () {
      const fresh = new LocalCluster({ nodes: 1, basePort: 9000, dir: path.join(dir, "new", "cluster") });
      await fresh.generate();
      expect(fs.readdirSync(path.join(dir, "new", "cluster")).sort()).to.deep.equal(["n1.json", "tls"]);
      fs.writeFileSync(path.join(dir, "stale.json"), "{}");
      await make({ nodes: 1, basePort: 9000 }).generate();
      expect(fs.existsSync(path.join(dir, "stale.json")), "the directory starts afresh").to.equal(false);
    });

    it("writes a CA, certificates and a valid config per node with the defaults, and a spare that joins through n1", async function () {
      const c = make({ nodes: 3, spares: 1, basePort: 9000 });
      await c.generate();
      for (const id of ["n1", "n4"]) expect(fs.readFileSync(c.configFile(id), "utf8")).to.match(/\n}\n$/);
      const peer = (i: number, role: string) => ({ id: `n${i + 1}`, role, host: "127.0.0.1", port: 9000 + i, httpPort: 9100 + i });
      const n1 = {
        id: "n1",
        role: "trading-centre",
        peers: [peer(0, "trading-centre"), peer(1, "trading-centre"), peer(2, "participant")],
        listen: { host: "127.0.0.1", raftPort: 9000, httpPort: 9100 },
        dataDir: "data/n1",
        tls: { certFile: path.join("tls", "n1.crt.pem"), keyFile: path.join("tls", "n1.key.pem"), caFile: path.join("tls", "ca.crt.pem") },
        timeouts: { tickMs: 50, electionTicks: 10 },
        storage: { fsync: true },
        batching: { batchTimeoutMs: 50 },
        logLevel: "info",
      };
      expect(readJson(c.configFile("n1"))).to.deep.equal(n1);
      expect(readJson(c.configFile("n3"))).to.deep.include({ id: "n3", role: "participant", dataDir: "data/n3" });
      expect(readJson(c.configFile("n4"))).to.deep.equal({
        ...n1,
        id: "n4",
        role: "participant",
        peers: [],
        join: "http://127.0.0.1:9100",
        listen: { host: "127.0.0.1", raftPort: 9003, httpPort: 9103 },
        dataDir: "data/n4",
        tls: { ...n1.tls, certFile: path.join("tls", "n4.crt.pem"), keyFile: path.join("tls", "n4.key.pem") },
      });
      for (const id of ["n1", "n2", "n3", "n4"]) expect(loadConfig(c.configFile(id)).id).to.equal(id);
    });

    it("writes every option it is given, pins fingerprints when trust is by fingerprint, and gives the spare a chain of its own", async function () {
      const c = make({
        nodes: 2,
        spares: 1,
        basePort: 9000,
        pool: 1,
        chain: true,
        evm: ["anvil", "hardhat"],
        clockAdvance: false,
        divergenceCheckMs: 700,
        admission: { registry: REGISTRY },
        tickMs: 20,
        electionTicks: 7,
        fsync: false,
        snapshotEntries: 40,
        catchUpEntries: 8,
        batchTimeoutMs: 5,
        maxMessageCount: 9,
        logLevel: "warn",
        trust: "fingerprint",
        hosts: ["10.0.0.1", "10.0.0.2", "10.0.0.3"],
      });
      await c.generate();
      const pin = (id: string) => certificateFingerprint(fs.readFileSync(path.join(dir, "tls", `${id}.crt.pem`), "utf8"));
      const n2 = readJson(c.configFile("n2")) as Record<string, unknown>;
      expect(n2).to.deep.equal({
        id: "n2",
        role: "participant",
        peers: [
          { id: "n1", role: "trading-centre", host: "10.0.0.1", port: 9000, httpPort: 9100, fingerprint: pin("n1") },
          { id: "n2", role: "participant", host: "10.0.0.2", port: 9001, httpPort: 9101, fingerprint: pin("n2") },
        ],
        listen: { host: "10.0.0.2", raftPort: 9001, httpPort: 9101 },
        dataDir: "data/n2",
        tls: { certFile: path.join("tls", "n2.crt.pem"), keyFile: path.join("tls", "n2.key.pem") },
        timeouts: { tickMs: 20, electionTicks: 7 },
        storage: { fsync: false, snapshotEntries: 40, catchUpEntries: 8 },
        batching: { batchTimeoutMs: 5, maxMessageCount: 9 },
        logLevel: "warn",
        chain: { rpcUrl: "http://127.0.0.1:9201", chainId: 31337, evm: "hardhat", divergenceCheckMs: 700 },
        admission: { registry: REGISTRY },
      });
      expect((readJson(c.configFile("n1")) as { chain: unknown }).chain).to.deep.equal({ rpcUrl: "http://127.0.0.1:9200", chainId: 31337, evm: "anvil", divergenceCheckMs: 700 });
      expect(readJson(c.configFile("n3"))).to.deep.include({
        id: "n3",
        join: "http://10.0.0.1:9100",
        listen: { host: "10.0.0.3", raftPort: 9002, httpPort: 9102 },
        tls: { certFile: path.join("tls", "n3.crt.pem"), keyFile: path.join("tls", "n3.key.pem") },
        chain: { rpcUrl: "http://127.0.0.1:9202", chainId: 31337, divergenceCheckMs: 700 },
        admission: { registry: REGISTRY },
      });
      expect(c.memberRequest("n3")).to.deep.equal({ id: "n3", raftAddress: "10.0.0.3:9002", apiUrl: "http://10.0.0.3:9102", role: "participant", fingerprint: pin("n3") });
      for (const id of ["n1", "n2", "n3"]) expect(loadConfig(c.configFile(id)).id).to.equal(id);
    });

    it("lets the devnet clock advance whenever there is a chain, unless told otherwise, or when told without one", async function () {
      const devnet = async (o: Partial<LocalClusterOptions>) => {
        const c = make({ nodes: 1, basePort: 9000, ...o });
        await c.generate();
        return (readJson(c.configFile("n1")) as { devnet?: unknown }).devnet;
      };
      expect(await devnet({ chain: true })).to.deep.equal({ clockAdvance: true });
      expect(await devnet({ clockAdvance: true })).to.deep.equal({ clockAdvance: true });
      expect(await devnet({})).to.equal(undefined);
    });
  });

  describe("when it runs node processes (a fake daemon in place of the orderer)", function () {
    let base: number;
    /** A cluster whose nodes run the fake daemon, each as `modes[id]` says (fake-daemon.js). */
    async function fakeCluster(o: Partial<LocalClusterOptions> & { nodes: number }, modes: Record<string, object> = {}): Promise<LocalCluster> {
      base = await freeBasePort(o.nodes);
      const c = make({ basePort: base, wrap: () => [process.execPath, FAKE_DAEMON], ...o });
      await c.generate();
      for (const [id, mode] of Object.entries(modes)) fs.writeFileSync(`${c.configFile(id)}.fake.json`, JSON.stringify(mode));
      return c;
    }
    const status = (leader: string | null, term: number) => ({ status: { leader, term, commitIndex: 4, appliedIndex: 3 } });
    /** Node `id`'s fake daemon behaves as `mode` says from its next request on. */
    const setMode = (c: LocalCluster, id: string, mode: object) => fs.writeFileSync(`${c.configFile(id)}.fake.json`, JSON.stringify(mode));

    it("starts each node with the daemon's flags and its config, appends its output to its log, and reads status and leader", async function () {
      const c = await fakeCluster({ nodes: 3, faultInjection: true }, { n1: status("n2", 3), n2: status("n2", 3), n3: status("n2", 3) });
      await c.startAll();
      expect(c.running().sort()).to.deep.equal(["n1", "n2", "n3"]);
      const daemon = [process.execPath, ...DAEMON_NODE_FLAGS, path.join(REPO_ROOT, "consensus/bin/orderer.js"), "--config", c.configFile("n1"), "--fault-injection"];
      expect(readJson(`${c.configFile("n1")}.argv.json`)).to.deep.equal(daemon);
      expect(await c.status("n1")).to.deep.equal(status("n2", 3).status);
      expect(await c.leader()).to.equal("n2");
      await c.partition("n1", ["n2"]);
      expect(readJson(`${c.configFile("n1")}.partition.json`)).to.deep.equal({ contentType: "application/json", body: { peers: ["n2"] } });
      await expect(c.start("n1")).to.be.rejectedWith("n1 is already running");

      await c.stop("n1");
      expect(fs.existsSync(`${c.configFile("n1")}.term`), "stopped with SIGTERM").to.equal(true);
      expect(c.running().sort()).to.deep.equal(["n2", "n3"]);
      expect(await c.status("n1")).to.equal(null);
      await c.start("n1");
      expect(fs.readFileSync(c.logFile("n1"), "utf8").match(/fake daemon n1 started/g)).to.have.length(2);
    });

    it("finds a leader only when it names itself and a majority of the cluster names it in its term", async function () {
      const c = await fakeCluster({ nodes: 3 }, { n1: status("n1", 2), n2: status("n1", 1), n3: status(null, 2) });
      await c.startAll();
      expect(readJson(`${c.configFile("n2")}.argv.json`)).to.not.include("--fault-injection");
      // n2 names n1 in another term: one of three.
      await expect(c.leader(300)).to.be.rejectedWith("no leader within 300 ms");
      // n2 names itself in n1's term: still one each.
      setMode(c, "n2", status("n2", 2));
      await expect(c.leader(300)).to.be.rejectedWith("no leader within 300 ms");
      // n2 and n3 name n1, but n1 does not name itself.
      setMode(c, "n1", status(null, 2));
      setMode(c, "n2", status("n1", 2));
      setMode(c, "n3", status("n1", 2));
      await expect(c.leader(300)).to.be.rejectedWith("no leader within 300 ms");
      // n1 and n2 name n1; n3 does not answer its status (counted as no view, after a 2 s time-out).
      setMode(c, "n1", status("n1", 2));
      setMode(c, "n3", { hang: "/v1/status" });
      expect(await c.status("n3")).to.equal(null);
      expect(await c.leader(5_000)).to.equal("n1");
      // n2 stopped: n1 alone names itself, one of three.
      await c.stop("n2");
      setMode(c, "n3", status(null, 2));
      await expect(c.leader(300)).to.be.rejectedWith("no leader within 300 ms");
    });

    it("takes half of an even cluster for no majority, and skips a node that does not answer wherever it is listed", async function () {
      const c = await fakeCluster({ nodes: 2 }, { n1: status("n1", 2), n2: status("n2", 2) });
      await c.startAll();
      await expect(c.leader(300)).to.be.rejectedWith("no leader within 300 ms");
      // n1, first in the list, does not answer its status; n2 leads with n1's vote unseen: still one of two.
      setMode(c, "n1", { hang: "/v1/status" });
      await expect(c.leader(300)).to.be.rejectedWith("no leader within 300 ms");
    });

    it("fails a start whose process exits, or that does not answer in time, and then leaves nothing running", async function () {
      const c = await fakeCluster({ nodes: 2 }, { n1: { exit: true }, n2: { silent: true } });
      await expect(c.start("n1")).to.be.rejectedWith(`n1 exited during start; see ${c.logFile("n1")}`);
      await expect(c.start("n2", 500)).to.be.rejectedWith(`n2 did not answer /healthz within 500 ms; see ${c.logFile("n2")}`);
      expect(c.running()).to.deep.equal([]);
    });

    it("takes neither an unhealthy answer nor a /healthz that never answers for a started node", async function () {
      const c = await fakeCluster({ nodes: 2 }, { n1: { healthz: 503 }, n2: { hang: "/healthz" } });
      await expect(c.start("n1", 500)).to.be.rejectedWith("n1 did not answer /healthz within 500 ms");
      // Each attempt gives up after a second, so the start ends soon after its own limit.
      await expect(c.start("n2", 1_500)).to.be.rejectedWith("n2 did not answer /healthz within 1500 ms");
      expect(c.running()).to.deep.equal([]);
    });

    it("stops a node that ignores SIGTERM with SIGKILL after the grace period; stopping or killing a stopped node does nothing", async function () {
      const c = await fakeCluster({ nodes: 1 }, { n1: { ignoreTerm: true } });
      await c.start("n1");
      const child = c.procs.get("n1")!;
      await c.stop("n1", 300);
      expect(child.signalCode).to.equal("SIGKILL");
      expect(c.running()).to.deep.equal([]);
      await c.stop("n1");
      await c.kill("n1");
    });

    it("kills the node's whole process group with SIGKILL by default", async function () {
      const c = await fakeCluster({ nodes: 1 }, { n1: { ignoreTerm: true, grandchild: true } });
      await c.start("n1");
      const child = c.procs.get("n1")!;
      const grandchild = Number(fs.readFileSync(`${c.configFile("n1")}.grandchild`, "utf8"));
      await c.kill("n1");
      expect(child.signalCode).to.equal("SIGKILL");
      // Gone, or a zombie nobody reaped (its parent died with it): state Z in /proc/<pid>/stat.
      const alive = () => {
        try {
          return fs.readFileSync(`/proc/${grandchild}/stat`, "utf8").split(") ")[1]![0] !== "Z";
        } catch {
          return false;
        }
      };
      for (let i = 0; i < 50 && alive(); i++) await new Promise((r) => setTimeout(r, 20));
      expect(alive(), "the daemon's own child process").to.equal(false);
    });

    it("reports a refused partition with its status and text", async function () {
      const c = await fakeCluster({ nodes: 1 }, { n1: { partition: 500 } });
      await c.start("n1");
      await expect(c.partition("n1", [])).to.be.rejectedWith("partition n1: HTTP 500 partition refused");
    });

    it("starts each node's replica chain node first, once, and stops it with the cluster", async function () {
      const c = await fakeCluster({ nodes: 1, chain: true, evm: "anvil" });
      await c.startAll();
      const chain = c.chainNodes.get("n1")!;
      expect(chain.port).to.equal(base + 200);
      expect(await new JsonRpcClient(c.replicaUrl("n1")).call<string>("eth_chainId")).to.equal("0x7a69");
      await c.startChain("n1");
      expect(c.chainNodes.get("n1")).to.equal(chain);
      await c.stopAll();
      expect([c.running(), [...c.chainNodes.keys()]]).to.deep.equal([[], []]);
      expect(chain.child.exitCode !== null || chain.child.signalCode !== null, "the chain node exited").to.equal(true);
      await c.stopChain("n1");
    });

    it("starts only the chain node asked for, at its own port", async function () {
      const c = await fakeCluster({ nodes: 2, chain: true, evm: "anvil" });
      await c.startChain("n2");
      expect([...c.chainNodes.keys()]).to.deep.equal(["n2"]);
      expect(c.chainNodes.get("n2")!.port).to.equal(base + 201);
    });

    it("starts no chain node without a chain", async function () {
      const c = await fakeCluster({ nodes: 1 });
      await c.startChain();
      await c.startChain("n1");
      expect(c.chainNodes.size).to.equal(0);
    });
  });
});
