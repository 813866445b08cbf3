/**
 * The peer transport alone, in one process: two TcpTransports on 127.0.0.1 with mutual TLS 1.3, one
 * sending Raft appends to the other. What TLS costs per message and per byte, without Raft, disks or
 * HTTP in the way.
 *
 *   npx ts-node --transpile-only consensus/bench/transport.ts [--small N] [--blocks N]
 *
 * small: N one-entry appends of 200 bytes, sent 64 at a time (each batch waits for delivery);
 * blocks: N appends carrying a 2 MB entry (one full block), one at a time. Reports wall-clock rates and
 * the CPU time both ends spent (one process), which a busy machine disturbs less.
 */
import { Command } from "commander";
import pino from "pino";
import type { Message } from "../src/core/types";
import { TcpTransport } from "../src/transport/tcp";
import { createCertificateAuthority, issueNodeCertificate } from "../src/config/certs";

const append = (i: number, bytes: number): Message => ({
  type: "append",
  from: "a",
  to: "b",
  term: 1,
  index: i,
  logTerm: 1,
  commit: i,
  entries: [{ term: 1, index: i + 1, type: "normal", data: new Uint8Array(bytes).fill(i & 0xff) }],
});

async function pair(): Promise<{ a: TcpTransport; b: TcpTransport; got: () => number }> {
  const ca = await createCertificateAuthority();
  const [ia, ib] = [await issueNodeCertificate(ca, "a"), await issueNodeCertificate(ca, "b")];
  const logger = pino({ level: "silent" });
  const a = new TcpTransport({ id: "a", listen: { host: "127.0.0.1", port: 0 }, tls: { cert: ia.certPem, key: ia.keyPem }, logger });
  const b = new TcpTransport({ id: "b", listen: { host: "127.0.0.1", port: 0 }, tls: { cert: ib.certPem, key: ib.keyPem }, logger });
  let n = 0;
  b.onMessage(() => n++);
  await Promise.all([a.start(), b.start()]);
  a.setPeer({ id: "b", host: "127.0.0.1", port: b.address().port, fingerprint: ib.fingerprint });
  b.setPeer({ id: "a", host: "127.0.0.1", port: a.address().port, fingerprint: ia.fingerprint });
  return { a, b, got: () => n };
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setImmediate(r));
}

async function main(): Promise<void> {
  const o = new Command().option("--small <n>", "small appends", Number, 100_000).option("--blocks <n>", "2 MB appends", Number, 100).parse().opts<{ small: number; blocks: number }>();
  const { a, b, got } = await pair();
  a.send([append(0, 1)]);
  await until(() => got() === 1); // connected and warm
  let t = process.hrtime.bigint();
  let cpu = process.cpuUsage();
  for (let i = 0; i < o.small; i += 64) {
    const base = got();
    const batch = Array.from({ length: Math.min(64, o.small - i) }, (_, k) => append(i + k, 200));
    a.send(batch);
    await until(() => got() === base + batch.length);
  }
  const smallSec = Number(process.hrtime.bigint() - t) / 1e9;
  const smallCpu = process.cpuUsage(cpu);
  t = process.hrtime.bigint();
  cpu = process.cpuUsage();
  for (let i = 0; i < o.blocks; i++) {
    const base = got();
    a.send([append(i, 2 * 1024 * 1024)]);
    await until(() => got() === base + 1);
  }
  const blockSec = Number(process.hrtime.bigint() - t) / 1e9;
  const blockCpu = process.cpuUsage(cpu);
  console.log(
    JSON.stringify({
      smallPerSec: Math.round(o.small / smallSec),
      blockMBPerSec: Math.round((o.blocks * 2) / blockSec),
      msPerBlock: +((blockSec * 1000) / o.blocks).toFixed(2),
      // CPU time of both ends (one process): steadier than wall time on a shared machine.
      cpuUsPerSmall: +((smallCpu.user + smallCpu.system) / o.small).toFixed(2),
      cpuMsPerBlock: +((blockCpu.user + blockCpu.system) / 1000 / o.blocks).toFixed(2),
    }),
  );
  await Promise.all([a.close(), b.close()]);
}

void main();
