import fs from "node:fs";
import os from "node:os";
import pino from "pino";
import { startDashboard } from "../../dashboard/server";
import { DashboardConfigSchema } from "../../dashboard/config";
import { sweepPoints } from "../../dashboard/views/caseb";
import { UNITS_PER_CERTIFICATE } from "../caseb/certificates";
import { runCaseB, type CaseBOutcome } from "../caseb/flow";
import { ACCOUNT, devnetWallet } from "../devnet/accounts";
import { describeDeployment, type Deployment } from "../ops/deployment";
import { marketAdmission } from "../ordering/session";
import { replayMarket, ReplayInvariantError, type ReplayOutcome } from "../replay/replay";
import type { ProgressSink } from "../replay/progress";
import { toReplayJson, type TradeRecord } from "../replay/result";
import { toCaseBJson } from "../caseb/result";
import { startBridgeDaemons } from "./bridge";
import { demoDir, startDemoChains, type DemoChains } from "./chains";
import { DEMO_HOST, type DemoOptions } from "./options";
import { Teardown } from "./teardown";

/** The running demo: what it served, what the case study gave, and how to stop all of it. */
export interface Demo {
  /** The dashboard's address. */
  readonly url: string;
  /** Opened once, within the link's lifetime, it signs the trading centre in. */
  readonly signInLink: string;
  readonly chains: DemoChains;
  readonly caseA: ReplayOutcome;
  /** One outcome per certificate price (empty with `--no-case-b`). */
  readonly caseB: readonly CaseBOutcome[];
  /** The deployment the dashboard shows: the last Case B market with its bridge, else Case A's market. */
  readonly deployment: Deployment;
  /** Where keys, configs and logs are (removed on stop). */
  readonly dir: string;
  /** Stops every process the demo started and removes its directory; resolves with what failed to stop. */
  stop(): Promise<string[]>;
}

/** One line per stage of a market round (deploy, register, list, …), for the start-up log. */
function stageLines(prefix: string, log: (line: string) => void): ProgressSink {
  let stage = "";
  return (e) => {
    if (e.stage === stage) return;
    stage = e.stage;
    log(`${prefix}: ${stage}…`);
  };
}

/**
 * Starts the whole system, runs the case study on it and serves the dashboard: the ordering cluster (a replica per
 * node), the side chain, Case A through the cluster, the Case B sweep (each price with its bridge, validators and
 * relayer), then the last deployment's validators and relayer kept running, and the dashboard on 127.0.0.1 with a
 * one-time sign-in link. On any failure everything started so far is stopped before the error is rethrown; a caller
 * that stops on a signal passes its own `teardown` and runs it.
 */
export async function startDemo(o: DemoOptions, log: (line: string) => void, teardown = new Teardown()): Promise<Demo> {
  try {
    const dir = demoDir(teardown, os.tmpdir());
    log(`working directory ${dir} (keys, configs, logs; removed on exit)`);
    // Case B keeps each price's validator keystores and relayer checkpoint in a directory of its own under the
    // system's temporary directory and leaves it there; pointed into the demo's directory, they go with it.
    const tmp = process.env.TMPDIR;
    process.env.TMPDIR = dir;
    teardown.add("TMPDIR", () => void (tmp === undefined ? delete process.env.TMPDIR : (process.env.TMPDIR = tmp)));
    const chains = await startDemoChains({ nodes: o.nodes, pool: o.pool, dir }, teardown, log);
    const caseA = await runCaseA(o, chains, log);
    const caseB = await runSweep(o, chains, log);
    if (o.out !== undefined) writeResults(o, caseA, caseB, log);
    const last = caseB.at(-1);
    const deployment = last?.deployment ?? (await describeDeployment(caseA.system, "demo", chains.main.chainId));
    if (last !== undefined) {
      log("starting the bridge of the last Case B market: 3 validator processes and the relayer…");
      await startBridgeDaemons(deployment, { dir, mainOrderer: chains.ordererUrls }, teardown, log);
    }
    const config = DashboardConfigSchema.parse({
      host: DEMO_HOST,
      port: o.port,
      mainRpcUrl: chains.main.url,
      sideRpcUrl: last === undefined ? undefined : chains.side.url,
      deployment,
      orderers: chains.ordererUrls,
      demoSignIn: true,
    });
    const dashboard = await startDashboard(config, pino({ level: "warn", base: { service: "dashboard" } }, pino.destination(2)), { caseBSweep: caseB.length === 0 ? undefined : sweepPoints(caseB) });
    teardown.add("dashboard", () => dashboard.stop());
    const signInLink = dashboard.signInLink!(devnetWallet(ACCOUNT.tradingCentre).address, o.linkTtlMs);
    return { url: dashboard.url, signInLink, chains, caseA, caseB, deployment, dir, stop: () => teardown.run() };
  } catch (err) {
    await teardown.run();
    throw err;
  }
}

/** The case study's results as the replay's `--out` writes them: Case A's, and Case B's per certificate price. */
function writeResults(o: DemoOptions, caseA: ReplayOutcome, caseB: readonly CaseBOutcome[], log: (line: string) => void): void {
  const json = { caseA: toReplayJson("A", o.pricing, caseA.trades, o.data.orders), caseB: caseB.map((b) => toCaseBJson(b, o.pricing)) };
  fs.writeFileSync(o.out!, JSON.stringify(json, null, 2) + "\n");
  log(`wrote ${o.out}`);
}

function settledCount(trades: readonly TradeRecord[]): number {
  return trades.filter((t) => t.mwh > 0n).length;
}

async function runCaseA(o: DemoOptions, chains: DemoChains, log: (line: string) => void): Promise<ReplayOutcome> {
  const m = chains.mainChain;
  log(`Case A: ${o.data.orders.length} orders from ${o.dataDir}, ${o.pricing} pricing, through the ordering service`);
  const outcome = await replayMarket({
    data: o.data,
    pricing: o.pricing,
    operators: m.operators,
    rpc: m.rpc,
    submitter: m.submitter,
    advanceTime: m.advanceTime,
    fund: m.fund,
    progress: stageLines("Case A", log),
  });
  // The cluster admits participants against the registry address fixed before anything was deployed.
  const registry = await outcome.system.registry.getAddress();
  if (registry.toLowerCase() !== marketAdmission().registry.toLowerCase()) {
    throw new ReplayInvariantError(`the ordering service admits senders against registry ${marketAdmission().registry}, but Case A's registry is at ${registry}`);
  }
  log(`Case A: ${settledCount(outcome.trades)} trades settled`);
  return outcome;
}

async function runSweep(o: DemoOptions, chains: DemoChains, log: (line: string) => void): Promise<CaseBOutcome[]> {
  const outcomes: CaseBOutcome[] = [];
  for (const certPrice of o.certPrices) {
    const outcome = await runCaseB({
      data: o.data,
      pricing: o.pricing,
      certPrice,
      main: chains.main,
      side: chains.side,
      mainChain: chains.mainChain,
      progress: (line) => log(`Case B ${line}`),
      marketProgress: stageLines(`Case B P=${certPrice}`, log),
      relayerLogger: pino({ level: "error", base: { service: "relayer" } }, pino.destination(2)),
    });
    log(`Case B P=${certPrice}: ${settledCount(outcome.trades)} trades settled, ${outcome.certificates.issued / UNITS_PER_CERTIFICATE} certificates issued`);
    outcomes.push(outcome);
  }
  return outcomes;
}
