/**
 * Ordering-service benchmark (issue 3 §7): the orderer (3 and 5 nodes, fsync on) and a 3-node etcd
 * 3.4 cluster under the same closed-loop keep-alive HTTP load, leader failover time, and the
 * improved-vs-standard election cost from consensus/bench/elections.ts.
 *
 *   npm run bench:consensus                      full run
 *   npm run bench:consensus -- --quick --json F  64 clients, 3 nodes, both systems; writes
 *                                                {"orderer":{"txPerSec","p99Ms"},"etcd":{"txPerSec","p99Ms"},
 *                                                 "etcdCheckPerf":{"writesPerSec"}}
 *   npm run bench:consensus -- --runs 5 --kills 0 --no-elections
 *                                                every cell 5 times on fresh processes (the systems taking turns
 *                                                going first); a table of each cell's
 *                                                runs, median and max/min, and whether the orderer beat etcd in
 *                                                every run (consensus/bench/runs.ts)
 *
 * Beside the cells, `etcdctl check perf` (etcd's own Go load generator, loads l and xl) measures the strongest etcd
 * client available here; the orderer's best cell must beat etcd's best, cells and check perf together.
 */
import { Command, InvalidArgumentError } from "commander";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { LocalCluster } from "../src/node/cluster";
import { EtcdCluster, checkPerf, ensureEtcd, type CheckPerf } from "./etcd";
import { clusterPorts, freeBase } from "./ports";
import { percentile, runLoad, type LoadStats } from "./load";
import { FundedTxFactory } from "./funded";
import { hostBetween, hostSample } from "./host";
import { TxFactory, etcdPut } from "./payload";
import { formatRuns, runBest, type RunResult } from "./runs";
import { median } from "./util";

interface Options {
  quick: boolean;
  json?: string;
  clients: number[];
  nodes: number[];
  seconds: number;
  kills: number;
  /** Warm-up before the first run on freshly started processes (later runs warm up for 2 s, quick 1 s). */
  startWarmupSeconds: number;
  etcd: boolean;
  elections: boolean;
  load: boolean;
  /** `etcdctl check perf` workloads run against the etcd cluster after its cells. */
  checkPerf: CheckPerf["load"][];
  /** Each orderer node applies the ordered blocks to its own Hardhat replica (as in production). */
  replicas: boolean;
  /** Repetitions of every cell, each on fresh processes (orderer, then etcd, then check perf). */
  runs: number;
}

interface Row extends LoadStats {
  system: "orderer" | "etcd";
  nodes: number;
  /** 1-based run this row belongs to. */
  run: number;
  /** What else the machine did during the cell (host.ts). */
  host?: ReturnType<typeof hostBetween>;
}

const log = (s: string): void => void process.stdout.write(s + "\n");

const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("expected a positive integer");
  return n;
};

const list = (v: string): number[] => {
  const xs = v.split(",").map(Number);
  if (xs.some((x) => !Number.isInteger(x) || x <= 0)) throw new InvalidArgumentError("expected positive integers, comma-separated");
  return xs;
};


async function ordererRows(o: Options, work: string, run: number): Promise<Row[]> {
  const rows: Row[] = [];
  const maxClients = Math.max(...o.clients);
  const unfunded = o.replicas ? null : await TxFactory.create(maxClients);
  for (const nodes of o.nodes) {
    const cluster = new LocalCluster({
      nodes,
      dir: path.join(work, `orderer-${nodes}-run${run}`),
      basePort: await freeBase(clusterPorts(nodes)),
      fsync: true,
      logLevel: "warn",
      tickMs: 100,
      electionTicks: 10,
      chain: o.replicas,
    });
    await cluster.generate();
    try {
      await cluster.startAll();
      // With replicas, transactions a chain executes: funded senders, consecutive nonces (issue 13).
      const funded = unfunded === null ? FundedTxFactory.create(maxClients) : null;
      await funded?.fund(cluster.apiUrl(await cluster.leader()));
      const txs = funded ?? unfunded!;
      for (const [i, clients] of o.clients.entries()) {
        const leader = cluster.apiUrl(await cluster.leader());
        funded?.presign(clients, (warmupMs(o, i) + o.seconds * 1000) / 1000);
        const h0 = hostSample();
        const stats = await runLoad({
          url: leader,
          clients,
          warmupMs: warmupMs(o, i),
          durationMs: o.seconds * 1000,
          request: (c) => ({ path: "/v1/transactions", body: JSON.stringify({ raw: txs.next(c) }) }),
          accept: (b) => b.includes('"ordered"') || b.includes('"applied"'),
        });
        rows.push({ system: "orderer", nodes, run, ...stats, host: hostBetween(h0, hostSample()) });
        log(fmtRow(rows[rows.length - 1]!));
      }
      if (funded !== null && funded.signedDuringLoad > 0) log(`  (the load generator signed ${funded.signedDuringLoad} transactions during the cells: more than presign expected)`);
    } finally {
      await cluster.stopAll();
    }
  }
  return rows;
}

async function etcdRows(o: Options, work: string, run: number): Promise<{ rows: Row[]; perf: CheckPerf[] }> {
  const bin = ensureEtcd(log);
  const etcd = new EtcdCluster(bin, path.join(work, `etcd-run${run}`), await freeBase([0, 1, 2, 100, 101, 102]));
  const rows: Row[] = [];
  const perf: CheckPerf[] = [];
  const value = Buffer.alloc(200, 7).toString("base64");
  try {
    await etcd.start();
    for (const [i, clients] of o.clients.entries()) {
      const h0 = hostSample();
      const stats = await runLoad({
        url: await etcd.leaderUrl(),
        clients,
        warmupMs: warmupMs(o, i),
        durationMs: o.seconds * 1000,
        request: (c, seq) => ({ path: "/v3/kv/put", body: etcdPut(c, seq, value) }),
        accept: (b) => b.includes('"header"'),
      });
      rows.push({ system: "etcd", nodes: 3, run, ...stats, host: hostBetween(h0, hostSample()) });
      log(fmtRow(rows[rows.length - 1]!));
    }
    for (const load of o.checkPerf) {
      perf.push(await checkPerf(await etcd.leaderUrl(), load));
      log(`etcd     etcdctl check perf --load=${load}: ${perf[perf.length - 1]!.writesPerSec} writes/s (${perf[perf.length - 1]!.pass ? "PASS" : "FAIL"})`);
    }
  } finally {
    await etcd.stop();
  }
  return { rows, perf };
}

/**
 * kill -9 the leader, time until a transaction commits through a survivor; restart it and wait until
 * it has caught up, so every kill starts from the same healthy cluster; repeat.
 */
async function failover(kills: number, work: string): Promise<Failover> {
  const cluster = new LocalCluster({
    nodes: 3,
    dir: path.join(work, "failover"),
    basePort: await freeBase(clusterPorts(3)),
    fsync: true,
    logLevel: "warn",
    tickMs: 25,
    electionTicks: 10,
  });
  await cluster.generate();
  const txs = await TxFactory.create(1);
  const samples: number[] = [];
  let failed = 0;
  const commitVia = async (id: string, deadline: number): Promise<boolean> => {
    while (Date.now() < deadline) {
      const res = await fetch(`${cluster.apiUrl(id)}/v1/transactions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ raw: txs.next(0) }),
      }).catch(() => null);
      const body = res === null ? "" : await res.text();
      if (res?.status === 200 && body.includes('"ordered"')) return true;
    }
    return false;
  };
  try {
    await cluster.startAll();
    for (let k = 0; k < kills; k++) {
      const leader = await cluster.leader();
      const survivor = cluster.ids.find((id) => id !== leader)!;
      const t0 = performance.now();
      await cluster.kill(leader, "SIGKILL");
      if (await commitVia(survivor, Date.now() + 30_000)) {
        samples.push(performance.now() - t0);
        log(`  failover ${k + 1}/${kills}: killed ${leader}, next commit after ${samples[samples.length - 1]!.toFixed(0)} ms`);
      } else {
        failed++;
        log(`  failover ${k + 1}/${kills}: killed ${leader}, no commit within 30 s`);
      }
      await cluster.start(leader);
      await caughtUp(cluster, leader);
    }
  } finally {
    await cluster.stopAll();
  }
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    kills,
    failed,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted[sorted.length - 1] ?? 0,
    meanMs: samples.reduce((a, b) => a + b, 0) / Math.max(1, samples.length),
    samples,
  };
}

interface Failover {
  kills: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  samples: number[];
}

/** Bounded wait until `id` has applied everything the others have committed. */
async function caughtUp(cluster: LocalCluster, id: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const views = await Promise.all(cluster.ids.map((x) => cluster.status(x)));
    const target = Math.max(...views.map((v) => v?.commitIndex ?? 0));
    const mine = views[cluster.ids.indexOf(id)];
    if (mine !== null && mine !== undefined && mine.appliedIndex >= target && mine.leader !== null) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${id} did not catch up within ${timeoutMs} ms after its restart`);
}

/**
 * Both systems get the same warm-up. The first run on just-started processes warms up longer: the
 * first seconds of any process (the load generator's too) run cold code and grow their heaps, and
 * the figures should describe a running service, not its start.
 */
function warmupMs(o: Options, run: number): number {
  if (run === 0) return o.startWarmupSeconds * 1000;
  return o.quick ? 1_000 : 2_000;
}

function fmtRow(r: Row): string {
  return (
    `${r.system.padEnd(8)} nodes ${r.nodes}  clients ${String(r.clients).padStart(3)}  ` +
    `${r.txPerSec.toFixed(0).padStart(6)} tx/s  p50 ${r.p50Ms.toFixed(1).padStart(6)} ms  p99 ${r.p99Ms.toFixed(1).padStart(7)} ms  failed ${r.failed}` +
    (r.host === undefined ? "" : `  | host: busy ${r.host.busyPct} %, niced ${r.host.nicePct} %, steal ${r.host.stealPct} %, load ${r.host.load}`)
  );
}

async function elections(): Promise<unknown> {
  const file = path.join(__dirname, "elections.ts");
  if (!fs.existsSync(file)) {
    log("elections: consensus/bench/elections.ts not present; skipped");
    return null;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(file) as {
    benchElections?: (o: { elections: number }) => Promise<unknown>;
    formatElectionTable?: (r: unknown) => string;
  };
  if (mod.benchElections === undefined) return null;
  const res = await mod.benchElections({ elections: 200 });
  if (mod.formatElectionTable !== undefined) log(mod.formatElectionTable(res));
  return res;
}

function machine(): string {
  return `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

async function main(): Promise<void> {
  const program = new Command()
    .name("bench:consensus")
    .description("Orderer vs etcd throughput and commit latency, leader failover time, election cost (issue 3 §7).")
    .option("--quick", "64 clients, 3 nodes, short runs; no failover or elections", false)
    .option("--json <file>", "write the results as JSON")
    .option("--clients <list>", "concurrent clients per run", list)
    .option("--nodes <list>", "orderer cluster sizes", list)
    .option("--seconds <n>", "measured seconds per run", (v) => Number(v))
    .option("--kills <n>", "leader kills for the failover measurement", (v) => Number(v))
    .option("--start-warmup <seconds>", "warm-up before the first run on fresh processes (default 10, quick 3)", (v) => Number(v))
    .option("--no-load", "skip the throughput runs (orderer and etcd)")
    .option("--no-etcd", "skip the etcd baseline")
    .option("--no-elections", "skip the simulated election benchmark")
    .option("--check-perf <loads>", "etcdctl check perf workloads after etcd's cells (about 60 s each): l,xl, or none", "l,xl")
    .option("--replicas", "each orderer node applies the blocks to its own Hardhat replica", false)
    .option("--runs <n>", "repeat every cell n times, each on fresh processes, and print each cell's runs, median and max/min", positiveInt, 1)
    .addHelpText("after", "\nExample:\n  npm run bench:consensus -- --quick --json /tmp/bench.json\n");
  program.parse(process.argv);
  const raw = program.opts<Partial<Omit<Options, "checkPerf">> & { etcd: boolean; elections: boolean; load: boolean; startWarmup?: number; checkPerf: string }>();
  const quick = raw.quick === true;
  const o: Options = {
    quick,
    json: raw.json,
    clients: raw.clients ?? (quick ? [64] : [1, 16, 64, 256]),
    nodes: raw.nodes ?? (quick ? [3] : [3, 5]),
    seconds: raw.seconds ?? (quick ? 5 : 10),
    kills: raw.kills ?? (quick ? 0 : 20),
    startWarmupSeconds: raw.startWarmup ?? (quick ? 3 : 10),
    etcd: raw.etcd && raw.load,
    load: raw.load,
    elections: raw.elections && !quick,
    checkPerf: checkPerfLoads(raw.checkPerf),
    replicas: raw.replicas === true,
    runs: raw.runs ?? 1,
  };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-bench-"));
  log(`machine: ${machine()}`);
  if (!Number.isFinite(o.startWarmupSeconds) || o.startWarmupSeconds < 0) throw new InvalidArgumentError("--start-warmup must be a non-negative number");
  log(`runs: ${o.seconds} s measured per run, clients ${o.clients.join("/")}, orderer nodes ${o.nodes.join("/")}, fsync on${o.replicas ? ", a Hardhat replica per node" : ""}`);
  log(`warm-up: ${o.startWarmupSeconds} s before the first run on fresh processes, ${warmupMs(o, 1) / 1000} s before each later run (both systems)`);
  try {
    const { orderer, etcd, perf } = await allRuns(o, work);
    const fo = o.kills > 0 ? await failover(o.kills, work) : null;
    if (fo !== null) log(`failover over ${fo.kills} kills (${fo.failed} without a commit in 30 s): mean ${fo.meanMs.toFixed(0)} ms, p50 ${fo.p50Ms.toFixed(0)} ms, p99 ${fo.p99Ms.toFixed(0)} ms, max ${fo.maxMs.toFixed(0)} ms`);
    const el = o.elections ? await elections() : null;
    if (o.json !== undefined) writeJson(o, orderer, etcd, perf, fo, el);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Every run in turn, orderer then etcd, each on fresh processes; with several runs, the per-cell table at the end. */
async function allRuns(o: Options, work: string): Promise<{ orderer: Row[]; etcd: Row[]; perf: CheckPerf[] }> {
  const orderer: Row[] = [];
  const etcd: Row[] = [];
  const perf: CheckPerf[] = [];
  const results: RunResult[] = [];
  for (let run = 1; run <= o.runs; run++) {
    // With several runs the systems take turns going first: whatever the machine does in a run's first minutes
    // (both systems' first runs were their slowest on an idle machine) falls on each alike.
    const etcdFirst = o.runs > 1 && run % 2 === 0;
    if (o.runs > 1) log(`run ${run} of ${o.runs}${etcdFirst ? " (etcd first)" : ""}`);
    const theirsFirst = o.etcd && etcdFirst ? await etcdRows(o, work, run) : null;
    const mine = o.load ? await ordererRows(o, work, run) : [];
    const theirs = theirsFirst ?? (o.etcd ? await etcdRows(o, work, run) : { rows: [], perf: [] });
    const result: RunResult = { rows: [...mine, ...theirs.rows], checkPerf: theirs.perf };
    if (mine.length > 0 && (theirs.rows.length > 0 || theirs.perf.length > 0)) log(verdict(result));
    orderer.push(...mine);
    etcd.push(...theirs.rows);
    perf.push(...theirs.perf);
    results.push(result);
  }
  if (o.runs > 1) log(`\n${o.runs} runs, tx/s per cell:\n${formatRuns(results)}`);
  return { orderer, etcd, perf };
}

/** The 64-client, 3-node cell (or the system's first) for the summary; over several runs, the median of each figure. */
function pick(rows: Row[], system: Row["system"]): { txPerSec: number; p99Ms: number } | null {
  const mine = rows.filter((x) => x.system === system);
  const cell = mine.find((x) => x.clients === 64 && x.nodes === 3) ?? mine[0];
  if (cell === undefined) return null;
  const same = mine.filter((x) => x.clients === cell.clients && x.nodes === cell.nodes);
  return { txPerSec: Math.round(median(same.map((x) => x.txPerSec))), p99Ms: Math.round(median(same.map((x) => x.p99Ms)) * 10) / 10 };
}

function checkPerfLoads(v: string): CheckPerf["load"][] {
  if (v === "none") return [];
  const loads = v.split(",");
  if (!loads.every((l) => ["s", "m", "l", "xl"].includes(l))) throw new InvalidArgumentError("--check-perf takes s, m, l, xl (comma-separated) or none");
  return loads as CheckPerf["load"][];
}

/** The orderer's best cell against etcd's best, its cells and `etcdctl check perf` together. */
function verdict(run: RunResult): string {
  const v = runBest(run);
  if (v === null) return "best: nothing to compare";
  const pct = ((100 * v.best) / v.rival).toFixed(0);
  return `best: orderer ${v.best.toFixed(0)} tx/s against etcd's best ${v.rival.toFixed(0)} (${v.what}): ${v.ahead ? "orderer ahead" : "ETCD AHEAD"}, orderer at ${pct} % of it`;
}

/** The best `etcdctl check perf` throughput, the figure `--json` reports. */
function bestCheckPerf(perf: CheckPerf[]): { writesPerSec: number; load: string } | null {
  if (perf.length === 0) return null;
  const top = perf.reduce((a, b) => (b.writesPerSec > a.writesPerSec ? b : a));
  return { writesPerSec: top.writesPerSec, load: top.load };
}

function writeJson(o: Options, orderer: Row[], etcd: Row[], perf: CheckPerf[], failover: unknown, elections: unknown): void {
  const summary: Record<string, unknown> = { orderer: pick(orderer, "orderer"), etcd: pick(etcd, "etcd"), etcdCheckPerf: bestCheckPerf(perf) };
  const out = o.quick ? summary : { ...summary, machine: machine(), runs: [...orderer, ...etcd], checkPerf: perf, failover, elections };
  fs.writeFileSync(o.json!, JSON.stringify(out, null, 2) + "\n");
  log(`wrote ${o.json}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:consensus: ${(err as Error).message}\n`);
  process.exit(1);
});
