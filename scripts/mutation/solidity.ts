/**
 * Solidity mutation testing with hand-written mutants (see solidity-mutants.ts and TESTING.md, "Solidity mutants").
 * SuMo installs and plans its mutants offline, but runs every one of its ~2,100 mutants of these folders against
 * the whole test directory after a full solc-js compile: days on two cores. This runs a curated list, each against
 * the suites that guard its code, in a throw-away copy of the repository, and prints a score per folder.
 *
 *   npm run test:mutation:sol [-- --only id,id] [-- --folder bridge] [-- --json out.json] [-- --list]
 */
import { Command, InvalidArgumentError } from "commander";
import fs from "node:fs";
import path from "node:path";
import pc from "picocolors";
import { MUTANTS, folderOf, type SolidityMutant } from "./solidity-mutants";
import { Sandbox } from "./sandbox";

type Status = "killed" | "survived" | "equivalent" | "timeout" | "invalid";

interface Outcome {
  id: string;
  folder: string;
  file: string;
  status: Status;
  seconds: number;
  reason: string;
  /** The first failing test, for a killed mutant. */
  killedBy?: string;
  /** How many tests failed (all of them only with --no-bail). */
  failing?: number;
}

const REPO = path.resolve(__dirname, "..", "..");

/** Applies every edit to `source`; each `find` must occur exactly once at the time it is applied. */
export function applyMutant(source: string, m: SolidityMutant): string {
  let text = source;
  for (const e of m.edits) {
    const at = text.indexOf(e.find);
    if (at < 0 || text.indexOf(e.find, at + 1) >= 0) {
      throw new Error(`mutant ${m.id}: ${JSON.stringify(e.find)} must occur exactly once in ${m.file}`);
    }
    text = text.slice(0, at) + e.replace + text.slice(at + e.find.length);
  }
  if (text === source) throw new Error(`mutant ${m.id} changes nothing`);
  return text;
}

/** The first failing test's path in mocha's report after "N failing" ("  1) suite\n    nested\n      test:"). */
export function firstFailure(output: string): string | undefined {
  const lines = output.split("\n");
  const report = lines.findIndex((l) => /^\s+\d+ failing/.test(l));
  const start = lines.findIndex((l, i) => i > report && /^\s+1\) /.test(l));
  if (report < 0 || start < 0) return undefined;
  const titles: string[] = [];
  for (const line of lines.slice(start, start + 12)) {
    const title = line.trim().replace(/^1\) /, "");
    titles.push(title.replace(/:$/, ""));
    if (title.endsWith(":")) break;
  }
  return titles.join(" › ");
}

interface RunOptions {
  timeout: number;
  bail: boolean;
}

function runOne(box: Sandbox, m: SolidityMutant, opts: RunOptions, logDir: string): Outcome {
  const original = box.read(m.file);
  const base = { id: m.id, folder: folderOf(m), file: m.file, reason: m.reason };
  box.write(m.file, applyMutant(original, m));
  try {
    const compile = box.hardhat(["compile", "--quiet"], opts.timeout);
    if (!compile.ok) {
      fs.writeFileSync(path.join(logDir, `${m.id}.log`), compile.output);
      return { ...base, status: "invalid", seconds: compile.seconds };
    }
    const run = box.hardhat(["test", "--no-compile", ...(opts.bail ? ["--bail"] : []), ...m.tests], opts.timeout);
    fs.writeFileSync(path.join(logDir, `${m.id}.log`), run.output);
    const seconds = compile.seconds + run.seconds;
    if (run.timedOut) return { ...base, status: "timeout", seconds };
    if (run.ok) return { ...base, status: m.equivalent ? "equivalent" : "survived", seconds, reason: m.equivalent ?? m.reason };
    const failing = Number(/(\d+) failing/.exec(run.output)?.[1] ?? 0);
    return { ...base, status: "killed", seconds, killedBy: firstFailure(run.output), failing };
  } finally {
    box.write(m.file, original);
  }
}

/** Killed (timeouts count as killed, like Stryker) over all valid, non-equivalent mutants, per folder and in total. */
function summarize(outcomes: Outcome[]): string[] {
  const folders = [...new Set(outcomes.map((o) => o.folder))].sort();
  const line = (name: string, list: Outcome[]) => {
    const valid = list.filter((o) => o.status !== "invalid" && o.status !== "equivalent");
    const killed = valid.filter((o) => o.status === "killed" || o.status === "timeout").length;
    const score = valid.length === 0 ? 100 : (100 * killed) / valid.length;
    return `${name.padEnd(12)} ${String(killed).padStart(3)} / ${String(valid.length).padEnd(3)} killed  ${score.toFixed(1)} %`;
  };
  return [...folders.map((f) => line(f, outcomes.filter((o) => o.folder === f))), line("all", outcomes)];
}

function select(opts: { only?: string[]; folder?: string }): SolidityMutant[] {
  let list = [...MUTANTS];
  if (opts.only) {
    const unknown = opts.only.filter((id) => !MUTANTS.some((m) => m.id === id));
    if (unknown.length > 0) throw new InvalidArgumentError(`unknown mutant id(s): ${unknown.join(", ")}`);
    list = list.filter((m) => opts.only!.includes(m.id));
  }
  if (opts.folder) list = list.filter((m) => folderOf(m) === opts.folder);
  if (list.length === 0) throw new InvalidArgumentError("no mutant selected");
  return list;
}

/** Refuses to start unless every mutant applies and the selected suites pass on the unmutated code. */
function baseline(box: Sandbox, list: SolidityMutant[], timeoutSeconds: number): void {
  for (const m of list) applyMutant(box.read(m.file), m);
  const files = [...new Set(list.flatMap((m) => m.tests))];
  console.log(pc.dim(`baseline: compiling and running ${files.length} test files on the unmutated contracts…`));
  const run = box.hardhat(["test", ...files], timeoutSeconds * 3);
  if (!run.ok) {
    console.error(run.output.slice(-4000));
    throw new Error("the unmutated suites fail: fix them before measuring mutants");
  }
  console.log(pc.dim(`baseline green in ${run.seconds.toFixed(0)} s`));
}

async function main(): Promise<void> {
  const program = new Command()
    .name("test:mutation:sol")
    .description("Applies each hand-written Solidity mutant in a temporary copy of the repository and runs the suites that should kill it.")
    .option("--only <ids>", "comma-separated mutant ids", (v: string) => v.split(",").map((s) => s.trim()).filter(Boolean))
    .option("--folder <name>", "only mutants of contracts/<name> (bridge, market, libraries)")
    .option("--timeout <seconds>", "per compile or test run", (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("--timeout must be a positive integer");
      return n;
    }, 600)
    .option("--json <file>", "also write the outcomes as JSON")
    .option("--no-bail", "run every selected test file to the end and count the failing tests")
    .option("--list", "print the mutants and exit", false)
    .option("--keep", "keep the temporary copy (and each mutant's test log)", false)
    .parse();
  const opts = program.opts<{
    only?: string[];
    folder?: string;
    timeout: number;
    bail: boolean;
    json?: string;
    list: boolean;
    keep: boolean;
  }>();
  const list = select(opts);
  if (opts.list) {
    for (const m of list) console.log(`${m.id.padEnd(46)} ${m.file}  — ${m.reason}`);
    return;
  }
  const box = Sandbox.create(REPO);
  const logDir = path.join(box.root, "mutation-logs");
  fs.mkdirSync(logDir);
  const outcomes: Outcome[] = [];
  try {
    baseline(box, list, opts.timeout);
    for (const [i, m] of list.entries()) {
      const o = runOne(box, m, opts, logDir);
      outcomes.push(o);
      const colour = o.status === "survived" || o.status === "invalid" ? pc.red : o.status === "equivalent" ? pc.yellow : pc.green;
      console.log(`[${i + 1}/${list.length}] ${colour(o.status.padEnd(8))} ${m.id} (${o.seconds.toFixed(0)} s)${o.killedBy ? pc.dim(`  ← ${o.killedBy}`) : ""}${opts.bail || o.failing === undefined ? "" : pc.dim(`  [${o.failing} failing]`)}`);
    }
  } finally {
    if (opts.keep) console.log(pc.dim(`sandbox kept: ${box.root}`));
    else box.remove();
  }
  console.log(`\n${summarize(outcomes).join("\n")}`);
  const survivors = outcomes.filter((o) => o.status !== "killed" && o.status !== "timeout");
  for (const o of survivors) console.log(pc.red(`${o.status}: ${o.id} (${o.file}) — ${o.reason}`));
  if (opts.json) fs.writeFileSync(opts.json, `${JSON.stringify(outcomes, null, 2)}\n`);
  // A survivor must be killed by a new test or marked equivalent with its reason (TESTING.md).
  if (outcomes.some((o) => o.status === "survived")) process.exitCode = 1;
  if (outcomes.some((o) => o.status === "invalid")) process.exitCode = 2;
}

main().catch((err: unknown) => {
  console.error(pc.red(err instanceof Error ? err.message : String(err)));
  process.exitCode = 1;
});
