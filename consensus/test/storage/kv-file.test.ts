import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { KvFileCorruptionError } from "../../src/storage/errors";
import { DurableKv } from "../../src/storage/kv-file";
import { frameRecord } from "../../src/storage/record";
import { countSyncs, tempDir } from "./helpers";

// The on-disk format (kv-file.ts): magic, then one framed record of type 4 holding the JSON object.
const KV_MAGIC = Buffer.from("DPLCKV01", "ascii");
const KV_RECORD_TYPE = 4;

describe("DurableKv (applier checkpoint file)", function () {
  let dir: string;
  let file: string;
  beforeEach(function () {
    dir = tempDir("kv");
    file = path.join(dir, "sub", "checkpoint.kv");
  });
  afterEach(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("round-trips values across reopen", function () {
    const kv = new DurableKv(file);
    expect(kv.get("lastAppliedBlock")).to.equal(undefined);
    expect(kv.getNumber("lastAppliedBlock", 0)).to.equal(0);
    kv.setMany({ lastAppliedBlock: 41, chainBlock: 7, hashes: ["0xab"] });
    kv.set("lastAppliedBlock", 42);
    const again = new DurableKv(file);
    expect(again.all()).to.deep.equal({ lastAppliedBlock: 42, chainBlock: 7, hashes: ["0xab"] });
    again.delete("hashes");
    expect(new DurableKv(file).all()).to.deep.equal({ lastAppliedBlock: 42, chainBlock: 7 });
    expect(new DurableKv(file).getNumber("lastAppliedBlock", 0)).to.equal(42);
  });

  it("by default fsyncs the new directory and every replace; with fsync off, nothing", function () {
    let kv: DurableKv | undefined;
    expect(countSyncs(() => (kv = new DurableKv(file)))).to.equal(1);
    expect(countSyncs(() => kv!.set("n", 1))).to.equal(2);
    expect(countSyncs(() => kv!.delete("n"))).to.equal(2);
    const other = path.join(dir, "fast", "checkpoint.kv");
    expect(countSyncs(() => new DurableKv(other, { fsync: false }).set("n", 1))).to.equal(0);
  });

  it("does not rewrite the file to delete a key that is not there", function () {
    const kv = new DurableKv(file);
    kv.set("n", 1);
    expect(countSyncs(() => kv.delete("absent"))).to.equal(0);
  });

  it("replaces the file atomically and leaves no temp files behind", function () {
    const kv = new DurableKv(file);
    for (let i = 0; i < 20; i++) kv.set("n", i);
    expect(fs.readdirSync(path.dirname(file))).to.deep.equal(["checkpoint.kv"]);
  });

  it("cleans up its own temp file left by a crash mid-replace, and only its own", function () {
    new DurableKv(file).set("lastAppliedBlock", 5);
    const d = path.dirname(file);
    fs.writeFileSync(path.join(d, ".checkpoint.kv.123.456.tmp"), "partial");
    fs.writeFileSync(path.join(d, ".other.kv.1.2.tmp"), "not ours");
    fs.writeFileSync(path.join(d, ".checkpoint.kv.notes"), "not a temp file");
    expect(new DurableKv(file).get("lastAppliedBlock")).to.equal(5);
    expect(fs.readdirSync(d).sort()).to.deep.equal([".checkpoint.kv.notes", ".other.kv.1.2.tmp", "checkpoint.kv"]);
  });

  it("detects a damaged file instead of returning a wrong checkpoint", function () {
    new DurableKv(file).set("lastAppliedBlock", 1234);
    const buf = fs.readFileSync(file);
    buf[buf.length - 3] ^= 0x01;
    fs.writeFileSync(file, buf);
    expect(() => new DurableKv(file)).to.throw(KvFileCorruptionError, /checksum/);
  });

  it("detects a file that is not a key-value file at all", function () {
    new DurableKv(file).set("lastAppliedBlock", 1);
    const buf = fs.readFileSync(file);
    buf[0] ^= 0xff;
    fs.writeFileSync(file, buf);
    expect(() => new DurableKv(file)).to.throw(KvFileCorruptionError, "bad header");
  });

  describe("when the file is well framed but its content is not a checkpoint", function () {
    const withPayload = (json: string, type = KV_RECORD_TYPE, trailer = Buffer.alloc(0)) => {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, Buffer.concat([KV_MAGIC, frameRecord(type, Buffer.from(json, "utf8")), trailer]));
    };

    it("refuses a record of another type, or bytes after the record", function () {
      withPayload('{"n":1}', KV_RECORD_TYPE + 1);
      expect(() => new DurableKv(file)).to.throw(KvFileCorruptionError, "checksum mismatch or truncated");
      withPayload('{"n":1}', KV_RECORD_TYPE, Buffer.from([0]));
      expect(() => new DurableKv(file)).to.throw(KvFileCorruptionError, "checksum mismatch or truncated");
    });

    it("refuses an array, null or a number, with the reason", function () {
      for (const json of ["[1,2]", "null", "5"]) {
        withPayload(json);
        expect(() => new DurableKv(file), json).to.throw(KvFileCorruptionError, "not an object");
      }
    });

    it("refuses text that is not JSON, keeping the parser's error as cause", function () {
      withPayload("{");
      let caught: unknown;
      try {
        new DurableKv(file);
      } catch (err) {
        caught = err;
      }
      expect(caught).to.be.instanceOf(KvFileCorruptionError);
      expect((caught as KvFileCorruptionError).cause).to.be.instanceOf(SyntaxError);
    });
  });

  it("refuses a non-number where a number is expected", function () {
    const kv = new DurableKv(file);
    kv.set("lastAppliedBlock", "x");
    expect(() => kv.getNumber("lastAppliedBlock", 0)).to.throw(KvFileCorruptionError, /not a number/);
  });
});
