import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { fsyncDir, mkdirDurable, removeStaleTempFiles, writeFileAtomic } from "../../src/storage/fs-util";
import { countSyncs, tempDir } from "./helpers";

describe("durable file helpers", function () {
  let dir: string;
  beforeEach(function () {
    dir = tempDir("fsutil");
  });
  afterEach(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("mkdirDurable creates missing directories and fsyncs the parent of each", function () {
    const target = path.join(dir, "a", "b", "c");
    expect(countSyncs(() => mkdirDurable(target))).to.equal(3);
    expect(fs.statSync(target).isDirectory()).to.equal(true);
    expect(countSyncs(() => mkdirDurable(target))).to.equal(0);
    expect(countSyncs(() => mkdirDurable(path.join(dir, "x"), false))).to.equal(0);
  });

  it("fsyncDir closes the directory it opened (a node fsyncs directories on every segment and snapshot)", function () {
    const open = () => fs.readdirSync("/proc/self/fd").length;
    const before = open();
    for (let i = 0; i < 5; i++) fsyncDir(dir);
    expect(open()).to.equal(before);
  });

  it("writeFileAtomic replaces content, fsyncs file and directory, and leaves no temp file", function () {
    const file = path.join(dir, "f.bin");
    writeFileAtomic(file, "old");
    expect(countSyncs(() => writeFileAtomic(file, Uint8Array.from([1, 2, 3])))).to.equal(2);
    expect([...fs.readFileSync(file)]).to.deep.equal([1, 2, 3]);
    expect(fs.readdirSync(dir)).to.deep.equal(["f.bin"]);
  });

  it("writeFileAtomic with fsync off syncs neither the file nor the directory", function () {
    const file = path.join(dir, "f.bin");
    expect(countSyncs(() => writeFileAtomic(file, "fast", { fsync: false }))).to.equal(0);
    expect(fs.readFileSync(file, "utf8")).to.equal("fast");
  });

  it("writeFileAtomic creates the file with the requested mode (key files are 0o600)", function () {
    const file = path.join(dir, "node.key");
    writeFileAtomic(file, "secret", { mode: 0o600 });
    expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
  });

  describe("when the temp file's fsync fails (EIO)", function () {
    it("writeFileAtomic throws, keeps the old content and removes its temp file", function () {
      const file = path.join(dir, "f.bin");
      writeFileAtomic(file, "old");
      const original = fs.fsyncSync;
      fs.fsyncSync = () => {
        throw Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO" });
      };
      try {
        expect(() => writeFileAtomic(file, "new")).to.throw("EIO");
      } finally {
        fs.fsyncSync = original;
      }
      expect(fs.readFileSync(file, "utf8")).to.equal("old");
      expect(fs.readdirSync(dir)).to.deep.equal(["f.bin"]);
    });
  });

  it("removeStaleTempFiles removes only writeFileAtomic's temp files (hidden, ending in .tmp)", function () {
    for (const name of [".f.bin.123.456.tmp", "data.tmp", ".hidden", "f.bin"]) fs.writeFileSync(path.join(dir, name), "x");
    removeStaleTempFiles(dir);
    expect(fs.readdirSync(dir).sort()).to.deep.equal([".hidden", "data.tmp", "f.bin"]);
  });
});
