import fs from "node:fs";
import path from "node:path";

/**
 * fsync a directory so a create, rename or unlink inside it survives power loss. Some platforms
 * (Windows) cannot open directories; there the rename itself is the best we can do.
 */
export function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EISDIR" || process.platform === "win32") return;
    throw err;
  }
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * `mkdir -p` that also makes the new directory entries durable: each created directory's parent is
 * fsync'd, or a power cut right after the first acknowledged write could lose the whole data dir.
 */
export function mkdirDurable(dir: string, sync = true): void {
  const missing: string[] = [];
  let cur = path.resolve(dir);
  while (!fs.existsSync(cur)) {
    missing.unshift(cur);
    const parent = path.dirname(cur);
    if (parent === cur) break;
    cur = parent;
  }
  if (missing.length === 0) return;
  fs.mkdirSync(dir, { recursive: true });
  if (sync) for (const d of missing) fsyncDir(path.dirname(d));
}

export interface AtomicWriteOptions {
  /** fsync file and directory (default true). Off only for tests and benchmarks that say so. */
  fsync?: boolean;
  mode?: number;
}

/**
 * Replaces `file` with `data` so a crash leaves either the old or the new content, never a mix:
 * write a temp file, fsync it, rename over the target, fsync the directory.
 */
export function writeFileAtomic(file: string, data: Uint8Array | string, opts: AtomicWriteOptions = {}): void {
  const sync = opts.fsync ?? true;
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const fd = fs.openSync(tmp, "w", opts.mode ?? 0o644);
  try {
    fs.writeSync(fd, typeof data === "string" ? Buffer.from(data, "utf8") : data);
    if (sync) fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
  if (sync) fsyncDir(dir);
}

/** Removes temp files an interrupted `writeFileAtomic` left behind. */
export function removeStaleTempFiles(dir: string): void {
  for (const name of fs.readdirSync(dir)) {
    if (name.startsWith(".") && name.endsWith(".tmp")) fs.rmSync(path.join(dir, name), { force: true });
  }
}
