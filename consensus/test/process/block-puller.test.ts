import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { expectWholeChain, readStoredChain, type StoredChain } from "../blocks/helpers";
import { waitFor } from "../node/harness";
import type { LocalCluster } from "../../src/node/cluster";
import { LoadGenerator, fetchStatus, withFaultyCluster } from "./load";

interface Status {
  appliedIndex: number;
  blocks: { number: number; hash: string };
  catchingUp: unknown;
}

const status = (url: string) => fetchStatus<Status>(url);

/** Waits until every running node applied the same log and stores the same head, not catching up, twice in a row. */
async function settled(cluster: LocalCluster): Promise<{ number: number; hash: string }> {
  let last = "";
  return waitFor(async () => {
    const sts = await Promise.all(cluster.running().map((id) => status(cluster.apiUrl(id))));
    if (sts.length === 0 || sts.some((s) => s === null)) return undefined;
    const key = JSON.stringify(sts.map((s) => [s!.appliedIndex, s!.blocks, s!.catchingUp]));
    const same = sts.every((s) => s!.appliedIndex === sts[0]!.appliedIndex && s!.blocks.hash === sts[0]!.blocks.hash && s!.catchingUp === null);
    const stable = key === last;
    last = key;
    return same && stable ? sts[0]!.blocks : undefined;
  }, 90_000, "every node's block store at the same head");
}

/**
 * Stops every node, then checks each store: the same chain of hashes on every node, ending at `head`, numbered
 * without gaps, holding every acknowledged transaction exactly once and each client's in the order it sent them.
 */
async function expectIdenticalStores(cluster: LocalCluster, head: { hash: string }, acked: string[][]): Promise<StoredChain> {
  await cluster.stopAll();
  const chains = await Promise.all(cluster.ids.map((id) => readStoredChain(path.join(cluster.o.dir, "data", id, "blocks"))));
  for (const chain of chains) expect(chain).to.deep.equal(chains[0]);
  expect(chains[0]!.blocks.at(-1)!.hash).to.equal(head.hash);
  expectWholeChain(chains[0]!, acked.flat());
  const position = new Map(chains[0]!.blocks.flatMap((b) => b.txs).map((h, i) => [h, i] as const));
  for (const sent of acked) {
    const at = sent.map((h) => position.get(h.toLowerCase())!);
    expect(at, "a client's transactions stored in the order they were acknowledged").to.deep.equal([...at].sort((a, b) => a - b));
  }
  return chains[0]!;
}

function logLines(cluster: LocalCluster, id: string, msg: string): Record<string, unknown>[] {
  return fs
    .readFileSync(cluster.logFile(id), "utf8")
    .split("\n")
    .filter((l) => l.includes(`"msg":"${msg}"`))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Runs `load` until `more` further acknowledgements (bounded). */
async function progress(load: LoadGenerator, more: number, what: string): Promise<void> {
  const from = load.ackedCount;
  await waitFor(async () => (load.ackedCount >= from + more ? true : undefined), 90_000, what);
}

// Snapshots every 40 entries, 10 kept behind: a node down for a few hundred entries is past its compaction window.
const SHORT_WINDOW = { pool: 3, snapshotEntries: 40, catchUpEntries: 10 };

describe("process: a node down past its compaction window under load catches its block store up from peers (issue 13)", function () {
  this.timeout(300_000);
  const clusterOf = withFaultyCluster("dplc-pull-down-", SHORT_WINDOW);

  it("back, it pulls the missing blocks: identical chains of hashes, every acknowledged transaction once, in order", async function () {
    const cluster = clusterOf();
    const load = new LoadGenerator(6, () => cluster.running().map((id) => cluster.apiUrl(id)));
    load.start();
    await progress(load, 200, "200 acknowledged transactions");
    const leader = await cluster.leader();
    const victim = cluster.ids.find((id) => id !== leader)!;
    await cluster.kill(victim, "SIGKILL");
    await progress(load, 800, "progress without the killed node");
    await cluster.start(victim);
    await progress(load, 300, "progress after the restart");
    await load.stop();
    const head = await settled(cluster);
    await expectIdenticalStores(cluster, head, load.result.acked);

    expect(logLines(cluster, victim, "installed snapshot from the leader"), "the leader's log was compacted past the node").to.not.be.empty;
    const caughtUp = logLines(cluster, victim, "block store caught up from peers");
    expect(caughtUp).to.have.length.at.least(1);
    expect(caughtUp[0]!.pulled as number).to.be.greaterThan(0);
  });
});

describe("process: a node whose blocks directory was wiped rebuilds it from peers (issue 13)", function () {
  this.timeout(300_000);
  const clusterOf = withFaultyCluster("dplc-pull-wiped-", SHORT_WINDOW);

  it("restarted without blocks/, it pulls the whole chain and goes on storing", async function () {
    const cluster = clusterOf();
    const load = new LoadGenerator(4, () => cluster.running().map((id) => cluster.apiUrl(id)));
    load.start();
    await progress(load, 300, "300 acknowledged transactions");
    const victim = "n3";
    await cluster.stop(victim);
    fs.rmSync(path.join(cluster.o.dir, "data", victim, "blocks"), { recursive: true, force: true });
    await cluster.start(victim);
    await progress(load, 200, "progress after the restart");
    await load.stop();
    const head = await settled(cluster);
    await expectIdenticalStores(cluster, head, load.result.acked);
    expect(logLines(cluster, victim, "block store caught up from peers")).to.have.length.at.least(1);
  });
});

describe("process: a member that starts for the first time on a running cluster builds its store from peers (issue 13)", function () {
  this.timeout(300_000);
  let cluster: LocalCluster;
  // n4 is a participant of the configuration that has never run: the three others form the quorum of four.
  const clusterOf = withFaultyCluster("dplc-pull-new-", { ...SHORT_WINDOW, nodes: 4 }, ["n1", "n2", "n3"]);

  it("joins with an empty data directory after hundreds of entries and ends with the same chain", async function () {
    cluster = clusterOf();
    const load = new LoadGenerator(4, () => cluster.running().map((id) => cluster.apiUrl(id)));
    load.start();
    await progress(load, 500, "500 acknowledged transactions without n4");
    await cluster.start("n4");
    await progress(load, 200, "progress with n4");
    await load.stop();
    const head = await settled(cluster);
    await expectIdenticalStores(cluster, head, load.result.acked);
    expect(logLines(cluster, "n4", "block store caught up from peers")).to.have.length.at.least(1);
  });
});

describe("process: kill -9 of every node at once mid-load (issue 13)", function () {
  this.timeout(300_000);
  const clusterOf = withFaultyCluster("dplc-pull-killall-", SHORT_WINDOW);

  it("restarted, every store holds every acknowledged transaction exactly once, with equal heads", async function () {
    const cluster = clusterOf();
    const load = new LoadGenerator(6, () => cluster.running().map((id) => cluster.apiUrl(id)));
    load.start();
    await progress(load, 400, "400 acknowledged transactions");
    await Promise.all(cluster.ids.map((id) => cluster.kill(id, "SIGKILL")));
    for (const id of cluster.ids) await cluster.start(id);
    await progress(load, 200, "progress after the restart");
    await load.stop();
    const head = await settled(cluster);
    await expectIdenticalStores(cluster, head, load.result.acked);
  });
});
