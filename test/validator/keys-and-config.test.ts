import { expect } from "chai";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ACCOUNT, devnetWallet } from "../../src/devnet/accounts";
import { loadValidatorConfig, parseValidatorConfig, ValidatorConfigError } from "../../validator/config";
import { spawnValidator, tempDir, writeConfig } from "../relayer/helpers";

const ROOT = path.join(__dirname, "..", "..");

function run(script: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, script), ...args], { cwd: ROOT });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.once("close", (code) => resolve({ code, out }));
  });
}

const valid = {
  main: { rpcUrl: "http://127.0.0.1:8545", chainId: 13371, gateway: "0x" + "11".repeat(20) },
  side: { rpcUrl: "http://127.0.0.1:8546", chainId: 13372, gateway: "0x" + "22".repeat(20) },
  keystore: { file: "keys/validator-1.keystore.json", passwordFile: "keys/password" },
};

describe("validator keys and configuration", function () {
  this.timeout(120_000);

  it("`npm run validator:keys -- --devnet` writes one encrypted keystore per devnet validator and a 0600 password file", async () => {
    const dir = path.join(tempDir("validator-keys"), "keys");
    const { code, out } = await run("validator/keys.ts", ["--out", dir, "--devnet", "--light"]);
    expect(code, out).to.equal(0);
    const listed = JSON.parse(fs.readFileSync(path.join(dir, "validators.json"), "utf8")) as Array<{ address: string; keystore: string }>;
    expect(listed.map((v) => v.address)).to.deep.equal(ACCOUNT.validators.map((i) => devnetWallet(i).address));
    expect((fs.statSync(path.join(dir, "password")).mode & 0o777).toString(8)).to.equal("600");
    for (const [i, v] of listed.entries()) {
      const text = fs.readFileSync(path.join(dir, v.keystore), "utf8");
      expect(text.toLowerCase()).not.to.contain(devnetWallet(ACCOUNT.validators[i]!).privateKey.slice(2));
      expect(out).to.contain(v.address);
    }
  });

  it("fills defaults and resolves keystore paths against the config file's directory", () => {
    const dir = tempDir("validator-config");
    const c = loadValidatorConfig(writeConfig(dir, valid, "validator.json"));
    expect([c.confirmations, c.pollIntervalMs, c.http.port, c.logLevel]).to.deep.equal([2, 1000, 9470, "info"]);
    expect(c.keystore).to.deep.equal({ file: path.join(dir, "keys/validator-1.keystore.json"), passwordFile: path.join(dir, "keys/password") });
  });

  it("refuses a plain key, two password sources or none, in one line naming the field", () => {
    const error = (raw: unknown) => {
      try {
        parseValidatorConfig(raw, "v.json");
      } catch (err) {
        expect(err).to.be.instanceOf(ValidatorConfigError);
        return (err as Error).message;
      }
      throw new Error("expected an error");
    };
    expect(error({ ...valid, privateKey: "0x" + "01".repeat(32) })).to.match(/^v.json: .*privateKey/);
    expect(error({ ...valid, keystore: { file: "k.json" } })).to.equal("v.json: field keystore: needs exactly one of passwordEnv and passwordFile");
    expect(error({ ...valid, keystore: { file: "k.json", passwordEnv: "X", passwordFile: "p" } })).to.equal(
      "v.json: field keystore: needs exactly one of passwordEnv and passwordFile",
    );
  });

  it("makes the CLI print one line and exit 2 when the keystore's password is missing", async () => {
    const dir = path.join(tempDir("validator-cli"), "keys");
    expect((await run("validator/keys.ts", ["--out", dir, "--count", "1", "--light"])).code).to.equal(0);
    const file = writeConfig(path.dirname(dir), { ...valid, keystore: { file: "keys/validator-1.keystore.json", passwordEnv: "DPLC_NO_SUCH_PASSWORD" } }, "v.json");
    const p = spawnValidator(file);
    expect(await p.exited).to.equal(2);
    expect(p.output().trim().split("\n")).to.deep.equal(["validator: environment variable DPLC_NO_SUCH_PASSWORD (keystore password) is not set"]);
  });
});
