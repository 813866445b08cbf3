import { expect } from "chai";
import { StorageLockedError } from "../../src/storage/dir-lock";
import {
  KvFileCorruptionError,
  SnapshotCorruptionError,
  StorageClosedError,
  StorageError,
  WalCorruptionError,
} from "../../src/storage/errors";

// Logs and the CLI print `name: message`; operators tell a damaged WAL from a held lock by it.
describe("storage errors carry their names and details", function () {
  it("names each error class and keeps its fields", function () {
    const cases: Array<[StorageError, string]> = [
      [new StorageError("x"), "StorageError"],
      [new WalCorruptionError("/w/1.wal", 12, "bad crc"), "WalCorruptionError"],
      [new SnapshotCorruptionError("/s/1.snap", "bad header"), "SnapshotCorruptionError"],
      [new KvFileCorruptionError("/k/c.kv", "bad header"), "KvFileCorruptionError"],
      [new StorageClosedError(), "StorageClosedError"],
      [new StorageLockedError("/d", 42), "StorageLockedError"],
    ];
    for (const [err, name] of cases) {
      expect(err.name).to.equal(name);
      expect(err).to.be.instanceOf(StorageError);
    }
    expect(new WalCorruptionError("/w/1.wal", 12, "bad crc")).to.include({
      message: "WAL corrupt in /w/1.wal at byte 12: bad crc",
      file: "/w/1.wal",
      offset: 12,
    });
  });
});
