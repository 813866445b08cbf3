"use strict";
/**
 * Builds the orderer daemon to one plain JavaScript file, dist/orderer/orderer.js, once per source change.
 *
 * The daemon runs compiled, not under ts-node: ts-node keeps the TypeScript compiler in every node's heap (~60 MB),
 * which made each major GC of a running node several times longer. esbuild bundles the daemon's own sources (the
 * packages under node_modules stay external) without type checking, as `ts-node --transpile-only` runs them (`npm run
 * lint` type-checks); a build takes about half a second. The bundle's first line records the inputs and a hash of
 * their content, so a start with unchanged sources reads a few dozen files and builds nothing. Concurrent builders
 * (several nodes starting at once) each write a temporary file and rename it over the bundle: the rename is atomic
 * and every builder produces the same bytes, so no lock is needed.
 */
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const ENTRY_SOURCE = path.join("consensus", "src", "cli", "orderer.ts");
const BUNDLE = "orderer.js";
const STAMP_PREFIX = "// dplc-orderer-build ";
const BUILD_VERSION = "2";

/** The stamp a bundle was built with: its inputs (relative to the root) and their content hash; null if none. */
function readStamp(file) {
  let fd;
  try {
    fd = fs.openSync(file, "r");
  } catch {
    return null;
  }
  try {
    const buf = Buffer.alloc(64 * 1024);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const first = buf.subarray(0, n).toString("utf8").split("\n", 1)[0];
    if (!first.startsWith(STAMP_PREFIX)) return null;
    return JSON.parse(first.slice(STAMP_PREFIX.length));
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

/** A hash over the build's version, esbuild's version and every input's name and content (null if one is gone). */
function hashInputs(root, inputs, esbuildVersion) {
  const h = crypto.createHash("sha256").update(`${BUILD_VERSION}\0${esbuildVersion}\0`);
  for (const f of inputs) {
    let content;
    try {
      content = fs.readFileSync(path.join(root, f));
    } catch {
      return null;
    }
    h.update(f).update("\0").update(content).update("\0");
  }
  return h.digest("hex");
}

function esbuildVersion(root) {
  const pkg = require.resolve("esbuild/package.json", { paths: [root] });
  return JSON.parse(fs.readFileSync(pkg, "utf8")).version;
}

/** Bundles the daemon; throws `cannot build the orderer: file:line: message` on the first error. */
function bundle(root) {
  const esbuild = require(require.resolve("esbuild", { paths: [root] }));
  let result;
  try {
    result = esbuild.buildSync({
      absWorkingDir: root,
      entryPoints: [ENTRY_SOURCE],
      bundle: true,
      platform: "node",
      target: "node20",
      format: "cjs",
      packages: "external",
      write: false,
      metafile: true,
      outfile: path.join(root, "dist", "orderer", BUNDLE),
      logLevel: "silent",
    });
  } catch (err) {
    const first = err.errors && err.errors[0];
    const where = first && first.location ? `${first.location.file}:${first.location.line}: ` : "";
    throw new Error(`cannot build the orderer: ${where}${first ? first.text : err.message}`);
  }
  // The stamp must be the first line, so the entry's shebang (kept by esbuild) goes.
  const code = result.outputFiles[0].text.replace(/^#!.*\n/, "");
  return { code, inputs: Object.keys(result.metafile.inputs).sort() };
}

/**
 * Makes sure `outDir` holds the daemon built from the current sources; returns the bundle's path.
 * Options (for tests): `root` (the repository), `outDir`, `log` (told when a build happens).
 */
function ensureBuilt(options = {}) {
  const root = options.root ?? REPO_ROOT;
  const outDir = options.outDir ?? path.join(root, "dist", "orderer");
  const entry = path.join(outDir, BUNDLE);
  const version = esbuildVersion(root);
  const old = readStamp(entry);
  if (old !== null && Array.isArray(old.inputs) && hashInputs(root, old.inputs, version) === old.hash) return entry;
  options.log?.(`building the orderer into ${path.relative(root, entry) || entry}`);
  const { code, inputs } = bundle(root);
  const stamp = { hash: hashInputs(root, inputs, version), inputs };
  fs.mkdirSync(outDir, { recursive: true });
  const tmp = `${entry}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${STAMP_PREFIX}${JSON.stringify(stamp)}\n${code}`);
  fs.renameSync(tmp, entry);
  return entry;
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
