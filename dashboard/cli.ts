#!/usr/bin/env node
import { Command } from "commander";
import pino from "pino";
import { ZodError } from "zod";
import { loadDeployment } from "../src/ops/deployment";
import { fail, stopOnSignals } from "../src/cli/run-daemon";
import { DashboardConfigSchema } from "./config";
import { startDashboard } from "./server";

const program = new Command()
  .name("dashboard")
  .description(
    "Serves the dplc dashboard: the round, participants, green certificates, the bridge and the ordering cluster, " +
      "live, to approved participants who sign in with their key (Sign-In with Ethereum). JSON API at /api, its " +
      "OpenAPI document at /openapi.json.",
  )
  .requiredOption("--deployment <file>", "deployment file (deployments/<network>.json)")
  .option("--main-rpc <url>", "main chain JSON-RPC (default: the deployment's, else http://127.0.0.1:8545)")
  .option("--side-rpc <url>", "side chain JSON-RPC, for the certificate and bridge pages (default: the deployment's)")
  .option("--orderer <urls>", "ordering nodes' API URLs, comma-separated, for the cluster page", "")
  .option("--host <host>", "address to listen on", "127.0.0.1")
  .option("--port <port>", "port to listen on (0: any free port)", "8080")
  .showHelpAfterError()
  .addHelpText("after", "\nExample:\n  npm run dashboard -- --deployment deployments/devnets.json --orderer http://127.0.0.1:7100,http://127.0.0.1:7101\n");

interface Flags {
  deployment: string;
  mainRpc?: string;
  sideRpc?: string;
  orderer: string;
  host: string;
  port: string;
}

async function main(): Promise<void> {
  const f = program.parse(process.argv).opts<Flags>();
  const logger = pino({ base: { service: "dashboard" } });
  let dashboard;
  try {
    const deployment = loadDeployment(f.deployment);
    const config = DashboardConfigSchema.parse({
      host: f.host,
      port: Number(f.port),
      deployment,
      mainRpcUrl: f.mainRpc ?? deployment.main.bridge?.rpcUrl ?? "http://127.0.0.1:8545",
      sideRpcUrl: f.sideRpc ?? deployment.side?.rpcUrl,
      orderers: f.orderer === "" ? [] : f.orderer.split(",").map((u) => u.trim()),
    });
    dashboard = await startDashboard(config, logger);
  } catch (err) {
    if (err instanceof ZodError) fail("dashboard", new Error(err.issues.map((i) => `${i.path.join(".") || "config"}: ${i.message}`).join("; ")), 2);
    fail("dashboard", err, 1);
  }
  logger.info({ url: dashboard.url }, "dashboard listening");
  process.stdout.write(`dashboard: ${dashboard.url}\n`);
  stopOnSignals({ logger, stop: () => dashboard.stop() });
}

void main();
