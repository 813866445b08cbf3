import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { expectWholeChain, readStoredChain } from "../blocks/helpers";
import { waitFor } from "../node/harness";
import { LoadGenerator, fetchStatus, withFaultyCluster } from "./load";

interface Status {
  appliedIndex: number;
  blocks: { number: number; hash: string };
}

const status = (url: string) => fetchStatus<Status>(url);

describe("process: every node's block store after kill -9 of a node mid-load (issue 13)", function () {
  this.timeout(240_000);
  // Snapshots every 50 entries: the killed node restarts from a snapshot of its own, taken under load.
  const clusterOf = withFaultyCluster("dplc-blocks-", { pool: 3, snapshotEntries: 50 });

  it("a node killed with kill -9 mid-load and restarted ends with the same chain of block hashes as its peers, without gaps", async function () {
    const cluster = clusterOf();
    const load = new LoadGenerator(6, () => cluster.running().map((id) => cluster.apiUrl(id)));
    load.start();
    await waitFor(async () => (load.ackedCount >= 300 ? true : undefined), 90_000, "300 acknowledged transactions");
    const leader = await cluster.leader();
    const victim = cluster.ids.find((id) => id !== leader)!;
    await cluster.kill(victim, "SIGKILL");
    const down = load.ackedCount;
    await waitFor(async () => (load.ackedCount >= down + 100 ? true : undefined), 60_000, "progress without the killed node");
    await cluster.start(victim);
    const back = load.ackedCount;
    await waitFor(async () => (load.ackedCount >= back + 200 ? true : undefined), 60_000, "progress after the restart");
    await load.stop();

    let last = "";
    const head = await waitFor(async () => {
      const sts = await Promise.all(cluster.ids.map((id) => status(cluster.apiUrl(id))));
      if (sts.some((s) => s === null)) return undefined;
      const key = JSON.stringify(sts.map((s) => [s!.appliedIndex, s!.blocks]));
      const same = sts.every((s) => s!.appliedIndex === sts[0]!.appliedIndex && s!.blocks.hash === sts[0]!.blocks.hash);
      const stable = key === last;
      last = key;
      return same && stable ? sts[0]!.blocks : undefined;
    }, 60_000, "every node's block store at the same head");
    await cluster.stopAll();

    const chains = await Promise.all(cluster.ids.map((id) => readStoredChain(path.join(cluster.o.dir, "data", id, "blocks"))));
    for (const chain of chains) expect(chain.blocks.map((b) => b.hash)).to.deep.equal(chains[0]!.blocks.map((b) => b.hash));
    for (const chain of chains) expect(chain).to.deep.equal(chains[0]);
    expect(chains[0]!.blocks.at(-1)!.hash).to.equal(head.hash);
    const acked = load.result.acked.flat();
    expect(acked.length).to.be.greaterThan(600);
    expectWholeChain(chains[0]!, acked);
    const starts = fs
      .readFileSync(cluster.logFile(victim), "utf8")
      .split("\n")
      .filter((l) => l.includes('"orderer node started"'))
      .map((l) => (JSON.parse(l) as { snapshot: number }).snapshot);
    expect(starts).to.have.length(2);
    expect(starts[1], "the killed node restarted from a snapshot of its own").to.be.greaterThan(0);
  });
});
