import { expect } from "chai";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DAEMON_NODE_FLAGS, ensureBuilt, REPO_ROOT } from "../../bin/build";

describe("bin/build: the orderer compiled to JavaScript", function () {
  this.timeout(120_000);
  let root: string;
  const builds: string[] = [];
  const log = (m: string): number => builds.push(m);

  // A scratch copy of the sources the daemon bundles, so a test can edit them; node_modules is shared.
  before(function () {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-build-"));
    fs.cpSync(path.join(REPO_ROOT, "consensus", "src"), path.join(root, "consensus", "src"), { recursive: true });
    fs.cpSync(path.join(REPO_ROOT, "src", "cli"), path.join(root, "src", "cli"), { recursive: true });
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(root, "node_modules"));
  });

  after(function () {
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("builds a daemon that runs without ts-node", function () {
    const entry = ensureBuilt({ root, log });
    expect(builds).to.have.length(1);
    const res = spawnSync(process.execPath, [entry, "--help"], { encoding: "utf8", timeout: 60_000 });
    expect(res.status, res.stderr).to.equal(0);
    expect(res.stdout).to.match(/--config <file>/);
  });

  describe("when the sources are unchanged", function () {
    it("reuses the build", function () {
      const before = builds.length;
      ensureBuilt({ root, log });
      expect(builds).to.have.length(before);
    });
  });

  describe("when a source file changes", function () {
    it("rebuilds, and the new build holds the change", function () {
      const before = builds.length;
      const file = path.join(root, "consensus", "src", "cli", "orderer.ts");
      fs.appendFileSync(file, '\nexport const BUILD_MARKER = "changed";\n');
      const entry = ensureBuilt({ root, log });
      expect(builds).to.have.length(before + 1);
      expect(fs.readFileSync(entry, "utf8")).to.include("BUILD_MARKER");
    });
  });

  describe("when a file outside consensus/src that the daemon imports changes", function () {
    it("rebuilds: the bundle's inputs are tracked, not a folder", function () {
      const before = builds.length;
      fs.appendFileSync(path.join(root, "src", "cli", "run-daemon.ts"), '\nexport const SHARED_MARKER = "shared";\n');
      const entry = ensureBuilt({ root, log });
      expect(builds).to.have.length(before + 1);
      expect(ensureBuilt({ root, log })).to.equal(entry);
      expect(builds).to.have.length(before + 1);
    });
  });

  describe("when several nodes start at once after a change", function () {
    it("each runs a complete daemon and no temporary file is left", async function () {
      fs.appendFileSync(path.join(root, "consensus", "src", "cli", "orderer.ts"), '\nexport const CONCURRENT_MARKER = 1;\n');
      const script = `const e = require(${JSON.stringify(path.join(REPO_ROOT, "consensus", "bin", "build.js"))}).ensureBuilt({ root: ${JSON.stringify(root)} }); process.argv = [process.argv[0], e, "--help"]; require(e);`;
      const runs = await Promise.all(
        [1, 2, 3].map(
          () =>
            new Promise<{ code: number | null; out: string }>((resolve) => {
              const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "pipe"] });
              let out = "";
              child.stdout.on("data", (d: Buffer) => (out += d.toString()));
              child.on("close", (code) => resolve({ code, out }));
            }),
        ),
      );
      for (const r of runs) {
        expect(r.code).to.equal(0);
        expect(r.out).to.match(/--config <file>/);
      }
      expect(fs.readFileSync(path.join(root, "dist", "orderer", "orderer.js"), "utf8")).to.include("CONCURRENT_MARKER");
      expect(fs.readdirSync(path.join(root, "dist", "orderer")).filter((n) => n.includes(".tmp-"))).to.deep.equal([]);
    });
  });

  describe("when a source file does not parse", function () {
    it("fails naming the file, and keeps the previous build", function () {
      const file = path.join(root, "consensus", "src", "core", "errors.ts");
      const original = fs.readFileSync(file, "utf8");
      fs.writeFileSync(file, original + "\nexport const = ;\n");
      try {
        expect(() => ensureBuilt({ root, log })).to.throw(/cannot build the orderer: consensus\/src\/core\/errors\.ts/);
        expect(fs.existsSync(path.join(root, "dist", "orderer", "orderer.js"))).to.equal(true);
        expect(fs.readdirSync(path.join(root, "dist", "orderer")).filter((n) => n.includes(".tmp-"))).to.deep.equal([]);
      } finally {
        fs.writeFileSync(file, original);
      }
    });
  });

  it("npm run orderer starts the daemon with the same V8 flags as the local cluster", function () {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts.orderer).to.equal(["node", ...DAEMON_NODE_FLAGS, "consensus/bin/orderer.js"].join(" "));
  });
});
