import fs from "node:fs";
import path from "node:path";
import type { Deployment } from "../ops/deployment";
import { bridgeChains, devnetRelayerConfig } from "../devnet/deploy";
import { spawnDaemon, waitHealthy, type DaemonProcess } from "../devnet/daemons";
import { freePort } from "../devnet/ports";
import { startValidatorProcesses, writeValidatorSet } from "../devnet/validators";
import type { Teardown } from "./teardown";

/**
 * The bridge of the deployment the dashboard shows, kept running while it is served: three validator processes
 * (each its own encrypted keystore) and a relayer process that holds no validator key, as `npm run devnets` starts
 * them. Case B ran its own for each price and stopped them; these pick up from the deployment's start blocks, so
 * what the demo's visitors do over the bridge is relayed too.
 */
export async function startBridgeDaemons(
  deployment: Deployment,
  o: { dir: string; mainOrderer: readonly string[] },
  teardown: Teardown,
  log: (line: string) => void,
): Promise<DaemonProcess[]> {
  const { dir } = o;
  const chains = bridgeChains(deployment);
  const validators = await writeValidatorSet({ dir: path.join(dir, "validators"), ...chains, logLevel: "warn" });
  const daemons = await startValidatorProcesses(validators, dir);
  teardown.add("validators", async () => void (await Promise.all(daemons.map((d) => d.stop()))));
  const httpPort = await freePort();
  const configFile = path.join(dir, "relayer.json");
  const config = devnetRelayerConfig(deployment, { checkpointFile: "relayer.checkpoint.json", httpPort, validators: validators.endpoints, mainOrderer: o.mainOrderer });
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2) + "\n");
  const relayer = spawnDaemon({ name: "relayer", script: "relayer/cli.ts", configFile, logFile: path.join(dir, "relayer.log") });
  teardown.add("relayer", async () => void (await relayer.stop()));
  await waitHealthy(`http://127.0.0.1:${httpPort}/healthz`, relayer);
  for (const [i, d] of daemons.entries()) log(`${d.name}  ${validators.endpoints[i]!.url}  ${validators.endpoints[i]!.address}  pid ${d.pid}`);
  log(`relayer  http://127.0.0.1:${httpPort}  no validator key  pid ${relayer.pid}`);
  return [...daemons, relayer];
}
