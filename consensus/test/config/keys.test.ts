import { expect } from "chai";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { KeyFileError } from "../../src/config/errors";
import { ensureKeyFile, generateNodeKey, publicKeyFromHex, readKeyFile, writeKeyFile } from "../../src/config/keys";
import { parseConfig } from "../../src/config/load";

describe("node keys (Ed25519)", function () {
  let dir: string;
  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-keys-"));
  });
  afterEach(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("writes a key file readable by the owner only and reads back the same identity", function () {
    const key = generateNodeKey();
    const file = path.join(dir, "sub", "node.key.json");
    writeKeyFile(file, key);
    if (process.platform !== "win32") expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
    const back = readKeyFile(file);
    expect(back.publicKeyHex).to.equal(key.publicKeyHex);
    const sig = crypto.sign(null, Buffer.from("hello"), back.privateKey);
    expect(crypto.verify(null, Buffer.from("hello"), publicKeyFromHex(key.publicKeyHex), sig)).to.equal(true);
  });

  it("produces a public key the config schema accepts", function () {
    const key = generateNodeKey();
    expect(key.publicKeyHex).to.match(/^[0-9a-f]{64}$/);
    const cfg = parseConfig({
      id: "tc1",
      role: "trading-centre",
      listen: { raftPort: 7001, httpPort: 8001 },
      dataDir: "d",
      keyFile: "k",
      peers: [{ id: "tc1", role: "trading-centre", port: 7001, publicKey: key.publicKeyHex }],
    });
    expect(cfg.peers[0].publicKey).to.equal(key.publicKeyHex);
  });

  it("refuses to overwrite an existing identity", function () {
    const file = path.join(dir, "k.json");
    writeKeyFile(file, generateNodeKey());
    expect(() => writeKeyFile(file, generateNodeKey())).to.throw(KeyFileError, /refusing to overwrite/);
  });

  it("ensureKeyFile creates once and then reuses", function () {
    const file = path.join(dir, "k.json");
    const a = ensureKeyFile(file);
    const b = ensureKeyFile(file);
    expect(b.publicKeyHex).to.equal(a.publicKeyHex);
  });

  it("detects a public key that does not match the private key", function () {
    const file = path.join(dir, "k.json");
    writeKeyFile(file, generateNodeKey());
    const body = JSON.parse(fs.readFileSync(file, "utf8"));
    body.publicKey = generateNodeKey().publicKeyHex;
    fs.writeFileSync(file, JSON.stringify(body));
    expect(() => readKeyFile(file)).to.throw(KeyFileError, /does not match/);
  });

  it("reports a missing or garbled key file with its path", function () {
    expect(() => readKeyFile(path.join(dir, "none.json"))).to.throw(KeyFileError, /none\.json/);
    fs.writeFileSync(path.join(dir, "bad.json"), "{}");
    expect(() => readKeyFile(path.join(dir, "bad.json"))).to.throw(KeyFileError, /expected/);
  });
});
