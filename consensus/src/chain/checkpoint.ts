import fs from "node:fs";
import path from "node:path";

/**
 * A tiny durable JSON record replaced atomically: write a temporary file, fsync it, rename it over the
 * old one, fsync the directory. A crash leaves either the old or the new record, never a mix.
 * A write with `durable` false skips both fsyncs: a process crash still leaves the new record (the page cache keeps
 * it), a machine crash may leave an older one (on ext4's default `auto_da_alloc`, a rename over a file flushes the new
 * file's data first, so never an empty one).
 */
export class CheckpointFile<T> {
  constructor(
    readonly file: string,
    private readonly validate: (value: unknown) => T,
  ) {}

  /** The stored value, or undefined when none was ever written. */
  read(): T | undefined {
    let text: string;
    try {
      text = fs.readFileSync(this.file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    return this.validate(JSON.parse(text));
  }

  write(value: T, durable = true): void {
    const dir = path.dirname(this.file);
    fs.mkdirSync(dir, { recursive: true });
    const tmp = `${this.file}.tmp`;
    const fd = fs.openSync(tmp, "w");
    try {
      fs.writeSync(fd, JSON.stringify(value));
      if (durable) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
    if (!durable) return;
    const dirFd = fs.openSync(dir, "r");
    try {
      fs.fsyncSync(dirFd);
    } finally {
      fs.closeSync(dirFd);
    }
  }
}
