/**
 * `npm run bench:replica`: the replica apply rate against the raw chain rate (`replica.ts` says what is measured).
 *
 *   npm run bench:replica                                  3 runs, 100 senders, 5,000 transfers
 *   npm run bench:replica -- --runs 1 --transfers 1000     a quick look
 */
import { Command } from "commander";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { benchReplica } from "./replica";
import { positive } from "./util";

const log = (s: string): void => void process.stdout.write(s + "\n");

async function main(): Promise<void> {
  const o = new Command()
    .name("bench:replica")
    .description("Replica apply rate (blocks and transfers per second, per node) against the raw rate of the same kind of EVM node")
    .option("--runs <n>", "runs (the median is reported)", positive, 3)
    .option("--senders <n>", "funded sender wallets (one ordering client each)", positive, 100)
    .option("--transfers <n>", "transfers per run", positive, 5_000)
    .option("--max-message-count <n>", "ordered block size limit", positive, 500)
    .parse()
    .opts<{ runs: number; senders: number; transfers: number; maxMessageCount: number }>();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-bench-replica-"));
  const load = os.loadavg().map((l) => l.toFixed(1)).join(" ");
  log(`${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, node ${process.version}, load average ${load}; ${o.runs} run(s), ${o.senders} senders, ${o.transfers} transfers`);
  log("| run | what | blocks | transfers | s | blocks/s | transfers/s | of raw |");
  log("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
  try {
    const res = await benchReplica({ ...o, dir, log });
    const m = res.median;
    log(`median of ${res.runs.length}: raw ${Math.round(m.raw)} transfers/s, slowest replica ${Math.round(m.replica)} transfers/s, ${(100 * m.ratio).toFixed(0)} % of raw; block store ${Math.round(m.bytesPerTx)} bytes per transaction`);
    for (const p of res.profiles) {
      const parts = Object.entries(p.ms).map(([k, v]) => `${k} ${v} ms`).join(", ");
      log(`apply path alone (${p.path}), ${p.blockSize} transfers per block: ${Math.round(p.txPerSec)} transfers/s, ${p.perTxMs.toFixed(1)} ms per transfer (${parts})`);
    }
    for (const [evm, kept] of Object.entries(res.batchOrderKept)) {
      log(`${evm}: one block's sends as one JSON-RPC batch kept their order in ${(100 * kept).toFixed(0)} % of 30-transfer blocks`);
    }
    log(`load average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
    fs.rmSync(dir, { recursive: true, force: true });
  } catch (err) {
    log(`left ${dir} for its logs`);
    throw err;
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench:replica: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
