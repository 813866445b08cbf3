import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { mkdirDurable, writeFileAtomic } from "../../src/storage/fs-util";
import { tempDir } from "./helpers";

describe("durable file helpers", function () {
  let dir: string;
  beforeEach(function () {
    dir = tempDir("fsutil");
  });
  afterEach(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Runs `fn` counting fsync calls (of any fd). */
  function countSyncs(fn: () => void): number {
    const original = fs.fsyncSync;
    let n = 0;
    fs.fsyncSync = (fd: number) => {
      n++;
      original(fd);
    };
    try {
      fn();
    } finally {
      fs.fsyncSync = original;
    }
    return n;
  }

  it("mkdirDurable creates missing directories and fsyncs the parent of each", function () {
    const target = path.join(dir, "a", "b", "c");
    expect(countSyncs(() => mkdirDurable(target))).to.equal(3);
    expect(fs.statSync(target).isDirectory()).to.equal(true);
    expect(countSyncs(() => mkdirDurable(target))).to.equal(0);
    expect(countSyncs(() => mkdirDurable(path.join(dir, "x"), false))).to.equal(0);
  });

  it("writeFileAtomic replaces content, fsyncs file and directory, and leaves no temp file", function () {
    const file = path.join(dir, "f.bin");
    writeFileAtomic(file, "old");
    expect(countSyncs(() => writeFileAtomic(file, Uint8Array.from([1, 2, 3])))).to.equal(2);
    expect([...fs.readFileSync(file)]).to.deep.equal([1, 2, 3]);
    expect(fs.readdirSync(dir)).to.deep.equal(["f.bin"]);
  });
});
