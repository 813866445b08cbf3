/**
 * Block store catch-up benchmark (issue 13): a follower of a 3-node cluster (fsync on) is killed, the others order
 * a closed-loop load for a while, and the follower is restarted past its compaction window, so it installs the
 * leader's snapshot and pulls the blocks it lacks from its peers. Reports the pull's rate (blocks/s and
 * transactions/s, from the node's own log line and metrics) and the block store's disk use per transaction.
 *
 *   npm run bench:catchup                         3 runs each of one transaction per block and of up to 50
 *   npm run bench:catchup -- --runs 1 --seconds 5 a quick look
 */
import { Command } from "commander";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BlockStore } from "../src/blocks";
import { LocalCluster } from "../src/node/cluster";
import { freeBase, clusterPorts } from "./ports";
import { runLoad } from "./load";
import { TxFactory } from "./payload";
import { dirBytes, median, positive } from "./util";

interface Options {
  runs: number;
  seconds: number;
  clients: number;
}

interface Run {
  perBlock: string;
  blocks: number;
  txs: number;
  seconds: number;
  blocksPerSec: number;
  txPerSec: number;
  bodyBlocksPerSec: number;
  bytesPerTx: number;
}

const log = (s: string): void => void process.stdout.write(s + "\n");


async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(name));
  return line === undefined ? 0 : Number(line.split(" ").at(-1));
}

interface Pull {
  pulled: number;
  seconds: number;
  /** From the headers proven to the last block stored: the bodies alone. */
  bodySeconds: number;
}

async function caughtUp(cluster: LocalCluster, id: string, timeoutMs: number): Promise<Pull> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const lines = fs.readFileSync(cluster.logFile(id), "utf8").split("\n");
    const find = (msg: string) => lines.find((l) => l.includes(`"msg":"${msg}"`));
    const done = find("block store caught up from peers");
    const proven = find("block pull: headers proven up to the snapshot's chain head");
    if (done !== undefined && proven !== undefined) {
      const d = JSON.parse(done) as { pulled: number; seconds: number; time: number };
      return { pulled: d.pulled, seconds: d.seconds, bodySeconds: (d.time - (JSON.parse(proven) as { time: number }).time) / 1000 };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${id} did not catch up within ${timeoutMs} ms; see ${cluster.logFile(id)}`);
}

async function oneRun(o: Options, work: string, maxMessageCount: number, txs: TxFactory): Promise<Run> {
  const cluster = new LocalCluster({
    nodes: 3,
    dir: work,
    basePort: await freeBase(clusterPorts(3)),
    fsync: true,
    logLevel: "info",
    tickMs: 100,
    electionTicks: 10,
    // Small against the entries ordered while the node is down: it restarts past the leader's compaction window.
    snapshotEntries: maxMessageCount === 1 ? 100 : 20,
    catchUpEntries: 5,
    maxMessageCount,
  });
  await cluster.generate();
  try {
    await cluster.startAll();
    const leader = await cluster.leader();
    const victim = cluster.ids.find((id) => id !== leader)!;
    await cluster.kill(victim, "SIGKILL");
    await runLoad({
      url: cluster.apiUrl(leader),
      clients: o.clients,
      warmupMs: 0,
      durationMs: o.seconds * 1000,
      request: (c) => ({ path: "/v1/transactions", body: JSON.stringify({ raw: txs.next(c) }) }),
      accept: (b) => b.includes('"ordered"'),
    });
    await cluster.start(victim);
    const pull = await caughtUp(cluster, victim, 300_000);
    const pulledTxs = await metric(cluster.apiUrl(victim), "orderer_blocks_pulled_transactions_total");
    await cluster.stopAll();
    const dir = path.join(work, "data", leader, "blocks");
    const store = await BlockStore.open(dir);
    let stored = 0;
    for await (const b of store.blocks(1)) stored += b.txs.length;
    await store.close();
    const seconds = Math.max(pull.seconds, 1e-3);
    return {
      perBlock: `up to ${maxMessageCount} tx per block`,
      blocks: pull.pulled,
      txs: pulledTxs,
      seconds,
      blocksPerSec: pull.pulled / seconds,
      txPerSec: pulledTxs / seconds,
      bodyBlocksPerSec: pull.pulled / Math.max(pull.bodySeconds, 1e-3),
      bytesPerTx: dirBytes(dir) / stored,
    };
  } finally {
    await cluster.stopAll();
  }
}


async function main(): Promise<void> {
  const o = new Command()
    .name("bench:catchup")
    .description("Catch-up rate of a node's block store from its peers, and the store's disk use per transaction")
    .option("--runs <n>", "runs per configuration (the median is reported)", positive, 3)
    .option("--seconds <n>", "how long the others order while the node is down", positive, 20)
    .option("--clients <n>", "closed-loop clients", positive, 32)
    .parse()
    .opts<Options>();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-bench-catchup-"));
  const txs = await TxFactory.create(o.clients);
  log(`${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, node ${process.version}; ${o.runs} run(s), ${o.seconds} s down, ${o.clients} clients`);
  log("| block size | run | blocks pulled | txs pulled | pull s | blocks/s | tx/s | blocks/s after headers | store bytes/tx |");
  log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  try {
    for (const count of [1, 50]) {
      const runs: Run[] = [];
      for (let i = 0; i < o.runs; i++) {
        const r = await oneRun(o, path.join(work, `run-${count}-${i}`), count, txs);
        runs.push(r);
        log(`| ${r.perBlock} | ${i + 1} | ${r.blocks} | ${r.txs} | ${r.seconds.toFixed(2)} | ${Math.round(r.blocksPerSec)} | ${Math.round(r.txPerSec)} | ${Math.round(r.bodyBlocksPerSec)} | ${Math.round(r.bytesPerTx)} |`);
      }
      const m = (f: (r: Run) => number) => Math.round(median(runs.map(f)));
      log(`| ${runs[0]!.perBlock} | median | ${m((r) => r.blocks)} | ${m((r) => r.txs)} | | ${m((r) => r.blocksPerSec)} | ${m((r) => r.txPerSec)} | ${m((r) => r.bodyBlocksPerSec)} | ${m((r) => r.bytesPerTx)} |`);
    }
    fs.rmSync(work, { recursive: true, force: true });
  } catch (err) {
    log(`left ${work} for its logs`);
    throw err;
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench:catchup: ${err.message}\n`);
  process.exit(1);
});
