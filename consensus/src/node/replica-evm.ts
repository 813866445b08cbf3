import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { HDNodeWallet } from "ethers";
import * as genesis from "../../chain/replica-genesis";
import { anvilBinary } from "../../../src/devnet/node";
import { freePort, REPO_ROOT, superviseNode, type DevNode } from "../chain/devnode";

import { REPLICA_EVMS, type ReplicaEvm } from "../config/schema";

export { REPLICA_EVMS, type ReplicaEvm };

export interface ReplicaEvmOptions {
  evm: ReplicaEvm;
  /** Default: a free port picked by the OS. */
  port?: number;
  timeoutMs?: number;
}

/**
 * Starts one replica's chain node on 127.0.0.1 from the replicas' one genesis (consensus/chain/replica-genesis.js):
 * Hardhat as our replica host (consensus/chain/replica-host.js: Hardhat's in-process network with
 * hardhat.replica.config.js, plus `dplc_applyBlocks`), Anvil through an `--init` genesis file written for it (removed
 * on stop).
 */
export async function startReplicaEvm(o: ReplicaEvmOptions): Promise<DevNode> {
  if (o.evm === "hardhat") return startReplicaHost(o);
  const port = o.port ?? (await freePort());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-anvil-replica-"));
  const file = path.join(dir, "genesis.json");
  fs.writeFileSync(file, JSON.stringify(genesis.anvilGenesis(replicaAccounts())));
  const child = spawn(anvilBinary(), ["--host", "127.0.0.1", "--port", String(port), "--init", file, ...genesis.ANVIL_FLAGS], {
    detached: true,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const removeDir = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    const node = await superviseNode(child, port, o.timeoutMs ?? 60_000, "anvil");
    return { ...node, stop: () => node.stop().finally(removeDir) };
  } catch (err) {
    removeDir();
    throw err;
  }
}

/** The replica host script (plain JavaScript, run by `node` itself: no ts-node, no hardhat CLI). */
export const REPLICA_HOST = path.join(REPO_ROOT, "consensus", "chain", "replica-host.js");

async function startReplicaHost(o: ReplicaEvmOptions): Promise<DevNode> {
  const port = o.port ?? (await freePort());
  const child = spawn(process.execPath, [REPLICA_HOST, "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ["ignore", "ignore", "pipe"],
  });
  return superviseNode(child, port, o.timeoutMs ?? 60_000, "replica host");
}

let accounts: string[] | null = null;

/** The replica genesis's funded accounts: the mnemonic's first ACCOUNTS (derived once: each derivation is slow). */
export function replicaAccounts(): string[] {
  if (accounts === null) {
    const root = HDNodeWallet.fromPhrase(genesis.MNEMONIC, undefined, "m/44'/60'/0'/0");
    accounts = Array.from({ length: genesis.ACCOUNTS }, (_, i) => root.deriveChild(i).address);
  }
  return accounts;
}

export { evmOfClientVersion } from "../chain/client-version";
