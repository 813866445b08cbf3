import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/**
 * Installs Debian's etcd 3.4 with apt when a binary is missing: `etcd` from etcd-server, and `etcdctl` (which
 * `etcdctl check perf` needs) from etcd-client, a separate package. Needs root, as on our machines.
 */
export function ensureEtcd(log: (s: string) => void): string {
  const missing = [
    ["etcd", "etcd-server"],
    ["etcdctl", "etcd-client"],
  ].filter(([bin]) => which(bin!) === null);
  if (missing.length > 0) {
    const packages = missing.map(([, pkg]) => pkg!);
    log(`${missing.map(([bin]) => bin).join(" and ")} not found: installing Debian's ${packages.join(" and ")} with apt-get…`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    execFileSync("apt-get", ["update", "-qq"], { stdio: "ignore", env });
    execFileSync("apt-get", ["install", "-y", "-qq", ...packages], { stdio: "ignore", env });
  }
  const installed = which("etcd");
  if (installed === null) throw new Error("apt-get install etcd-server did not provide an etcd binary");
  return installed;
}

function which(bin: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    const p = path.join(dir, bin);
    if (fs.existsSync(p)) return p;
  }
  return fs.existsSync(`/usr/bin/${bin}`) ? `/usr/bin/${bin}` : null;
}

/** A 3-node etcd cluster on 127.0.0.1 (fsync on, etcd's defaults), each member its own process group. */
export class EtcdCluster {
  private readonly procs: ChildProcess[] = [];
  private readonly exits: Promise<void>[] = [];

  constructor(
    private readonly bin: string,
    private readonly dir: string,
    private readonly basePort: number,
    readonly size = 3,
  ) {}

  clientUrl(i: number): string {
    return `http://127.0.0.1:${this.basePort + i}`;
  }

  private peerUrl(i: number): string {
    return `http://127.0.0.1:${this.basePort + 100 + i}`;
  }

  async start(timeoutMs = 30_000): Promise<void> {
    fs.rmSync(this.dir, { recursive: true, force: true });
    fs.mkdirSync(this.dir, { recursive: true });
    const initial = Array.from({ length: this.size }, (_, i) => `e${i + 1}=${this.peerUrl(i)}`).join(",");
    for (let i = 0; i < this.size; i++) {
      const log = fs.openSync(path.join(this.dir, `e${i + 1}.log`), "a");
      const child = spawn(
        this.bin,
        [
          "--name", `e${i + 1}`,
          "--data-dir", path.join(this.dir, `e${i + 1}`),
          "--listen-client-urls", this.clientUrl(i),
          "--advertise-client-urls", this.clientUrl(i),
          "--listen-peer-urls", this.peerUrl(i),
          "--initial-advertise-peer-urls", this.peerUrl(i),
          "--initial-cluster", initial,
          "--initial-cluster-token", "dplc-bench",
          "--initial-cluster-state", "new",
        ],
        { detached: true, stdio: ["ignore", log, log] },
      );
      fs.closeSync(log);
      this.procs.push(child);
      this.exits.push(new Promise((r) => child.once("exit", () => r())));
    }
    await this.leaderUrl(timeoutMs);
  }

  /** The client URL of the current leader (bounded poll of /v3/maintenance/status). */
  async leaderUrl(timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      for (let i = 0; i < this.size; i++) {
        try {
          const res = await fetch(`${this.clientUrl(i)}/v3/maintenance/status`, {
            method: "POST",
            body: "{}",
            signal: AbortSignal.timeout(1_000),
          });
          const st = (await res.json()) as { header?: { member_id?: string }; leader?: string };
          if (st.leader !== undefined && st.leader !== "0" && st.leader === st.header?.member_id) return this.clientUrl(i);
        } catch {
          // Member not up yet.
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`etcd cluster has no leader after ${timeoutMs} ms; logs in ${this.dir}`);
  }

  async stop(): Promise<void> {
    for (const p of this.procs) {
      if (p.pid !== undefined && p.exitCode === null) {
        try {
          process.kill(-p.pid, "SIGKILL");
        } catch {
          // Gone.
        }
      }
    }
    await Promise.all(this.exits);
    this.procs.length = 0;
    this.exits.length = 0;
  }
}

/** What `etcdctl check perf` measured: etcd's own Go load generator (gRPC, many clients) against the cluster. */
export interface CheckPerf {
  readonly load: "s" | "m" | "l" | "xl";
  readonly writesPerSec: number;
  /** etcdctl's own verdict for the workload model (throughput, slowest request, stddev). */
  readonly pass: boolean;
}

/**
 * Runs `etcdctl check perf --load=<load>` (about 60 s) against `endpoint` and reads its throughput line
 * ("PASS: Throughput is N writes/s" or "FAIL: Throughput too low: N writes/s"). The strongest etcd client available
 * here: the Node gRPC client was slower than the JSON gateway.
 */
export function checkPerf(endpoint: string, load: CheckPerf["load"], timeoutMs = 180_000): Promise<CheckPerf> {
  return new Promise((resolve, reject) => {
    const child = spawn("etcdctl", [`--endpoints=${endpoint}`, "check", "perf", `--load=${load}`], {
      env: { ...process.env, ETCDCTL_API: "3" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", (err) => (clearTimeout(timer), reject(err)));
    child.once("exit", () => {
      clearTimeout(timer);
      try {
        resolve(parseCheckPerf(out, load));
      } catch (err) {
        reject(err);
      }
    });
  });
}

/** The throughput and verdict of `etcdctl check perf`'s output. */
export function parseCheckPerf(out: string, load: CheckPerf["load"]): CheckPerf {
  const m = /Throughput (?:is|too low:) (\d+(?:\.\d+)?) writes\/s/.exec(out);
  if (m === null) throw new Error(`etcdctl check perf --load=${load} printed no throughput: ${out.trim().split("\n").slice(-3).join(" | ")}`);
  return { load, writesPerSec: Math.round(Number(m[1])), pass: /^PASS\s*$/m.test(out) };
}
