import { expect } from "chai";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ACCOUNT, devnetKey } from "../../src/devnet/accounts";
import { startDevnets, type DevnetPair } from "../../src/devnet/pair";
import { deployBridgePair, tempDir, validatorFiles } from "../relayer/helpers";

const ROOT = path.join(__dirname, "..", "..");

function govern(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "validator", "govern.ts"), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.once("close", (code) => resolve({ code, out, err }));
  });
}

describe("validator governance (`npm run validator:govern`)", function () {
  this.timeout(180_000);
  let devnets: DevnetPair;

  before(async () => {
    devnets = await startDevnets();
  });

  after(async () => {
    await devnets?.stop();
  });

  it("changes the threshold on a quorum of validator signatures, each made with the validator's own keystore", async () => {
    const pair = await deployBridgePair(devnets.main, devnets.side);
    const dir = tempDir("validator-govern");
    const files = await validatorFiles(dir, pair);
    const signed: string[] = [];
    const deadline = String(Math.floor(Date.now() / 1000) + 3600);
    for (const config of files.configFiles.slice(0, 2)) {
      const r = await govern(["sign", "--config", config, "--chain", "side", "--call", "setThreshold", "--args", "[3]", "--deadline", deadline]);
      expect(r.code, r.err).to.equal(0);
      const file = path.join(dir, `${path.basename(config)}.sig.json`);
      fs.writeFileSync(file, r.out);
      signed.push(file);
    }
    const submit = (sigs: string[]) =>
      govern(["submit", "--rpc", devnets.side.url, "--chain-id", String(devnets.side.chainId), "--key-env", "GAS_KEY", ...sigs], {
        GAS_KEY: devnetKey(ACCOUNT.relayer),
      });
    const alone = await submit(signed.slice(0, 1));
    expect(alone.code).to.equal(1);
    expect(alone.err.trim()).to.match(/^validator-govern: .*BridgeGatewayTooFewSignatures|^validator-govern: execution reverted/);
    expect(await pair.side.gateway.threshold()).to.equal(2n);
    const both = await submit([...signed].reverse());
    expect(both.code, both.err).to.equal(0);
    expect(await pair.side.gateway.threshold()).to.equal(3n);
    expect(await pair.main.gateway.threshold()).to.equal(2n);
  });

  it("refuses a call that is not governance, in one line", async () => {
    const pair = await deployBridgePair(devnets.main, devnets.side);
    const files = await validatorFiles(tempDir("validator-govern-bad"), pair);
    const r = await govern(["sign", "--config", files.configFiles[0]!, "--chain", "main", "--call", "execute", "--args", "[]"]);
    expect(r.code).to.equal(1);
    expect(r.err.trim().split("\n")).to.have.length(1);
    expect(r.err).to.match(/^validator-govern: execute is not a governance call/);
  });
});
