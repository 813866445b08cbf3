import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { DevnetError } from "./errors";
import { freePort } from "./ports";
import { chainIdOf, rpcCall } from "./rpc";

/** The EVM implementations a devnet can run: Hardhat's node, or Foundry's Anvil (shipped in an npm package). */
export type Evm = "hardhat" | "anvil";
export const EVMS: readonly Evm[] = ["hardhat", "anvil"];

/** What to start: a name for messages, the chain id, and optionally a fixed port and a log file. */
export interface DevnetSpec {
  readonly name: string;
  readonly chainId: number;
  /** Default: hardhat. */
  readonly evm?: Evm;
  /** Default: a free port picked by the OS. */
  readonly port?: number;
  /** Append the node's output here (default: keep only its last lines, for error messages). */
  readonly logFile?: string;
  /** Mine a block every this many ms besides automine (default 0: only on transactions and `hardhat_mine`). */
  readonly blockIntervalMs?: number;
  /** How long to wait for `eth_chainId` to answer (default 90 s: two nodes starting on two cores take ~10 s). */
  readonly readyTimeoutMs?: number;
}

/** Where a chain answers, and the id it must report. */
export interface ChainEndpoint {
  readonly url: string;
  readonly chainId: number;
}

/** A running `hardhat node`. */
export interface Devnet extends ChainEndpoint {
  readonly name: string;
  readonly chainId: number;
  readonly port: number;
  readonly url: string;
  /** Process id of the node, which leads its own process group. */
  readonly pid: number;
  /** Stops the whole process group (SIGTERM, then SIGKILL after `graceMs`); resolves once the node has exited. */
  stop(graceMs?: number): Promise<void>;
}

const ROOT = path.join(__dirname, "..", "..");
const CONFIG = path.join(__dirname, "hardhat.devnet.config.ts");
const TAIL_LINES = 40;

/** Groups still running, killed synchronously if this process exits without stopping them (no orphans). */
const live = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const pid of live) killGroup(pid, "SIGKILL");
  });
  // The devnets run in their own process groups, so a Ctrl-C at the terminal does not reach them, and a signal that
  // kills this process skips "exit" hooks. Unless someone else handles the signal (and stops the devnets itself),
  // stop them and exit as the default action would.
  const onSignal = (signal: NodeJS.Signals) => {
    if (process.listenerCount(signal) > 1) return;
    for (const pid of live) killGroup(pid, "SIGTERM");
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

/** Tracks a process group this process started, so it is killed if this process exits without stopping it. */
export function trackGroup(pid: number, exited: Promise<unknown>): void {
  live.add(pid);
  installExitHook();
  void exited.then(() => live.delete(pid));
}

export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** Starts `hardhat node` on 127.0.0.1 in its own process group and waits until it answers with the right chain id. */
export async function startDevnet(spec: DevnetSpec): Promise<Devnet> {
  const port = spec.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const child = spawnNode(spec, port);
  const pid = child.pid!;
  live.add(pid);
  installExitHook();
  const tail: string[] = [];
  const log = spec.logFile === undefined ? undefined : fs.createWriteStream(spec.logFile, { flags: "a" });
  const collect = (chunk: Buffer) => {
    log?.write(chunk);
    tail.push(...chunk.toString("utf8").split("\n").filter((l) => l.trim() !== ""));
    if (tail.length > TAIL_LINES) tail.splice(0, tail.length - TAIL_LINES);
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => {
    live.delete(pid);
    log?.end();
  });

  const miner = anvilIntervalMiner(spec, url);
  const stop = async (graceMs = 5000): Promise<void> => {
    if (miner !== undefined) clearInterval(miner);
    if (child.exitCode !== null || child.signalCode !== null) return;
    killGroup(pid, "SIGTERM");
    const timer = setTimeout(() => killGroup(pid, "SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
    killGroup(pid, "SIGKILL"); // anything the node itself started
  };

  try {
    await waitReady(spec, url, child, tail);
  } catch (err) {
    await stop(1000);
    throw err;
  }
  return { name: spec.name, chainId: spec.chainId, port, url, pid, stop };
}

function spawnNode(spec: DevnetSpec, port: number): ChildProcess {
  if (spec.evm === "anvil") return spawnAnvil(spec, port);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DPLC_DEVNET_CHAIN_ID: String(spec.chainId),
    DPLC_DEVNET_BLOCK_INTERVAL_MS: String(spec.blockIntervalMs ?? 0),
  };
  // Set by a parent Hardhat process; `hardhat node` refuses any network but the in-process one.
  delete env.HARDHAT_NETWORK;
  const cli = require.resolve("hardhat/internal/cli/cli.js", { paths: [ROOT] });
  const args = [cli, "node", "--config", CONFIG, "--hostname", "127.0.0.1", "--port", String(port)];
  return spawn(process.execPath, args, { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
}

/**
 * Anvil with what the project's Hardhat network has: the default mnemonic's first 20 accounts, a 60M block gas limit,
 * Cancun, transactions mined in arrival order, automine. (Interval mining: see anvilIntervalMiner.)
 */
function spawnAnvil(spec: DevnetSpec, port: number): ChildProcess {
  const args = ["--host", "127.0.0.1", "--port", String(port), "--chain-id", String(spec.chainId), "--accounts", "20"];
  args.push("--hardfork", "cancun", "--gas-limit", "60000000", "--order", "fifo");
  return spawn(anvilBinary(), args, { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"] });
}

/**
 * Anvil's `--block-time` replaces automine instead of adding to it (a deployment would then wait a whole interval per
 * transaction), so an Anvil devnet keeps automine and this process mines an empty block every interval, as a hardhat
 * node's `mining.interval` does beside automine. Stopped with the devnet.
 */
function anvilIntervalMiner(spec: DevnetSpec, url: string): NodeJS.Timeout | undefined {
  const interval = spec.blockIntervalMs ?? 0;
  if (spec.evm !== "anvil" || interval <= 0) return undefined;
  const timer = setInterval(() => void rpcCall(url, "evm_mine").catch(() => undefined), interval);
  timer.unref();
  return timer;
}

/** The anvil binary of the optional npm package `@foundry-rs/anvil-linux-amd64` (Linux x64 only). */
export function anvilBinary(): string {
  try {
    return require.resolve("@foundry-rs/anvil-linux-amd64/bin/anvil", { paths: [ROOT] });
  } catch (err) {
    throw new DevnetError(
      `Anvil is not installed here: the package @foundry-rs/anvil-linux-amd64 ships it for Linux x64 only (${process.platform} ${process.arch})`,
      { cause: err },
    );
  }
}

async function waitReady(spec: DevnetSpec, url: string, child: ChildProcess, tail: string[]): Promise<void> {
  const deadline = Date.now() + (spec.readyTimeoutMs ?? 90_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new DevnetError(`${spec.name} devnet exited before answering: ${tail.slice(-3).join(" | ")}`);
    }
    const id = await chainIdOf(url, 1000).catch(() => undefined);
    if (id !== undefined) {
      if (id !== spec.chainId) {
        throw new DevnetError(`${spec.name} devnet at ${url} reports chain id ${id}, expected ${spec.chainId}`);
      }
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new DevnetError(`${spec.name} devnet at ${url} did not answer eth_chainId within ${spec.readyTimeoutMs ?? 90_000} ms`);
}
