import { expect } from "chai";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { REPO_ROOT } from "../../src/chain/devnode";

function orderer(args: string[]): { status: number | null; stdout: string; stderr: string } {
  // What `npm run orderer` runs: the launcher that builds the daemon to JavaScript when its sources changed.
  const res = spawnSync(process.execPath, ["consensus/bin/orderer.js", ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe("process: the orderer CLI", function () {
  this.timeout(120_000);
  let dir: string;

  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-cli-"));
  });

  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("prints help naming every option", function () {
    const res = orderer(["--help"]);
    expect(res.status).to.equal(0);
    for (const opt of ["--config", "--peer-api", "--fault-injection"]) expect(res.stdout).to.contain(opt);
    expect(res.stdout).to.not.contain("--deliver");
  });

  describe("when the config is bad", function () {
    it("prints one line naming the field and exits 2", function () {
      const file = path.join(dir, "bad.json");
      fs.writeFileSync(file, JSON.stringify({ id: "n1", role: "trading-centre", listen: { raftPort: 7001, httpPort: 7001 } }));
      const res = orderer(["--config", file]);
      expect(res.status).to.equal(2);
      const lines = res.stderr.trim().split("\n");
      expect(lines).to.have.length(1);
      expect(lines[0]).to.match(/^orderer: .*dataDir: is required/);
    });

    it("prints one line for a missing file and exits 2", function () {
      const res = orderer(["--config", path.join(dir, "missing.json")]);
      expect(res.status).to.equal(2);
      expect(res.stderr.trim().split("\n")).to.have.length(1);
      expect(res.stderr).to.match(/^orderer: cannot read config file/);
    });

    it("prints one line naming a missing TLS file and exits 2", function () {
      const file = path.join(dir, "no-cert.json");
      const cfg = {
        id: "n1",
        role: "trading-centre",
        listen: { raftPort: 0, httpPort: 0 },
        dataDir: "data",
        tls: { certFile: "tls/n1.crt.pem", keyFile: "tls/n1.key.pem", caFile: "tls/ca.crt.pem" },
        logLevel: "silent",
      };
      fs.writeFileSync(file, JSON.stringify(cfg));
      const res = orderer(["--config", file]);
      expect(res.status).to.equal(2);
      expect(res.stderr.trim().split("\n")).to.have.length(1);
      expect(res.stderr.trim()).to.equal(`orderer: tls.certFile: cannot read ${path.join(dir, "tls/n1.crt.pem")}: no such file`);
    });

    it("refuses a malformed --peer-api with one line", function () {
      const res = orderer(["--config", path.join(dir, "missing.json"), "--peer-api", "n2"]);
      expect(res.status).to.equal(2);
      expect(res.stderr.trim()).to.equal('orderer: --peer-api expects id=url, got "n2"');
    });
  });
});
