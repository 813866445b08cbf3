import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { ROOT } from "../helpers/cli";

/** A process as `ps` lists it. */
export interface Proc {
  readonly pid: number;
  readonly ppid: number;
  readonly args: string;
}

export function processes(): Proc[] {
  return execFileSync("ps", ["-eo", "pid=,ppid=,args="], { encoding: "utf8" })
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l)!;
      return { pid: Number(m[1]), ppid: Number(m[2]), args: m[3]! };
    });
}

/** Every process below `pid` (children, their children, …), whatever process group they lead. */
export function descendants(pid: number): Proc[] {
  const all = processes();
  const out: Proc[] = [];
  const walk = (p: number) => {
    for (const c of all.filter((q) => q.ppid === p)) {
      out.push(c);
      walk(c.pid);
    }
  };
  walk(pid);
  return out;
}

/** Those of `procs` still running as the same command (a recycled pid running something else does not count). */
export function stillRunning(procs: readonly Proc[]): Proc[] {
  const now = new Map(processes().map((p) => [p.pid, p.args]));
  return procs.filter((p) => now.get(p.pid) === p.args);
}

/** `npm run demo` as a process of its own, with what it printed so far and its exit. */
export interface DemoProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout or stderr; rejects if the demo exits or `timeoutMs` passes. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
}

export function startDemoProcess(args: readonly string[]): DemoProcess {
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "scripts", "demo.ts"), ...args], {
    cwd: ROOT,
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString("utf8")));
  child.stderr!.on("data", (c: Buffer) => (err += c.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  return {
    child,
    exited,
    stdout: () => out,
    stderr: () => err,
    async waitFor(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = pattern.exec(out) ?? pattern.exec(err);
        if (m !== null) return m;
        if (done || Date.now() > deadline) {
          throw new Error(`demo ${done ? "exited" : "timed out"} before printing ${pattern}\n--- stdout\n${out}\n--- stderr\n${err.split("\n").slice(-30).join("\n")}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    },
  };
}

/** A safety net for a failed test: stops the demo and anything it left behind (by pid, never by name). */
export function killAll(demo: DemoProcess | undefined, procs: readonly Proc[]): void {
  if (demo !== undefined && demo.child.exitCode === null) demo.child.kill("SIGKILL");
  for (const p of stillRunning(procs)) {
    try {
      process.kill(p.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}
