import { expect } from "chai";
import fs from "node:fs";
import { JsonRpcClient } from "../../src/chain/rpc";
import type { LocalCluster } from "../../src/node/cluster";
import { until, untilStable } from "../helpers/until";
import { devAccount, fetchStatus, LoadGenerator, withFaultyCluster } from "./load";

interface Header {
  number: string;
  hash: string;
  stateRoot: string;
  transactions: string[];
}

interface Member {
  id: string;
  role: string;
  raftAddress?: string;
  apiUrl?: string;
}

interface Status {
  leader: string | null;
  pool: string[];
  members: Member[];
  blocks: { number: number; hash: string };
  catchingUp: unknown;
  replica: { number: number; hash: string | null; stateRoot: string | null; appliedBlock: number };
}

async function call<T>(url: string, method: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(url, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    signal: AbortSignal.timeout(20_000),
  });
  return { status: res.status, body: (await res.json()) as T };
}

async function chainOf(url: string): Promise<Header[]> {
  const rpc = new JsonRpcClient(url);
  const height = Number(BigInt(await rpc.call<string>("eth_blockNumber")));
  return Promise.all(Array.from({ length: height + 1 }, (_, b) => rpc.call<Header>("eth_getBlockByNumber", ["0x" + b.toString(16), false])));
}

const transfer = (sender: number, nonce: number): Promise<string> =>
  devAccount(sender).signTransaction({ type: 2, chainId: 31337n, nonce, to: devAccount(0).address, value: 1n, gasLimit: 21_000n, maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: 1n });

describe("process: run-time membership (Raft §6, single-server changes) — a node added to a running cluster builds its replica from peers", function () {
  this.timeout(600_000);
  // Pinned certificate fingerprints (withFaultyCluster's trust): the new member's pin travels in its request, and the
  // joining node learns its peers' pins from /v1/status. A short compaction window: by the time n4 starts, the
  // leader's log no longer reaches back to the start, so n4 gets a snapshot and pulls the blocks before it from its
  // peers' stores.
  const clusterOf = withFaultyCluster("dplc-members-", { spares: 1, chain: true, snapshotEntries: 40, catchUpEntries: 10, maxMessageCount: 20, divergenceCheckMs: 500 });
  let cluster: LocalCluster;

  before(async function () {
    cluster = clusterOf();
    await cluster.leader(30_000);
  });

  const status = async (id: string): Promise<Status> => (await fetchStatus<Status>(cluster.apiUrl(id)))!;

  /** Every running node stores the same head and its replica applied all of it. */
  async function settled(): Promise<Status[]> {
    return untilStable(async () => {
      const st = await Promise.all(cluster.running().map((id) => fetchStatus<Status>(cluster.apiUrl(id))));
      if (st.some((s) => s === null)) return undefined;
      const top = st[0]!.blocks;
      // Equal replica heads too: a replica's status can show its last block applied a moment before its peer's chain head is read.
      const done = st.every((s) => s!.blocks.hash === top.hash && s!.catchingUp === null && s!.replica.appliedBlock === top.number && s!.replica.hash !== null && s!.replica.hash === st[0]!.replica.hash);
      return done ? (st as Status[]) : undefined;
    }, (st) => st.map((s) => `${s.blocks.hash}/${s.replica.hash}`).join(","), 180_000, "every running replica to apply every block");
  }

  async function expectIdenticalReplicas(ids: string[]): Promise<Header[]> {
    const all = await Promise.all(ids.map((id) => chainOf(cluster.replicaUrl(id))));
    for (const [k, chain] of all.entries()) {
      expect(chain.map((b) => b.hash), `${ids[k]}'s block hashes`).to.deep.equal(all[0]!.map((b) => b.hash));
      expect(chain.map((b) => b.stateRoot), `${ids[k]}'s state roots`).to.deep.equal(all[0]!.map((b) => b.stateRoot));
    }
    return all[0]!;
  }

  function expectEachOnce(chain: Header[], acked: string[]): void {
    const onChain = chain.flatMap((b) => b.transactions.map((h) => h.toLowerCase()));
    expect(new Set(onChain).size, "no transaction twice").to.equal(onChain.length);
    const present = new Set(onChain);
    expect(acked.filter((h) => !present.has(h.toLowerCase())), "acknowledged transactions missing").to.deep.equal([]);
  }

  describe("when a fourth node is added under load", function () {
    it("joins with an empty data directory, pulls the blocks it lacks, and its replica equals the others' (hash and state root)", async function () {
      const load = new LoadGenerator(6, () => cluster.ids.map((id) => cluster.apiUrl(id)));
      load.start();
      await until(async () => (load.ackedCount >= 300 ? true : undefined), 120_000, "300 acknowledged transactions");
      const added = await call<{ index: number; members: Member[] }>(`${cluster.apiUrl("n3")}/v1/members`, "POST", cluster.memberRequest("n4"));
      expect(added.status, JSON.stringify(added.body)).to.equal(200);
      expect(added.body.members.find((m) => m.id === "n4")).to.deep.include({ role: "participant", apiUrl: cluster.apiUrl("n4") });
      await cluster.startChain("n4");
      await cluster.start("n4");
      const from = load.ackedCount;
      await until(async () => (load.ackedCount >= from + 300 ? true : undefined), 120_000, "300 more acknowledged transactions");
      await load.stop();

      const st = await settled();
      expect(st).to.have.length(4);
      const chain = await expectIdenticalReplicas(["n1", "n2", "n3", "n4"]);
      expect(Number(BigInt(chain.at(-1)!.number))).to.be.greaterThan(10);
      for (const s of st) expect(s.replica).to.deep.include({ hash: chain.at(-1)!.hash, stateRoot: chain.at(-1)!.stateRoot });
      expectEachOnce(chain, load.result.acked.flat());
      const n4 = fs.readFileSync(cluster.logFile("n4"), "utf8");
      expect(n4, "n4 installed a snapshot and pulled the blocks before it").to.match(/installed snapshot from the leader/).and.match(/block store gap/);
      expect((await status("n1")).members.map((m) => m.id).sort()).to.deep.equal(["n1", "n2", "n3", "n4"]);
    });

    it("keeps the new configuration across restarts: n4 and a node whose config file never named it", async function () {
      await cluster.stop("n4");
      await cluster.stop("n2");
      await cluster.start("n2");
      await cluster.start("n4");
      await cluster.leader(30_000);
      const acked: string[] = [];
      for (let k = 0; k < 20; k++) {
        const res = await call<{ hash: string; status: string }>(`${cluster.apiUrl(cluster.ids[k % 3]!)}/v1/transactions`, "POST", { raw: await transfer(12, k) });
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        acked.push(res.body.hash);
      }
      await settled();
      for (const id of ["n2", "n4"]) {
        const members = (await status(id)).members;
        expect(members.map((m) => m.id).sort(), `${id}'s members`).to.deep.equal(["n1", "n2", "n3", "n4"]);
        expect(members.find((m) => m.id === "n4")!.raftAddress).to.equal(cluster.memberRequest("n4").raftAddress);
      }
      expectEachOnce(await expectIdenticalReplicas(["n1", "n2", "n3", "n4"]), acked);
    });
  });

  describe("when a membership request is bad", function () {
    it("answers 4xx with one clear message: duplicate id, duplicate address, malformed field, unknown id, wrong method", async function () {
      const dup = await call<{ error: string }>(`${cluster.apiUrl("n1")}/v1/members`, "POST", cluster.memberRequest("n4"));
      expect(dup).to.deep.equal({ status: 409, body: { error: "n4 is already a member" } });
      const sameAddress = await call<{ error: string }>(`${cluster.apiUrl("n2")}/v1/members`, "POST", { ...cluster.memberRequest("n4"), id: "n9" });
      expect(sameAddress.status).to.equal(409);
      expect(sameAddress.body.error).to.match(/^member n4 already uses/);
      const bad = await call<{ error: string }>(`${cluster.apiUrl("n3")}/v1/members`, "POST", { ...cluster.memberRequest("n4"), id: "n9", raftAddress: "nowhere" });
      expect(bad).to.deep.equal({ status: 400, body: { error: 'raftAddress: must be "host:port", e.g. "10.0.0.4:7000"' } });
      const role = await call<{ error: string }>(`${cluster.apiUrl("n3")}/v1/members`, "POST", { ...cluster.memberRequest("n4"), id: "n9", role: "leader" });
      expect(role.status).to.equal(400);
      expect(role.body.error).to.match(/^role: must be "pool"/);
      const notJson = await call<{ error: string }>(`${cluster.apiUrl("n1")}/v1/members`, "POST", "{");
      expect(notJson.status).to.equal(400);
      const unknown = await call<{ error: string }>(`${cluster.apiUrl("n2")}/v1/members/n9`, "DELETE");
      expect(unknown).to.deep.equal({ status: 404, body: { error: "n9 is not a member" } });
      const get = await call<{ error: string }>(`${cluster.apiUrl("n2")}/v1/members/n4`, "GET");
      expect(get.status).to.equal(405);
    });
  });

  describe("when members are removed", function () {
    it("removes a participant and a pool member; the core refuses removing the last pool member (400); the rest keeps ordering", async function () {
      const removed = await call<{ members: Member[] }>(`${cluster.apiUrl("n1")}/v1/members/n4`, "DELETE");
      expect(removed.status, JSON.stringify(removed.body)).to.equal(200);
      expect(removed.body.members.map((m) => m.id).sort()).to.deep.equal(["n1", "n2", "n3"]);
      await cluster.stop("n4");
      const leader = await cluster.leader(30_000);
      const otherPool = (await status(leader)).pool.find((id) => id !== leader)!;
      const second = await call<{ members: Member[] }>(`${cluster.apiUrl("n3")}/v1/members/${otherPool}`, "DELETE");
      expect(second.status, JSON.stringify(second.body)).to.equal(200);
      await cluster.stop(otherPool);
      const last = await call<{ error: string }>(`${cluster.apiUrl("n3")}/v1/members/${leader}`, "DELETE");
      expect(last.status).to.equal(400);
      expect(last.body.error).to.match(/would leave the candidate pool empty/);
      const res = await call<{ hash: string; status: string }>(`${cluster.apiUrl("n3")}/v1/transactions`, "POST", { raw: await transfer(13, 0) });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const st = await settled();
      expect(st.map((s) => s.members.map((m) => m.id).sort())).to.deep.equal([
        [leader, "n3"].sort(),
        [leader, "n3"].sort(),
      ]);
      expectEachOnce(await expectIdenticalReplicas(cluster.running()), [res.body.hash]);
    });
  });
});
