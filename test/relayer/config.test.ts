import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { loadRelayerConfig, parseRelayerConfig, RelayerConfigError } from "../../relayer/config";
import { CheckpointError, readCheckpoint, writeCheckpoint } from "../../relayer/checkpoint";
import { initialState } from "../../relayer/core";
import { KeystoreError, loadKeystore, writeKeystore } from "../../relayer/keystore";
import { spawnRelayer, tempDir, writeConfig } from "./helpers";

const v = (n: number) => ({ address: "0x" + String(n).repeat(40), url: `http://127.0.0.1:${9470 + n}` });

const valid = {
  main: { rpcUrl: "http://127.0.0.1:8545", chainId: 13371, gateway: "0x" + "11".repeat(20) },
  side: { rpcUrl: "http://127.0.0.1:8546", chainId: 13372, gateway: "0x" + "22".repeat(20) },
  validators: [v(1), v(2), v(3)],
  threshold: 2,
  submitterKey: "0x" + "ab".repeat(32),
  checkpointFile: "state/checkpoint.json",
};

function oneLineError(raw: unknown): string {
  try {
    parseRelayerConfig(raw, "relayer.json");
  } catch (err) {
    expect(err).to.be.instanceOf(RelayerConfigError);
    const message = (err as Error).message;
    expect(message).not.to.contain("\n");
    return message;
  }
  throw new Error("expected a config error");
}

describe("relayer configuration", () => {
  it("fills defaults", () => {
    const c = parseRelayerConfig(valid);
    expect(c.confirmations).to.equal(2);
    expect(c.pollIntervalMs).to.equal(1000);
    expect(c.http).to.deep.equal({ host: "127.0.0.1", port: 9464 });
    expect(c.retry).to.deep.equal({ maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 15_000 });
    expect(c.main.startBlock).to.equal(0);
    expect(c.ordering).to.deep.equal({});
  });

  it("takes the ordering service's API URLs for a chain that runs behind one", () => {
    const c = parseRelayerConfig({ ...valid, ordering: { main: ["http://orderer-1:7070", "http://orderer-2:7070"] } });
    expect(c.ordering.main).to.deep.equal(["http://orderer-1:7070", "http://orderer-2:7070"]);
    expect(c.ordering.side).to.equal(undefined);
  });

  describe("when invalid", () => {
    it("names the field in one line", () => {
      expect(oneLineError({ ...valid, threshold: 4 })).to.equal(
        "relayer.json: field threshold: is 4 but only 3 validators are listed",
      );
      expect(oneLineError({ ...valid, main: { ...valid.main, gateway: "0x12" } })).to.equal(
        "relayer.json: field main.gateway: must be a 0x-prefixed 20-byte address",
      );
      expect(oneLineError({ ...valid, side: { ...valid.side, chainId: 13371 } })).to.equal(
        "relayer.json: field side.chainId: must differ from main.chainId",
      );
      expect(oneLineError({ ...valid, validators: [{ ...v(1), address: "0x01" }] })).to.equal(
        "relayer.json: field validators.0.address: must be a 0x-prefixed 20-byte address",
      );
      expect(oneLineError({ ...valid, validators: [v(1), v(1)] })).to.equal("relayer.json: field validators: lists a validator address twice");
      // The relayer holds no validator key: the old field is refused outright.
      expect(oneLineError({ ...valid, validatorKeys: ["0x" + "01".repeat(32)] })).to.match(/^relayer.json: .*validatorKeys/);
      const { submitterKey: _k, ...noSubmitter } = valid;
      expect(oneLineError(noSubmitter)).to.equal("relayer.json: field submitterKeystore: needs exactly one of submitterKeystore and submitterKey");
      expect(oneLineError({ ...valid, confirmations: -1 })).to.match(/^relayer.json: field confirmations: /);
      expect(oneLineError({ ...valid, extra: 1 })).to.match(/^relayer.json: .*extra/);
      expect(oneLineError({ ...valid, ordering: { main: ["orderer 1"] } })).to.equal("relayer.json: field ordering.main.0: Invalid url");
      expect(oneLineError({ ...valid, ordering: { main: [] } })).to.match(/^relayer.json: field ordering.main: /);
    });

    it("reports an unreadable or malformed file in one line", () => {
      const dir = tempDir("relayer-config");
      expect(() => loadRelayerConfig(path.join(dir, "missing.json"))).to.throw(RelayerConfigError, /^cannot read config .*missing.json: ENOENT$/);
      const bad = path.join(dir, "bad.json");
      fs.writeFileSync(bad, "{ not json");
      expect(() => loadRelayerConfig(bad)).to.throw(RelayerConfigError, /bad.json: not valid JSON/);
    });
  });

  it("resolves a relative checkpoint path against the config file's directory", () => {
    const dir = tempDir("relayer-config");
    const c = loadRelayerConfig(writeConfig(dir, valid));
    expect(c.checkpointFile).to.equal(path.join(dir, "state", "checkpoint.json"));
  });

  it("makes the CLI print one line and exit 2 on a bad config", async function () {
    this.timeout(60_000);
    const dir = tempDir("relayer-cli");
    const p = spawnRelayer(writeConfig(dir, { ...valid, threshold: 0 }));
    expect(await p.exited).to.equal(2);
    const lines = p.output().trim().split("\n");
    expect(lines).to.deep.equal([`relayer: ${path.join(dir, "relayer.json")}: field threshold: Number must be greater than 0`]);
  });
});

describe("keystores", () => {
  it("round-trip a key encrypted with a password from a file or the environment, and refuse a wrong one in one line", async () => {
    const dir = tempDir("keystore");
    const key = "0x" + "5a".repeat(32);
    const file = path.join(dir, "k.json");
    const address = await writeKeystore(file, key, "correct horse", 2 ** 10);
    expect((fs.statSync(file).mode & 0o777).toString(8)).to.equal("600");
    expect(fs.readFileSync(file, "utf8")).not.to.contain("5a5a");
    fs.writeFileSync(path.join(dir, "pw"), "correct horse\n");
    expect((await loadKeystore({ file, passwordFile: path.join(dir, "pw") })).address).to.equal(address);
    expect((await loadKeystore({ file, passwordEnv: "KS_PW" }, { KS_PW: "correct horse" })).privateKey).to.equal(key);
    const wrong = await loadKeystore({ file, passwordEnv: "KS_PW" }, { KS_PW: "wrong" }).catch((e: unknown) => e);
    expect(wrong).to.be.instanceOf(KeystoreError);
    expect((wrong as Error).message).to.match(/^cannot decrypt keystore .*k.json: /);
    const unset = await loadKeystore({ file, passwordEnv: "KS_PW" }, {}).catch((e: unknown) => e);
    expect((unset as Error).message).to.equal("environment variable KS_PW (keystore password) is not set");
  });
});

describe("relayer checkpoint file", () => {
  const state = () =>
    initialState(
      {
        main: { chainId: 1, gateway: "0x" + "11".repeat(20), genesisHash: "0xa" },
        side: { chainId: 2, gateway: "0x" + "22".repeat(20), genesisHash: "0xb" },
      },
      { main: 5, side: 0 },
    );

  it("is replaced atomically (no temporary file left) and read back", () => {
    const dir = tempDir("relayer-ckpt");
    const file = path.join(dir, "sub", "checkpoint.json");
    expect(readCheckpoint(file)).to.equal(undefined);
    writeCheckpoint(file, state());
    const s = state();
    s.chains.main.lastScanned = 42;
    writeCheckpoint(file, s);
    expect(readCheckpoint(file)!.chains.main.lastScanned).to.equal(42);
    expect(fs.readdirSync(path.dirname(file))).to.deep.equal(["checkpoint.json"]);
  });

  it("refuses a corrupt checkpoint with one line naming the field", () => {
    const dir = tempDir("relayer-ckpt");
    const file = path.join(dir, "checkpoint.json");
    fs.writeFileSync(file, JSON.stringify({ version: 1, chains: {} }));
    expect(() => readCheckpoint(file)).to.throw(CheckpointError, /checkpoint.json: field chains.main: Required$/);
  });
});
