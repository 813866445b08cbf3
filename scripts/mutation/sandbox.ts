/**
 * A throw-away copy of the repository for mutation runs: every mutant is applied there, never in the working tree,
 * so an interrupted run cannot leave a mutated contract behind. `node_modules` is linked, not copied.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";

/** Top-level entries that are build output or too big to copy; the sandbox rebuilds or links them. */
const SKIP = new Set([".git", "node_modules", "artifacts", "cache", "typechain-types", "coverage", "coverage.json", "dist", "out"]);

const PRELOAD = "mutation-preload.js";

export interface RunResult {
  ok: boolean;
  timedOut: boolean;
  seconds: number;
  output: string;
}

export class Sandbox {
  private constructor(readonly root: string) {}

  /** Copies `repo` (without build output) into a fresh temporary directory. */
  static create(repo: string): Sandbox {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-mutants-"));
    for (const entry of fs.readdirSync(repo)) {
      if (SKIP.has(entry)) continue;
      fs.cpSync(path.join(repo, entry), path.join(root, entry), { recursive: true });
    }
    fs.symlinkSync(path.join(repo, "node_modules"), path.join(root, "node_modules"), "dir");
    // A run only needs to know that a property fails: shrinking a counterexample against a contract can take minutes.
    fs.writeFileSync(path.join(root, PRELOAD), 'require("fast-check").configureGlobal({ endOnFailure: true });\n');
    return new Sandbox(root);
  }

  read(file: string): string {
    return fs.readFileSync(path.join(this.root, file), "utf8");
  }

  write(file: string, text: string): void {
    fs.writeFileSync(path.join(this.root, file), text);
  }

  /** Runs the project's Hardhat with `args` in the sandbox; never throws on a failing command. */
  hardhat(args: string[], timeoutSeconds: number): RunResult {
    const started = Date.now();
    const child = spawnSync(path.join(this.root, "node_modules", ".bin", "hardhat"), args, {
      cwd: this.root,
      env: {
        ...process.env,
        TS_NODE_TRANSPILE_ONLY: "true",
        FORCE_COLOR: "0",
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${path.join(this.root, PRELOAD)}`.trim(),
      },
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
      timeout: timeoutSeconds * 1000,
      killSignal: "SIGKILL",
    });
    const timedOut = child.error !== undefined && (child.error as NodeJS.ErrnoException).code === "ETIMEDOUT";
    return {
      ok: child.status === 0,
      timedOut,
      seconds: (Date.now() - started) / 1000,
      output: `${child.stdout ?? ""}${child.stderr ?? ""}`,
    };
  }

  remove(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
