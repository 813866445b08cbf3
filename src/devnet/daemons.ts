import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { killGroup, trackGroup } from "./node";

const ROOT = path.join(__dirname, "..", "..");

/** A relayer or validator daemon in its own process group, as `npm run relayer` / `npm run validator` start it. */
export interface DaemonProcess {
  readonly name: string;
  readonly pid: number;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Signals the whole group and waits for the exit (SIGKILL after `graceMs`). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
}

export interface DaemonSpec {
  readonly name: string;
  /** `relayer/cli.ts` or `validator/cli.ts`, relative to the repository root. */
  readonly script: string;
  readonly configFile: string;
  readonly logFile?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export function spawnDaemon(spec: DaemonSpec): DaemonProcess {
  const child = spawn(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", path.join(ROOT, spec.script), "--config", spec.configFile],
    { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "1", ...spec.env } },
  );
  const pid = child.pid!;
  let out = "";
  const log = spec.logFile === undefined ? undefined : fs.createWriteStream(spec.logFile, { flags: "a" });
  const collect = (d: Buffer) => {
    out += d.toString();
    log?.write(d);
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  void exited.then(() => log?.end());
  trackGroup(pid, exited);
  return {
    name: spec.name,
    pid,
    output: () => out,
    exited,
    stop: async (signal = "SIGTERM", graceMs = 5000) => {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      killGroup(pid, signal);
      const timer = setTimeout(() => killGroup(pid, "SIGKILL"), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Polls `url` until it answers 200 (a daemon's /healthz once its first pass completed). */
export async function waitHealthy(url: string, daemon: DaemonProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let done = false;
  void daemon.exited.then(() => (done = true));
  while (Date.now() < deadline && !done) {
    const ok = await fetch(url).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  const tail = daemon.output().trim().split("\n").slice(-5).join("\n");
  throw new Error(`${daemon.name} did not become healthy at ${url}${done ? " (it exited)" : ""}\n${tail}`);
}
