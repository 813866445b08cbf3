import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { DirLock, StorageLockedError } from "../../src/storage/dir-lock";
import { tempDir } from "./helpers";

describe("DirLock (one writer per data dir)", function () {
  let dir: string;
  beforeEach(function () {
    dir = tempDir("dirlock");
  });
  afterEach(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe("when a released lock is released again after another holder took it", function () {
    it("leaves the new holder's lock in place", function () {
      const first = DirLock.acquire(dir);
      first.release();
      const second = DirLock.acquire(dir);
      first.release();
      expect(fs.existsSync(path.join(dir, "LOCK"))).to.equal(true);
      expect(() => DirLock.acquire(dir)).to.throw(StorageLockedError);
      second.release();
    });
  });

  it("releases without error when the LOCK file was already removed by hand", function () {
    const lock = DirLock.acquire(dir);
    fs.rmSync(path.join(dir, "LOCK"));
    expect(() => lock.release()).not.to.throw();
  });

  if (process.platform === "linux") {
    it("respects a lock of a live process that recorded no start time (written where /proc was missing)", function () {
      fs.writeFileSync(path.join(dir, "LOCK"), JSON.stringify({ pid: process.ppid, start: null }));
      expect(() => DirLock.acquire(dir)).to.throw(StorageLockedError, new RegExp(`process ${process.ppid}`));
    });
  }
});
