import { Worker } from "node:worker_threads";
import { pendingRecovery, recoveredKey, type ParsedTx, type RecoveryInput } from "./tx";

/** Bytes per transaction sent to the worker: r ‖ s, the y parity, the digest. */
const INPUT_BYTES = 64 + 1 + 32;
/** Bytes per answer: 1 when recovered, then the 64-byte public key. */
const OUTPUT_BYTES = 1 + 64;

/**
 * The worker: libsecp256k1's recovery for a batch at a time, nothing else. Plain JavaScript, run with `eval`, so
 * the daemon's bundle needs no second entry point; the binding is loaded from the path the main thread resolved.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { ecdsaRecover } = require(workerData.secp256k1);
parentPort.on("message", ({ id, input, n }) => {
  const inp = Buffer.from(input);
  const out = Buffer.alloc(n * ${OUTPUT_BYTES});
  for (let i = 0; i < n; i++) {
    const at = i * ${INPUT_BYTES};
    try {
      const pub = ecdsaRecover(inp.subarray(at, at + 64), inp[at + 64], inp.subarray(at + 65, at + ${INPUT_BYTES}), false);
      out[i * ${OUTPUT_BYTES}] = 1;
      out.set(pub.subarray(1), i * ${OUTPUT_BYTES} + 1);
    } catch {
      out[i * ${OUTPUT_BYTES}] = 0;
    }
  }
  parentPort.postMessage({ id, out: out.buffer }, [out.buffer]);
});
`;

interface Job {
  tx: ParsedTx;
  input: RecoveryInput;
  done: () => void;
}

/**
 * Sender recovery off the event loop when submissions crowd it. Measured (BENCHMARKS.md, "The leader's CPU at 256
 * clients"): at 256 clients the leader's one thread is the orderer's bottleneck, and libsecp256k1's `ecdsaRecover`
 * was a third of its busy time, while the machine's other core had room. With more than `inlineUpTo` submissions in
 * progress, recoveries queue and go to one worker thread in batches (one message each way per batch); otherwise, as
 * at one client, where the thread hop would only add latency, they run inline as before.
 *
 * Order is kept: a recovery runs inline only when nothing is queued or in the worker, and batches come back in the
 * order they were sent, so submissions reach admission (the nonce check) in the order they arrived. A signature the
 * worker cannot recover is left to the inline path, which throws the transaction's own 400.
 */
export class SenderRecovery {
  private worker: Worker | null = null;
  private queue: Job[] = [];
  private inFlight: Job[] | null = null;
  private flushScheduled = false;
  private nextId = 0;
  private closed = false;

  /**
   * `inlineUpTo`: 32 by default. Measured (`bench/cpu.ts`, alternating, load 7-20; BENCHMARKS.md): at 16 clients the
   * worker took about 50 µs per transaction off the leader's event loop but added about 75 µs in all (batches of a few
   * cost a message each way), on a cell where the event loop is not the bottleneck. At 256 clients the total stays
   * about the same while the event loop's share falls by a third to a half; at 64 clients it falls by 8-37 %, the
   * total rising by up to a fifth on the least loaded runs.
   */
  constructor(private readonly inlineUpTo = 32) {}

  /**
   * Makes `tx.senderKey` ready without recovering on this thread when `inProgress` submissions crowd it: resolves
   * once the worker answered. Reading `senderKey` afterwards (and every other path) behaves as without it.
   */
  async recover(tx: ParsedTx, inProgress: number): Promise<void> {
    if (this.closed || (inProgress <= this.inlineUpTo && this.queue.length === 0 && this.inFlight === null)) return;
    const input = pendingRecovery(tx);
    if (input === null) return;
    await new Promise<void>((done) => {
      this.queue.push({ tx, input, done });
      this.scheduleFlush();
    });
  }

  close(): void {
    this.fail();
    void this.worker?.terminate();
  }

  /** Started on first use: a node that never sees concurrent submissions (a follower, a test) runs no thread. */
  private started(): Worker {
    if (this.worker !== null) return this.worker;
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { secp256k1: require.resolve("secp256k1") } });
    w.unref();
    w.on("message", (m: { out: ArrayBuffer }) => this.answered(Buffer.from(m.out)));
    w.on("error", () => this.fail());
    this.worker = w;
    return w;
  }

  /** The queue goes at the end of this turn, so the submissions that arrived in it share a message. */
  private scheduleFlush(): void {
    if (this.flushScheduled || this.inFlight !== null) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.inFlight !== null || this.queue.length === 0) return;
    const jobs = this.queue;
    this.queue = [];
    const input = Buffer.alloc(jobs.length * INPUT_BYTES);
    jobs.forEach((j, i) => {
      const at = i * INPUT_BYTES;
      j.input.sig.copy(input, at);
      input[at + 64] = j.input.recid;
      j.input.digest.copy(input, at + 65);
    });
    this.inFlight = jobs;
    this.started().postMessage({ id: this.nextId++, input: input.buffer, n: jobs.length }, [input.buffer]);
  }

  private answered(out: Buffer): void {
    const jobs = this.inFlight ?? [];
    this.inFlight = null;
    jobs.forEach((j, i) => {
      const at = i * OUTPUT_BYTES;
      if (out[at] === 1) recoveredKey(j.tx, out.subarray(at + 1, at + OUTPUT_BYTES));
      j.done();
    });
    this.flush();
  }

  /** The worker is gone: everything waiting recovers inline (each `done` lets its submission go on). */
  private fail(): void {
    this.closed = true;
    const jobs = [...(this.inFlight ?? []), ...this.queue];
    [this.inFlight, this.queue] = [null, []];
    for (const j of jobs) j.done();
  }
}
