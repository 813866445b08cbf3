import { expect } from "chai";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { FileStorage } from "../../src/storage/file-storage";
import { tempDir } from "./helpers";

const WRITER = path.join(__dirname, "fixtures", "wal-writer.ts");

/** Runs the writer until it has acknowledged `minAcks` saves, then SIGKILLs it; returns the acks. */
function runAndKill(dir: string, minAcks: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), WRITER, dir], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const acks: number[] = [];
    let buffered = "";
    let stderr = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`writer made only ${acks.length} acks in time; stderr: ${stderr}`));
    }, 30_000);
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.on("data", (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const l of lines) if (l.startsWith("ack ")) acks.push(Number(l.slice(4)));
      if (acks.length >= minAcks && !child.killed) child.kill("SIGKILL");
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (signal === "SIGKILL") resolve(acks);
      else reject(new Error(`writer exited with ${code}: ${stderr}`));
    });
  });
}

describe("FileStorage crash recovery (kill -9 of a writing process)", function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(function () {
    dir = tempDir("kill9");
  });
  afterEach(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("keeps every acknowledged save across three kill -9 and restart cycles", async function () {
    const acked: number[] = [];
    for (let round = 0; round < 3; round++) {
      acked.push(...(await runAndKill(dir, 300)));
      const s = FileStorage.open(dir);
      try {
        const maxAck = Math.max(...acked);
        expect(s.lastIndex()).to.be.at.least(maxAck);
        expect(s.firstIndex()).to.equal(1);
        const ents = s.entries(1, maxAck + 1);
        ents.forEach((e, k) => {
          expect(e.index).to.equal(k + 1);
          expect(Buffer.from(e.data).toString().startsWith(`entry-${k + 1}-`)).to.equal(true);
        });
        expect(s.initialState().hardState.term).to.equal(round + 1);
        expect(s.initialState().hardState.commit).to.be.at.least(maxAck - 1);
      } finally {
        s.close();
      }
    }
    expect(new Set(acked).size).to.equal(acked.length);
  });
});
