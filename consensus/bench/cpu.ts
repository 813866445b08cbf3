/**
 * Where the CPU goes per transaction: a 3-node orderer cluster under the closed-loop load of bench:consensus, and
 * each process's CPU time (user + system, `/proc/<pid>/stat`) over the measured window divided by the transactions
 * ordered in it. Less sensitive to a shared machine's load than throughput, which is why it was written.
 *
 *   npx ts-node --transpile-only consensus/bench/cpu.ts --clients 1,64 --seconds 5 [--replicas]
 *
 * One line per cell: throughput, p50/p99, then per node (`*` the leader, with its main thread's share apart) its share
 * of one core and µs per transaction, the load generator's likewise, and the load average.
 */
import { Command } from "commander";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { LocalCluster } from "../src/node/cluster";
import { clusterPorts, freeBase } from "./ports";
import { runLoad } from "./load";
import { FundedTxFactory } from "./funded";
import { TxFactory } from "./payload";

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/** A process's CPU time, all threads; with `mainThread`, only its main thread's (the event loop's). */
function cpuSeconds(pid: number, mainThread = false): number {
  const stat = fs.readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
}

function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function cell(cluster: LocalCluster, txs: TxFactory | FundedTxFactory, clients: number, warmupMs: number, seconds: number): Promise<string> {
  const leader = await cluster.leader();
  const pids = cluster.ids.map((id) => cluster.procs.get(id)!.pid!);
  // With replicas, each node's EVM host too (its CPU is the replica's apply work).
  const chainPids = cluster.ids.flatMap((id) => cluster.chainNodes.get(id)?.child.pid ?? []);
  let chainBefore: number[] = [];
  const leaderPid = pids[cluster.ids.indexOf(leader)]!;
  let before: number[] = [];
  let ownBefore = 0;
  let mainBefore = 0;
  let t0 = 0;
  setTimeout(() => {
    [before, ownBefore, mainBefore, t0] = [pids.map((p) => cpuSeconds(p)), ownCpuSeconds(), cpuSeconds(leaderPid, true), Date.now()];
    chainBefore = chainPids.map((p) => cpuSeconds(p));
  }, warmupMs);
  const stats = await runLoad({
    url: cluster.apiUrl(leader),
    clients,
    warmupMs,
    durationMs: seconds * 1000,
    request: (c) => ({ path: "/v1/transactions", body: JSON.stringify({ raw: txs.next(c) }) }),
    accept: (b) => b.includes('"ordered"'),
  });
  const wall = (Date.now() - t0) / 1000;
  const used = (s: number): string => `${((100 * s) / wall).toFixed(0)} % ${((s * 1e6) / Math.max(1, stats.completed)).toFixed(0)} µs`;
  const mainUsed = cpuSeconds(leaderPid, true) - mainBefore;
  // The leader's event loop is what saturates first at high concurrency (BENCHMARKS.md): its main thread apart.
  const nodes = cluster.ids.map((id, k) => `${id}${id === leader ? `* ${used(cpuSeconds(pids[k]!) - before[k]!)} (main thread ${used(mainUsed)})` : ` ${used(cpuSeconds(pids[k]!) - before[k]!)}`}`);
  const chains = chainPids.map((p, k) => `replica ${k + 1} ${used(cpuSeconds(p) - chainBefore[k]!)}`);
  return (
    `clients ${clients}: ${stats.txPerSec.toFixed(0)} tx/s, p50 ${stats.p50Ms.toFixed(1)} ms, p99 ${stats.p99Ms.toFixed(1)} ms | ` +
    `${[...nodes, ...chains].join(" | ")} | load generator ${used(ownCpuSeconds() - ownBefore)} | load average ${os.loadavg()[0]!.toFixed(1)}`
  );
}

async function main(): Promise<void> {
  const o = new Command()
    .name("bench/cpu")
    .description("CPU per ordered transaction of each orderer process and of the load generator (3 nodes, fsync on).")
    .option("--clients <list>", "concurrent clients per cell", "1,16,64,256")
    .option("--seconds <n>", "measured seconds per cell", "5")
    .option("--replicas", "a Hardhat replica per node, and the funded senders' payload (bench/funded.ts)", false)
    .parse(process.argv)
    .opts<{ clients: string; seconds: string; replicas: boolean }>();
  const clients = o.clients.split(",").map(Number);
  const seconds = Number(o.seconds);
  if (clients.some((c) => !Number.isInteger(c) || c <= 0) || !(seconds > 0)) throw new Error("--clients takes positive integers, --seconds a positive number");
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-cpu-"));
  const cluster = new LocalCluster({ nodes: 3, dir: work, basePort: await freeBase(clusterPorts(3)), fsync: true, logLevel: "warn", tickMs: 100, electionTicks: 10, chain: o.replicas });
  await cluster.generate();
  const funded = o.replicas ? FundedTxFactory.create(Math.max(...clients)) : null;
  const txs = funded ?? (await TxFactory.create(Math.max(...clients)));
  try {
    await cluster.startAll();
    await funded?.fund(cluster.apiUrl(await cluster.leader()));
    for (const [i, c] of clients.entries()) {
      const warmupMs = i === 0 ? 3000 : 1000;
      funded?.presign(c, warmupMs / 1000 + seconds);
      process.stdout.write((await cell(cluster, txs, c, warmupMs, seconds)) + "\n");
    }
  } finally {
    await cluster.stopAll();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/cpu: ${(err as Error).message}\n`);
  process.exit(1);
});
