import fs from "node:fs";
import path from "node:path";
import { StorageError } from "./errors";
import { mkdirDurable } from "./fs-util";

/** Another live process holds the data dir. Two writers on one WAL would corrupt it. */
export class StorageLockedError extends StorageError {
  override readonly name = "StorageLockedError";
  readonly pid: number;
  constructor(dir: string, pid: number) {
    super(`data dir ${dir} is in use by process ${pid}`);
    this.pid = pid;
  }
}

interface LockOwner {
  pid: number;
  /** Process start time (Linux /proc, clock ticks since boot), to tell a reused pid apart. */
  start: string | null;
}

/** Locks this process holds, so a second open in the same process is refused too. */
const heldHere = new Set<string>();

function startTime(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 22; the command name (field 2) may contain spaces, so count from its closing paren.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
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

function readOwner(file: string): LockOwner | null {
  try {
    const text = fs.readFileSync(file, "utf8").trim();
    const parsed = JSON.parse(text) as Partial<LockOwner>;
    return typeof parsed.pid === "number" ? { pid: parsed.pid, start: parsed.start ?? null } : null;
  } catch {
    return null;
  }
}

/**
 * Whether the recorded owner still runs. A lock left by a killed process is stale — including when a
 * restart (container, reboot) hands the same pid to a new process: the start time then differs, or
 * the pid is our own but this process never took the lock.
 */
function ownerIsLive(owner: LockOwner, key: string): boolean {
  if (owner.pid === process.pid) return heldHere.has(key);
  if (!alive(owner.pid)) return false;
  const now = startTime(owner.pid);
  return owner.start === null || now === null || now === owner.start;
}

/**
 * An exclusive lock on a data dir: a LOCK file naming the owner (pid and start time), created with
 * O_EXCL. A stale lock (its owner is gone) is taken over.
 */
export class DirLock {
  private held = true;

  private constructor(
    readonly file: string,
    private readonly key: string,
  ) {}

  static acquire(dir: string): DirLock {
    mkdirDurable(dir);
    const file = path.join(dir, "LOCK");
    const key = fs.realpathSync(dir);
    const me: LockOwner = { pid: process.pid, start: startTime(process.pid) };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = fs.openSync(file, "wx");
        fs.writeSync(fd, JSON.stringify(me));
        fs.closeSync(fd);
        heldHere.add(key);
        return new DirLock(file, key);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      const owner = readOwner(file);
      if (owner !== null && ownerIsLive(owner, key)) throw new StorageLockedError(dir, owner.pid);
      fs.rmSync(file, { force: true });
    }
    throw new StorageError(`could not take the lock on ${dir}`);
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    heldHere.delete(this.key);
    fs.rmSync(this.file, { force: true });
  }
}
