import fs from "node:fs";
import path from "node:path";
import type { RelayerConfigInput } from "../../relayer/config";
import type { ValidatorEndpoint } from "../../relayer/collector";
import type { ValidatorConfigInput } from "../../validator/config";
import { makeKeystoreSet } from "../../validator/keystores";
import { ACCOUNT, devnetKey } from "./accounts";
import { spawnDaemon, waitHealthy, type DaemonProcess } from "./daemons";
import { freePort } from "./ports";

/** The validator set of the devnets: accounts 10–12, threshold 2. */
export const DEVNET_THRESHOLD = 2;

/** One chain as the validators and the relayer see it. */
export interface BridgeChain {
  readonly rpcUrl: string;
  readonly chainId: number;
  readonly gateway: string;
  readonly startBlock: number;
}

export interface ValidatorSetSpec {
  /** Directory for keystores, password file and configs (created). */
  readonly dir: string;
  readonly main: BridgeChain;
  readonly side: BridgeChain;
  readonly confirmations?: number;
  readonly pollIntervalMs?: number;
  /** The HTTP ports (default: free ports the OS picks). */
  readonly httpPorts?: readonly number[];
  readonly logLevel?: ValidatorConfigInput["logLevel"];
  /** Validator keys (default: the devnet validator accounts). */
  readonly keys?: readonly string[];
}

export interface ValidatorSetFiles {
  readonly configFiles: string[];
  readonly endpoints: ValidatorEndpoint[];
  readonly passwordFile: string;
}

/**
 * Writes one encrypted keystore and one config per validator (each reading the password file), as three
 * organisations would run them. Devnet keys get a cheap scrypt: they are public anyway.
 */
export async function writeValidatorSet(spec: ValidatorSetSpec): Promise<ValidatorSetFiles> {
  const keys = spec.keys ?? ACCOUNT.validators.map(devnetKey);
  const set = await makeKeystoreSet({ dir: spec.dir, keys, scryptN: 2 ** 12 });
  const configFiles: string[] = [];
  const endpoints: ValidatorEndpoint[] = [];
  for (const [i, v] of set.validators.entries()) {
    const port = spec.httpPorts?.[i] ?? (await freePort());
    const config: ValidatorConfigInput = {
      main: spec.main,
      side: spec.side,
      confirmations: spec.confirmations ?? 2,
      pollIntervalMs: spec.pollIntervalMs ?? 250,
      keystore: { file: v.keystore, passwordFile: path.basename(set.passwordFile!) },
      http: { host: "127.0.0.1", port },
      logLevel: spec.logLevel ?? "info",
    };
    const file = path.join(spec.dir, `${v.name}.json`);
    fs.writeFileSync(file, JSON.stringify(config, null, 2) + "\n");
    configFiles.push(file);
    endpoints.push({ address: v.address, url: `http://127.0.0.1:${port}` });
  }
  return { configFiles, endpoints, passwordFile: set.passwordFile! };
}

/** Starts one validator process per config and waits until each answers /healthz. */
export async function startValidatorProcesses(files: ValidatorSetFiles, logDir?: string): Promise<DaemonProcess[]> {
  const daemons = files.configFiles.map((configFile, i) =>
    spawnDaemon({
      name: `validator-${i + 1}`,
      script: "validator/cli.ts",
      configFile,
      logFile: logDir === undefined ? undefined : path.join(logDir, `validator-${i + 1}.log`),
    }),
  );
  try {
    await Promise.all(daemons.map((d, i) => waitHealthy(`${files.endpoints[i]!.url}/healthz`, d)));
  } catch (err) {
    await Promise.all(daemons.map((d) => d.stop()));
    throw err;
  }
  return daemons;
}

export interface RelayerConfigSpec {
  readonly main: BridgeChain;
  readonly side: BridgeChain;
  readonly validators: readonly ValidatorEndpoint[];
  readonly checkpointFile: string;
  readonly httpPort?: number;
  readonly confirmations?: number;
  readonly pollIntervalMs?: number;
  /** The ordering service's API URLs when the main chain runs behind one: the relayer's deliveries there go to it. */
  readonly mainOrderer?: readonly string[];
}

/** A relayer config for the devnet validators: no validator key, only their endpoints and its own gas key. */
export function relayerConfigFor(spec: RelayerConfigSpec): RelayerConfigInput {
  return {
    main: spec.main,
    side: spec.side,
    confirmations: spec.confirmations ?? 2,
    pollIntervalMs: spec.pollIntervalMs ?? 500,
    validators: [...spec.validators],
    threshold: DEVNET_THRESHOLD,
    returnUndeliverable: true,
    submitterKey: devnetKey(ACCOUNT.relayer),
    checkpointFile: spec.checkpointFile,
    http: { host: "127.0.0.1", port: spec.httpPort ?? 9464 },
    ...(spec.mainOrderer === undefined ? {} : { ordering: { main: [...spec.mainOrderer] } }),
  };
}
