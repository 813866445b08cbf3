import { spawn } from "node:child_process";

/**
 * Runs a TypeScript writer script (`script dir`) that prints "ack N" for each durable write, until it has acknowledged
 * `minAcks` of them, then SIGKILLs it. Resolves with the acknowledged numbers; rejects when the writer exits on its
 * own or is too slow.
 */
export function runAndKill(script: string, dir: string, minAcks: number, timeoutMs = 60_000): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), script, dir], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const acks: number[] = [];
    let buffered = "";
    let stderr = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`writer made only ${acks.length} acks in time; stderr: ${stderr}`));
    }, timeoutMs);
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.on("data", (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const l of lines) if (l.startsWith("ack ")) acks.push(Number(l.slice(4)));
      if (acks.length >= minAcks && !child.killed) child.kill("SIGKILL");
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (signal === "SIGKILL") resolve(acks);
      else reject(new Error(`writer exited with ${code}: ${stderr}`));
    });
  });
}
