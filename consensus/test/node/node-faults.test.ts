import { expect } from "chai";
import { Wallet } from "ethers";
import type { Entry, HardState } from "../../src/core/types";
import { StorageError } from "../../src/storage/errors";
import { FileStorage } from "../../src/storage/file-storage";
import { InProcessCluster, metric, post, signedTransfer, waitFor } from "./harness";

const ROLES = ["trading-centre", "trading-centre", "trading-centre"] as const;

/** The node whose data directory `dir` is (`<cluster>/<id>/raft`). */
const nodeOf = (dir: string): string => dir.split(/[\\/]/).at(-2)!;

/** Another node's view of the leader once it names one other than `old`. */
async function newLeader(cluster: InProcessCluster, old: string): Promise<string> {
  return waitFor(
    () => {
      for (const [id, n] of cluster.nodes) if (id !== old && n.status().leader === id) return id;
      return undefined;
    },
    20_000,
    `a leader other than ${old}`,
  );
}

describe("node: faults the orderer driver must survive without losing or revealing data", function () {
  this.timeout(60_000);
  let cluster: InProcessCluster;
  const wallet = new Wallet(Wallet.createRandom().privateKey);

  afterEach(async function () {
    await cluster.stopAll();
    cluster.cleanup();
  });

  describe("when a leader's background fsync fails (fsyncgate: never retried)", function () {
    it("halts once, sends nothing more, and the others elect a leader that goes on ordering", async function () {
      const failing = new Set<string>();
      const fatal: Error[] = [];
      cluster = new InProcessCluster(
        { roles: [...ROLES] },
        {
          submitWaitMs: 1_000,
          openStorage: (dir, opts) => {
            const id = nodeOf(dir);
            const storage = FileStorage.open(dir, opts);
            const inBackground = storage.saveInBackground.bind(storage);
            storage.saveInBackground = (hs: HardState | null | undefined, entries: Entry[], onDurable) =>
              inBackground(hs, entries, (err, last) => onDurable(failing.has(id) ? new StorageError(`WAL sync failed on ${id}: EIO`) : err, last));
            return storage;
          },
          onFatal: (err) => fatal.push(err),
        },
      );
      await cluster.startAll();
      const lead = await cluster.leader();
      expect((await post(cluster.peerApi[lead]!, await signedTransfer(wallet, 0))).body.status).to.equal("ordered");
      failing.add(lead);
      void post(cluster.peerApi[lead]!, await signedTransfer(wallet, 1)).catch(() => undefined);
      await waitFor(() => (fatal.length > 0 ? true : undefined), 10_000, "the leader to halt");
      const haltedAt = cluster.nodes.get(lead)!.status();
      const next = await newLeader(cluster, lead);
      expect(fatal.map((err) => err.message)).to.deep.equal([`WAL sync failed on ${lead}: EIO`]);
      // The halted node never heard of the new leader: it steps nothing any more.
      expect(cluster.nodes.get(lead)!.status().leader).to.equal(lead);
      const other = new Wallet(Wallet.createRandom().privateKey);
      expect((await post(cluster.peerApi[next]!, await signedTransfer(other, 0))).body.status).to.equal("ordered");
      expect(fatal).to.have.length(1);
      // Nor does it tick: three election timeouts later CheckQuorum has not stepped it down (it hears no one).
      await new Promise((r) => setTimeout(r, 3 * 10 * 20));
      expect(cluster.nodes.get(lead)!.status()).to.include({ leader: lead, term: haltedAt.term });
    });
  });

  describe("when a node is cut off from one peer only (its PartitionFilter)", function () {
    // An election timeout of 50 ticks (1 s): the cut-off follower does not campaign within the test's windows, so
    // every drop counted below is one of the messages under test.
    const spec = { roles: [...ROLES], electionTicks: 50 };

    it("a leader sends that follower nothing, counts each message it holds back, and leads on with the other", async function () {
      cluster = new InProcessCluster(spec);
      await cluster.startAll();
      const lead = await cluster.leader();
      const [cut, other] = cluster.configs.map((c) => c.id).filter((id) => id !== lead) as [string, string];
      const leader = cluster.nodes.get(lead)!;
      const term = leader.status().term;
      leader.partition.set([cut]);
      const from = cluster.net.sent.length;
      await new Promise((r) => setTimeout(r, 300));
      const sent = cluster.net.sent.slice(from);
      // Every item handed to the transport is a message naming its sender and recipient.
      expect(sent.every((m) => typeof m.from === "string" && typeof m.to === "string")).to.equal(true);
      const out = sent.filter((m) => m.from === lead);
      expect(out.filter((m) => m.to === cut)).to.deep.equal([]);
      expect(out.filter((m) => m.to === other)).to.not.deep.equal([]);
      expect(await metric(leader, "orderer_dropped_messages_total")).to.be.greaterThan(0);
      expect(leader.status()).to.include({ leader: lead, term });
    });

    it("a follower cut off from the leader hears nothing from it: it counts the drops and stops following", async function () {
      cluster = new InProcessCluster(spec);
      await cluster.startAll();
      const lead = await cluster.leader();
      const cutId = cluster.configs.map((c) => c.id).find((id) => id !== lead)!;
      const cut = cluster.nodes.get(cutId)!;
      await waitFor(() => (cut.status().leader === lead ? true : undefined), 10_000, `${cutId} to follow ${lead}`);
      cut.partition.set([lead]);
      await waitFor(() => (cut.status().leader !== lead ? true : undefined), 10_000, `${cutId} to stop following ${lead}`);
      expect(await metric(cut, "orderer_dropped_messages_total")).to.be.greaterThan(0);
    });
  });

  describe("when fault injection partitions the leader (POST /debug/partition)", function () {
    it("drops its messages both ways, the others elect a leader, and after healing it follows that leader", async function () {
      cluster = new InProcessCluster({ roles: [...ROLES] }, { faultInjection: true });
      await cluster.startAll();
      const lead = await cluster.leader();
      const others = cluster.configs.map((c) => c.id).filter((id) => id !== lead);
      const partition = (peers: unknown) =>
        fetch(`${cluster.peerApi[lead]}/debug/partition`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ peers }) });
      expect((await partition(others)).status).to.equal(200);
      expect(cluster.nodes.get(lead)!.partition.peers).to.deep.equal(others);
      const next = await newLeader(cluster, lead);
      const dropped = Number((await cluster.nodes.get(lead)!.metrics.registry.getSingleMetricAsString("orderer_dropped_messages_total")).trim().split(" ").pop());
      expect(dropped).to.be.greaterThan(0);
      expect((await partition([])).status).to.equal(200);
      await waitFor(() => (cluster.nodes.get(lead)!.status().leader === next ? true : undefined), 20_000, `${lead} to follow ${next}`);
    });
  });
});
