import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { LocalCluster } from "../../src/node/cluster";
import { makeNetnsHosts, netnsUnavailable, type NetnsHosts } from "../helpers/netns";
import { until, untilStable } from "../helpers/until";
import { LoadGenerator } from "./load";

interface Position {
  block: number;
  index: number;
}

interface Status {
  leader: string | null;
  appliedIndex: number;
  blocks: { number: number; hash: string };
}

async function position(url: string, hash: string): Promise<Position | null> {
  const res = await fetch(`${url}/v1/transactions/${hash}`, { signal: AbortSignal.timeout(5_000) });
  if (res.status !== 200) return null;
  const body = (await res.json()) as Position;
  return { block: body.block, index: body.index };
}

async function status(url: string): Promise<Status | null> {
  try {
    const res = await fetch(`${url}/v1/status`, { signal: AbortSignal.timeout(2_000) });
    return (await res.json()) as Status;
  } catch {
    return null;
  }
}

// Issue 16, "real hosts": each node in its own network namespace, on its own address, mutual TLS between them
// (certificates from the cluster's CA); a crash and a partition made at the processes and links, not by the nodes.
describe("process: 3 orderer nodes on separate hosts (one network namespace each, mutual TLS)", function () {
  this.timeout(300_000);
  let hosts: NetnsHosts | null = null;
  let cluster: LocalCluster;
  let dir: string;

  before(async function () {
    const why = netnsUnavailable();
    if (why !== null) {
      console.log(`      skipped: ${why}`);
      this.skip();
    }
    hosts = makeNetnsHosts(3);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-netns-"));
    const h = hosts;
    cluster = new LocalCluster({
      nodes: 3,
      dir,
      basePort: 7000,
      hosts: h.addresses,
      wrap: (id) => h.wrap(Number(id.slice(1)) - 1),
      tickMs: 50,
      electionTicks: 10,
      logLevel: "info",
      trust: "ca",
    });
    await cluster.generate();
    await cluster.startAll();
  });

  after(async function () {
    await cluster?.stopAll();
    hosts?.remove();
    if (dir !== undefined && this.currentTest?.state !== "failed") fs.rmSync(dir, { recursive: true, force: true });
  });

  it("listens on non-loopback addresses only and peers reach each other over TLS between namespaces", async function () {
    for (const id of cluster.ids) {
      const cfg = JSON.parse(fs.readFileSync(cluster.configFile(id), "utf8")) as { listen: { host: string }; peers: { host: string }[]; tls: { caFile?: string } };
      expect(cfg.listen.host).to.match(/^10\./);
      expect(cfg.peers.every((p) => p.host.startsWith("10."))).to.equal(true);
      expect(cfg.tls.caFile).to.be.a("string");
    }
    const leader = await cluster.leader(30_000);
    const views = await Promise.all(cluster.ids.map((id) => status(cluster.apiUrl(id))));
    expect(views.map((v) => v?.leader)).to.deep.equal([leader, leader, leader]);
    // The peer links run between the namespaces' addresses.
    const connected = fs
      .readFileSync(cluster.logFile("n1"), "utf8")
      .split("\n")
      .filter((line) => line.includes("transport: connected to peer"));
    expect(connected.length).to.be.greaterThan(0);
    for (const line of connected) expect((JSON.parse(line) as { host: string }).host).to.match(/^10\./);
  });

  it("survives kill -9 of the leader and a cut network link: every acknowledged transaction once, in the same place on every node", async function () {
    // Clients stop sending to a node whose link is cut (as a client fails over from a host it cannot reach).
    let cutOff: string | null = null;
    const load = new LoadGenerator(6, () => cluster.running().filter((id) => id !== cutOff).map((id) => cluster.apiUrl(id)));
    load.start();
    try {
      await until(async () => (load.ackedCount >= 100 ? true : undefined), 60_000, "100 acknowledged transactions");
      const first = await cluster.leader();
      await cluster.kill(first, "SIGKILL");
      const second = await cluster.leader(20_000);
      expect(second).to.not.equal(first);
      let mark = load.ackedCount;
      await until(async () => (load.ackedCount >= mark + 100 ? true : undefined), 60_000, "progress under the new leader");
      await cluster.start(first);

      // The link of a follower goes down: the cluster goes on without it, and it catches up once the link is back.
      const leaderNow = await cluster.leader(30_000);
      const victim = cluster.ids.find((id) => id !== leaderNow)!;
      cutOff = victim;
      hosts!.cut(cluster.ids.indexOf(victim), true);
      mark = load.ackedCount;
      await until(async () => (load.ackedCount >= mark + 100 ? true : undefined), 60_000, "progress while a link is cut");
      hosts!.cut(cluster.ids.indexOf(victim), false);
      cutOff = null;
    } finally {
      await load.stop();
    }

    const acked = load.result.acked.flat();
    const urls = cluster.ids.map((id) => cluster.apiUrl(id));
    const heads = await untilStable(async () => {
      const sts = await Promise.all(urls.map(status));
      const same = sts.every((s) => s !== null && s.appliedIndex === sts[0]!.appliedIndex && s.blocks.hash === sts[0]!.blocks.hash);
      return same ? sts : undefined;
    }, (sts) => JSON.stringify(sts.map((s) => [s!.appliedIndex, s!.blocks])), 60_000, "every node to apply the same log and store the same chain");
    expect(heads[0]!.blocks.number).to.be.greaterThan(0);
    const slots = new Set<string>();
    for (const hash of acked) {
      const views = await Promise.all(urls.map((u) => position(u, hash)));
      expect(views[0], `${hash} known`).to.not.equal(null);
      for (const v of views) expect(v).to.deep.equal(views[0]);
      slots.add(`${views[0]!.block}:${views[0]!.index}`);
    }
    expect(slots.size, "no two acknowledged transactions in one place").to.equal(acked.length);
  });
});
