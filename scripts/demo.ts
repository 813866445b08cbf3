#!/usr/bin/env node
import path from "node:path";
import { Command } from "commander";

const program = new Command()
  .name("demo")
  .description(
    "Starts the whole dplc system on 127.0.0.1 — the improved-Raft ordering cluster with an EVM replica on every node " +
      "(the main chain), the green-certificate side chain, the bridge's validators and relayer — runs the case study " +
      "(Case A, then the Case B sweep) through it, and serves the dashboard against the running chains until Ctrl-C, " +
      "which stops every process it started and removes its temporary directory.",
  )
  .option("--data <dir>", "market directory in the data/ format (default: data/case-a, the paper's case study)")
  .option("--pricing <rule>", "pricing rule: surplus-split | paper-table (default: the data's round.json)")
  .option("--port <port>", "the dashboard's port on 127.0.0.1 (0: any free port)", "8080")
  .option("--no-case-b", "run Case A only (no certificates, no bridge: the dashboard's certificate and bridge pages stay empty)")
  .option("--cert-price <list>", "Case B's certificate prices, tokens per certificate (default: 300,400,500, the paper's)")
  .option("--orderer-nodes <n>", "orderer nodes, each with its replica", "3")
  .option("--pool <k>", "trading-centre nodes, the only ones that may lead (default: 2, or 1 with one node)")
  .option("--out <file>", "also write the case study's results as JSON: { caseA, caseB: [one per price] }, as the replay's --out")
  .option("--link-minutes <m>", "minutes the printed sign-in link stays valid (it works once)", "10")
  .showHelpAfterError()
  .addHelpText(
    "after",
    "\nThe sign-in link signs the trading centre in when opened once, within --link-minutes, from this machine: the\n" +
      "dashboard listens on 127.0.0.1 only. Participants sign in with their wallet (Sign-In with Ethereum) as usual.\n" +
      "\nExamples:\n  npm run demo\n  npm run demo -- --data data/my-market --cert-price 300 --port 0\n",
  );

interface Flags {
  data?: string;
  pricing?: string;
  port: string;
  caseB: boolean;
  certPrice?: string;
  ordererNodes: string;
  pool?: string;
  linkMinutes: string;
  out?: string;
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0]!;
}

async function main(): Promise<void> {
  const f = program.parse(process.argv).opts<Flags>();
  const root = path.join(__dirname, "..");
  const { Teardown } = await import("../src/demo/teardown");
  const teardown = new Teardown();
  const say = (line: string) => process.stderr.write(`demo: ${line}\n`);
  const stop = (signal: NodeJS.Signals) => {
    if (teardown.stopping) return;
    say(`${signal}: stopping every process the demo started…`);
    void teardown.run().then((failed) => {
      for (const f of failed) say(`could not stop ${f}`);
      say("stopped");
      process.exit(failed.length > 0 ? 1 : 0);
    });
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  try {
    const { checkDemoOptions } = await import("../src/demo/options");
    const o = await checkDemoOptions({ root, data: f.data, pricing: f.pricing, port: f.port, caseB: f.caseB, certPrice: f.certPrice, nodes: f.ordererNodes, pool: f.pool, linkMinutes: f.linkMinutes, out: f.out });
    say("compiling the contracts…");
    const hre = (await import("hardhat")).default;
    await hre.run((await import("hardhat/builtin-tasks/task-names")).TASK_COMPILE, { quiet: true });
    const { startDemo } = await import("../src/demo/demo");
    const demo = await startDemo(o, say, teardown);
    process.stdout.write(`dashboard: ${demo.url}\n`);
    process.stdout.write(`sign in (trading centre; works once, for ${f.linkMinutes} min, on this machine): ${demo.signInLink}\n`);
    say("running — Ctrl-C stops everything");
  } catch (err) {
    // A signal during start-up makes whatever was starting fail; the signal handler reports and exits.
    if (teardown.stopping) return;
    process.stderr.write(`demo: ${oneLine(err)}\n`);
    await teardown.run();
    process.exit(1);
  }
}

void main();
