import { expect } from "chai";
import type { LocalCluster } from "../../src/node/cluster";
import { devAccount, withFaultyCluster } from "./load";

interface Answer {
  status: number;
  retryAfter: string | null;
  body: { hash?: string; status?: string; error?: string };
  ms: number;
}

async function submit(url: string, raw: string): Promise<Answer> {
  const started = Date.now();
  const res = await fetch(`${url}/v1/transactions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ raw }),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, retryAfter: res.headers.get("retry-after"), body: (await res.json()) as Answer["body"], ms: Date.now() - started };
}

const transfer = (nonce: number): Promise<string> =>
  devAccount(15).signTransaction({ type: 2, chainId: 31337n, nonce, to: devAccount(0).address, gasLimit: 21_000n, maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: 1n });

/**
 * Raft §6 (client interaction) with real processes: a client must not wait out the 10 s submit wait
 * or forward timeout when the leader it reaches is cut off or paused. An election here takes
 * 0.5–1 s (50 ms ticks, 10 per election timeout); the old behaviour answered after about 10 s.
 */
describe("process: clients get a retryable answer, or their forward re-routes, within about an election", function () {
  this.timeout(180_000);
  const clusterOf = withFaultyCluster("dplc-failover-"); // n1, n2: trading centre (the pool); n3: participant
  let cluster: LocalCluster;
  beforeEach(function () {
    cluster = clusterOf();
  });

  it("answers 503 with Retry-After to a client of a leader cut off from its peers once it steps down (CheckQuorum)", async function () {
    const leader = await cluster.leader();
    const others = cluster.ids.filter((id) => id !== leader);
    const raw = await transfer(0);
    await cluster.partition(leader, others);
    try {
      const answer = await submit(cluster.apiUrl(leader), raw);
      expect(answer.status, JSON.stringify(answer.body)).to.equal(503);
      expect(answer.retryAfter).to.equal("1");
      expect(answer.body.error).to.match(/leadership lost|no eligible leader|no leader/);
      expect(answer.ms).to.be.below(5_000);
      // Retryable indeed: the same bytes through the majority side are ordered once.
      await cluster.leader();
      const retried = await submit(cluster.apiUrl(others[0]!), raw);
      expect(retried.status, JSON.stringify(retried.body)).to.equal(200);
      expect(retried.body.status).to.equal("ordered");
    } finally {
      await cluster.partition(leader, []);
    }
  });

  it("re-routes a request a follower forwarded to a paused leader as soon as it learns the new leader", async function () {
    const leader = await cluster.leader();
    const follower = cluster.ids.find((id) => id !== leader)!;
    const group = -cluster.procs.get(leader)!.pid!;
    process.kill(group, "SIGSTOP");
    try {
      const answer = await submit(cluster.apiUrl(follower), await transfer(1));
      expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
      expect(answer.body.status).to.equal("ordered");
      expect(answer.ms).to.be.below(5_000);
    } finally {
      process.kill(group, "SIGCONT");
    }
    const next = await cluster.leader();
    expect(next).to.not.equal(leader);
  });
});
