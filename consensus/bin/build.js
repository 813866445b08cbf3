"use strict";
/**
 * Builds the orderer daemon to plain JavaScript under dist/orderer, once per source change.
 *
 * The daemon runs compiled, not under ts-node: ts-node keeps the TypeScript compiler in every node's
 * heap (~60 MB), which made each major GC of a running node several times longer. Files are
 * transpiled one by one without type checking, exactly as `ts-node --transpile-only` does
 * (`npm run lint` type-checks); a build takes about a second and is reused while the sources'
 * content hash is unchanged. Concurrent callers (several nodes starting at once) build once,
 * serialised by a lock file; the output directory is replaced by an atomic rename.
 */
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const SOURCE_DIR = path.join("consensus", "src");
const ENTRY = path.join(SOURCE_DIR, "cli", "orderer.js");
const STAMP = ".build-stamp";
const BUILD_VERSION = "1";
const LOCK_STALE_MS = 120_000;

/** Every .ts file below `dir`, relative to `root`, in a stable order. */
function sources(root, dir) {
  const out = [];
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sources(root, rel));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(rel);
  }
  return out.sort();
}

function stampOf(root, files, tsVersion) {
  const h = crypto.createHash("sha256").update(`${BUILD_VERSION}\0${tsVersion}\0`);
  for (const f of files) h.update(f).update("\0").update(fs.readFileSync(path.join(root, f))).update("\0");
  return h.digest("hex");
}

function readStamp(outDir) {
  try {
    return fs.readFileSync(path.join(outDir, STAMP), "utf8");
  } catch {
    return null;
  }
}

function transpileAll(root, files, ts, dest) {
  const compilerOptions = {
    module: ts.ModuleKind.CommonJS,
    target: ts.ScriptTarget.ES2022,
    esModuleInterop: true,
    resolveJsonModule: true,
    sourceMap: false,
  };
  for (const f of files) {
    const src = fs.readFileSync(path.join(root, f), "utf8");
    const out = ts.transpileModule(src, { compilerOptions, fileName: f, reportDiagnostics: true });
    const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
    if (errors.length > 0) {
      throw new Error(`cannot build the orderer: ${f}: ${ts.flattenDiagnosticMessageText(errors[0].messageText, "\n")}`);
    }
    const target = path.join(dest, f.replace(/\.ts$/, ".js"));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, out.outputText);
  }
}

/** Takes the lock (waiting for another builder, or taking over a stale lock); returns a release function. */
function lock(file) {
  const deadline = Date.now() + LOCK_STALE_MS;
  for (;;) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: "wx" });
      return () => fs.rmSync(file, { force: true });
    } catch (err) {
      if (err.code !== "EEXIST") throw err;
      let age = 0;
      try {
        age = Date.now() - fs.statSync(file).mtimeMs;
      } catch {
        continue;
      }
      if (age > LOCK_STALE_MS || Date.now() > deadline) fs.rmSync(file, { force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
  }
}

/**
 * Makes sure `outDir` holds the daemon built from the current sources; returns the entry point.
 * Options (for tests): `root` (the repository), `outDir`, `log` (told when a build happens).
 */
function ensureBuilt(options = {}) {
  const root = options.root ?? REPO_ROOT;
  const outDir = options.outDir ?? path.join(root, "dist", "orderer");
  const entry = path.join(outDir, ENTRY);
  // The compiler's version from its package.json: loading the compiler itself only to check the
  // stamp would put it back into every node's heap.
  const tsMain = require.resolve("typescript", { paths: [root] });
  const tsPackage = JSON.parse(fs.readFileSync(path.join(path.dirname(tsMain), "..", "package.json"), "utf8"));
  const files = sources(root, SOURCE_DIR);
  const stamp = stampOf(root, files, tsPackage.version);
  if (readStamp(outDir) === stamp) return entry;
  fs.mkdirSync(path.dirname(outDir), { recursive: true });
  const release = lock(`${outDir}.lock`);
  try {
    if (readStamp(outDir) === stamp) return entry;
    options.log?.(`building the orderer (${files.length} files) into ${path.relative(root, outDir) || outDir}`);
    const tmp = `${outDir}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    try {
      transpileAll(root, files, require(tsMain), tmp);
    } catch (err) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw err;
    } finally {
      // Let the compiler be collected: the process that built may be a node about to run for days.
      delete require.cache[tsMain];
    }
    fs.writeFileSync(path.join(tmp, STAMP), stamp);
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.renameSync(tmp, outDir);
    return entry;
  } finally {
    release();
  }
}

/**
 * V8 flags every daemon is started with (`npm run orderer`, the local cluster). A node's old
 * generation starts at a few megabytes and V8 ran a full mark-compact (3–7 ms pauses, each step up
 * to several ms) every few seconds while the ledger and log grew into it; starting the old
 * generation at 128 MB defers that until there is real garbage to find. Memory is committed only
 * as it is used.
 */
const DAEMON_NODE_FLAGS = ["--initial-old-space-size=128"];

module.exports = { ensureBuilt, REPO_ROOT, DAEMON_NODE_FLAGS };
