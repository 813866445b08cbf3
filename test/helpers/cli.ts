import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const ROOT = path.join(__dirname, "..", "..");
const HARDHAT_CLI = require.resolve("hardhat/internal/cli/cli.js", { paths: [ROOT] });

/** What a command printed and how it ended. */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `npx hardhat <args>` as a user does: a process of its own in the project directory, with the environment of
 * this one (less the network a parent Hardhat process chose for itself) plus `env`.
 */
export function hardhat(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.HARDHAT_NETWORK;
  const child = spawn(process.execPath, [HARDHAT_CLI, ...args], { cwd: ROOT, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A copy of data/case-a in a temporary directory, with `edit` applied to the named files' text. */
export function caseACopy(edit: Partial<Record<string, (text: string) => string>> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-market-"));
  const source = path.join(ROOT, "data", "case-a");
  for (const name of fs.readdirSync(source)) {
    const text = fs.readFileSync(path.join(source, name), "utf8");
    fs.writeFileSync(path.join(dir, name), edit[name]?.(text) ?? text);
  }
  return dir;
}
