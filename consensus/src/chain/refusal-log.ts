import fs from "node:fs";
import path from "node:path";

/**
 * Which ordered transactions this node's replica refused, and why (a reused nonce, a gap): the chain keeps no trace of
 * them, so the answer to `GET /v1/transactions/{hash}` must survive a restart here. One JSON line per refusal,
 * appended and fsynced (refusals are rare); a torn last line from a crash is ignored, and the applier's recovery
 * records the refusal again when it re-applies that block.
 */
export class RefusalLog {
  private readonly known = new Map<string, string>();

  constructor(readonly file: string) {
    let text = "";
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    for (const line of text.split("\n")) {
      try {
        const r = JSON.parse(line) as { hash?: unknown; error?: unknown };
        if (typeof r.hash === "string" && typeof r.error === "string") this.known.set(r.hash, r.error);
      } catch {
        // Empty or torn line.
      }
    }
  }

  get(hash: string): string | undefined {
    return this.known.get(hash);
  }

  add(records: readonly { hash: string; error: string }[]): void {
    if (records.length === 0) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const fd = fs.openSync(this.file, "a");
    try {
      fs.writeSync(fd, records.map((r) => JSON.stringify({ hash: r.hash, error: r.error }) + "\n").join(""));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    for (const r of records) this.known.set(r.hash, r.error);
  }

  /** The replica is rebuilt from block 1: it decides every refusal again. */
  clear(): void {
    this.known.clear();
    fs.rmSync(this.file, { force: true });
  }
}
