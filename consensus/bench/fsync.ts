/**
 * Each member's WAL fsync durations, the orderer's and etcd's, at one client: both systems' own histograms
 * (`dplc_wal_fsync_seconds`, `etcd_disk_wal_fsync_duration_seconds`) read before and after the measured window. On a
 * loaded machine the orderer's fsyncs were 3-10 times etcd's (BENCHMARKS.md, "The 1-client path, traced");
 * `--together` loads both clusters at once, so both see the same disk at the same moment.
 *
 *   npx ts-node --transpile-only consensus/bench/fsync.ts [--seconds 8] [--together]
 */
import { Command } from "commander";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { LocalCluster } from "../src/node/cluster";
import { EtcdCluster, ensureEtcd } from "./etcd";
import { describeSyncs, histogramTotals } from "./fsync-stats";
import { runLoad, type LoadStats } from "./load";
import { etcdPut, TxFactory } from "./payload";
import { clusterPorts, freeBase } from "./ports";

interface System {
  name: string;
  histogram: string;
  /** The leader's position among the members, where known (marked `*`). */
  leader?: number;
  pages(): Promise<string[]>;
  load(ms: number): Promise<LoadStats>;
}

async function orderer(work: string): Promise<{ system: System; stop: () => Promise<void> }> {
  const c = new LocalCluster({ nodes: 3, dir: work, basePort: await freeBase(clusterPorts(3)), fsync: true, logLevel: "warn", tickMs: 100, electionTicks: 10 });
  await c.generate();
  await c.startAll();
  const leader = await c.leader();
  const url = c.apiUrl(leader);
  const txs = await TxFactory.create(1);
  const system: System = {
    name: "orderer",
    histogram: "dplc_wal_fsync_seconds",
    leader: c.ids.indexOf(leader),
    pages: () => Promise.all(c.ids.map(async (id) => (await fetch(`${c.apiUrl(id)}/metrics`)).text())),
    load: (ms) =>
      runLoad({ url, clients: 1, warmupMs: 0, durationMs: ms, request: (k) => ({ path: "/v1/transactions", body: JSON.stringify({ raw: txs.next(k) }) }), accept: (b) => b.includes('"ordered"') }),
  };
  return { system, stop: () => c.stopAll() };
}

async function etcd(work: string): Promise<{ system: System; stop: () => Promise<void> }> {
  const e = new EtcdCluster(ensureEtcd(() => undefined), path.join(work, "etcd"), await freeBase([0, 1, 2, 100, 101, 102]));
  await e.start();
  const url = await e.leaderUrl();
  const value = Buffer.alloc(200, 7).toString("base64");
  let seq = 0;
  const system: System = {
    name: "etcd",
    histogram: "etcd_disk_wal_fsync_duration_seconds",
    pages: () => Promise.all([0, 1, 2].map(async (i) => (await fetch(`${e.clientUrl(i)}/metrics`)).text())),
    load: (ms) => runLoad({ url, clients: 1, warmupMs: 0, durationMs: ms, request: (k) => ({ path: "/v3/kv/put", body: etcdPut(k, seq++, value) }), accept: (b) => b.includes('"header"') }),
  };
  return { system, stop: () => e.stop() };
}

/** Warms up, then loads every system at once for `ms` and prints one line each. */
async function measure(systems: System[], ms: number): Promise<void> {
  await Promise.all(systems.map((s) => s.load(3000)));
  const before = await Promise.all(systems.map((s) => s.pages()));
  const stats = await Promise.all(systems.map((s) => s.load(ms)));
  const after = await Promise.all(systems.map((s) => s.pages()));
  systems.forEach((s, i) => {
    const members = after[i]!.map((page, k) => `#${k + 1}${k === s.leader ? "*" : ""} ${describeSyncs(histogramTotals(before[i]![k]!, s.histogram), histogramTotals(page, s.histogram))}`);
    const st = stats[i]!;
    process.stdout.write(`${s.name}: ${st.txPerSec.toFixed(0)} tx/s, p50 ${st.p50Ms.toFixed(2)} ms | ${members.join(" | ")} | load average ${os.loadavg()[0]!.toFixed(1)}\n`);
  });
}

async function main(): Promise<void> {
  const o = new Command()
    .name("bench/fsync")
    .description("WAL fsync durations per member, orderer and etcd, at one client (3 nodes each, fsync on).")
    .option("--seconds <n>", "measured seconds", "8")
    .option("--together", "load both systems at the same time", false)
    .parse(process.argv)
    .opts<{ seconds: string; together: boolean }>();
  const ms = Number(o.seconds) * 1000;
  if (!(ms > 0)) throw new Error("--seconds takes a positive number");
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-fsync-"));
  const started: { system: System; stop: () => Promise<void> }[] = [];
  try {
    if (o.together) {
      started.push(await orderer(work), await etcd(work));
      await measure(started.map((s) => s.system), ms);
    } else {
      for (const start of [orderer, etcd]) {
        const s = await start(work);
        try {
          await measure([s.system], ms);
        } finally {
          await s.stop();
        }
      }
    }
  } finally {
    for (const s of started) await s.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/fsync: ${(err as Error).message}\n`);
  process.exit(1);
});
