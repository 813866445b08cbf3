import fs from "node:fs";
import path from "node:path";
import { StorageError } from "./errors";

/** Another live process holds the data dir. Two writers on one WAL would corrupt it. */
export class StorageLockedError extends StorageError {
  override readonly name = "StorageLockedError";
  readonly pid: number;
  constructor(dir: string, pid: number) {
    super(`data dir ${dir} is in use by process ${pid}`);
    this.pid = pid;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * An exclusive lock on a data dir: a LOCK file holding the owner's pid, created with O_EXCL. A lock
 * left by a process that died (kill -9) is taken over, since its pid no longer exists.
 * The same process may not take the lock twice either: two FileStorage objects on one dir would
 * interleave writes just as badly.
 */
export class DirLock {
  private held = true;

  private constructor(readonly file: string) {}

  static acquire(dir: string): DirLock {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, "LOCK");
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = fs.openSync(file, "wx");
        fs.writeSync(fd, String(process.pid));
        fs.closeSync(fd);
        return new DirLock(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      const pid = Number(fs.readFileSync(file, "utf8").trim());
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) throw new StorageLockedError(dir, pid);
      fs.rmSync(file, { force: true });
    }
    throw new StorageError(`could not take the lock on ${dir}`);
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    fs.rmSync(this.file, { force: true });
  }
}
