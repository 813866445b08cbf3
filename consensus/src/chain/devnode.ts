import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { JsonRpcClient } from "./rpc";

/** The repository root: `npx hardhat node` must start there to get its FIFO-mempool config. */
export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");

/**
 * The Hardhat network of an orderer node's EVM replica (consensus/chain/hardhat.replica.config.js): fixed genesis
 * date, accounts and chain id, no automining, FIFO mempool, blocks allowed to share a second. Replicas started with it
 * are identical block by block when fed the same ordered blocks.
 */
export const REPLICA_HARDHAT_CONFIG = path.join(REPO_ROOT, "consensus", "chain", "hardhat.replica.config.js");

/** Asks the OS for a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface DevNode {
  url: string;
  port: number;
  child: ChildProcess;
  /** Kills the whole process group (npx, hardhat) and waits for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts `npx hardhat node --port P` in its own process group from the repository root and waits until
 * it answers `eth_chainId` (bounded by `timeoutMs`). With `replica`, the node runs the replicas' network
 * ({@link REPLICA_HARDHAT_CONFIG}); otherwise the project's own.
 */
export async function startHardhatNode(options: { port?: number; timeoutMs?: number; cwd?: string; replica?: boolean } = {}): Promise<DevNode> {
  const port = options.port ?? (await freePort());
  const config = options.replica === true ? ["--config", REPLICA_HARDHAT_CONFIG] : [];
  const child = spawn("npx", ["hardhat", ...config, "node", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: options.cwd ?? REPO_ROOT,
    detached: true,
    stdio: ["ignore", "ignore", "pipe"],
  });
  return superviseNode(child, port, options.timeoutMs ?? 60_000, "hardhat node");
}

/**
 * Watches a chain node just spawned (detached, its own process group, stderr piped): kills its group when this
 * process exits, and waits until it answers `eth_chainId` on 127.0.0.1:`port` (bounded by `timeoutMs`).
 */
export async function superviseNode(child: ChildProcess, port: number, timeoutMs: number, what: string): Promise<DevNode> {
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4_000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // Detached: make sure it does not outlive this process.
  const onExit = (): void => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  };
  process.once("exit", onExit);
  void exited.then(() => process.off("exit", onExit));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    await exited;
  };
  const url = `http://127.0.0.1:${port}`;
  const rpc = new JsonRpcClient(url, 1_000);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      await rpc.call("eth_chainId");
      return { url, port, child, stop };
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  await stop();
  throw new Error(`${what} on port ${port} did not answer in time: ${stderr.trim().split("\n").pop() ?? ""}`);
}
