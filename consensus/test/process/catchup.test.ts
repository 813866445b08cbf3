import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { LocalCluster } from "../../src/node/cluster";
import { devAccount, freeBasePort } from "./load";

async function submit(url: string, nonce: number): Promise<{ status: number; body: { status?: string; error?: string } }> {
  const raw = await devAccount(7).signTransaction({
    type: 2,
    chainId: 31337n,
    nonce,
    to: devAccount(0).address,
    gasLimit: 21_000n,
    maxFeePerGas: 10n ** 11n,
    maxPriorityFeePerGas: 1n,
  });
  const res = await fetch(`${url}/v1/transactions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ raw }) });
  return { status: res.status, body: (await res.json()) as { status?: string; error?: string } };
}

/**
 * The failover the candidate pool could not survive before `catchUp` (core/catchup.ts), with real
 * processes and TCP: the other pool member misses entries that the participant holds, then the
 * leader is killed. The participant refuses the stale pool member's vote but hands it the entries.
 */
describe("process: a pool member that missed entries catches up from the participant when the leader dies", function () {
  this.timeout(180_000);
  let cluster: LocalCluster;
  let dir: string;

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-catchup-"));
    cluster = new LocalCluster({ nodes: 3, dir, basePort: await freeBasePort(3), faultInjection: true, tickMs: 50, electionTicks: 10, logLevel: "info", trust: "fingerprint" });
    await cluster.generate(); // n1, n2: trading centre (the pool); n3: participant
    await cluster.startAll();
  });

  after(async function () {
    await cluster?.stopAll();
    if (this.currentTest?.state !== "failed") fs.rmSync(dir, { recursive: true, force: true });
  });

  it("elects the lagging pool member with the participant's entries, and no acknowledged transaction is lost", async function () {
    const leader = await cluster.leader();
    const other = leader === "n1" ? "n2" : "n1";
    await cluster.partition(other, [leader]);
    await cluster.partition(leader, [other]);
    const acked: string[] = [];
    for (let nonce = 0; nonce < 5; nonce++) {
      const r = await submit(cluster.apiUrl(leader), nonce);
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expect(r.body.status).to.equal("ordered");
      acked.push((r.body as { hash?: string }).hash!);
    }
    const behind = await cluster.status(other);
    const ahead = await cluster.status("n3");
    expect(behind!.commitIndex).to.be.lessThan(ahead!.commitIndex);

    await cluster.kill(leader, "SIGKILL");
    await cluster.partition(other, []);
    // Without catch-up the participant refuses `other` until the killed leader returns.
    expect(await cluster.leader(15_000)).to.equal(other);
    const r = await submit(cluster.apiUrl("n3"), 5);
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    for (const hash of acked) {
      const res = await fetch(`${cluster.apiUrl(other)}/v1/transactions/${hash}`);
      expect(res.status, `${hash} kept by the new leader`).to.equal(200);
    }
  });
});
