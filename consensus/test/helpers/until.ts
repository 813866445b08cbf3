const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every 100 ms until it answers something other than undefined; fails naming `what` after `timeoutMs`. */
export async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * Like `until`, but the answer must also be the same (by `key`) on two polls in a row. For cluster-wide views taken
 * one node at a time: a node's block store writes committed blocks up to 10 ms after they apply, and a follower learns
 * a commit only from the leader's next message, so every node can show the same head a moment before the last block.
 */
export async function untilStable<T>(probe: () => Promise<T | undefined>, key: (v: T) => string, timeoutMs: number, what: string): Promise<T> {
  let last: string | undefined;
  return until(async () => {
    const v = await probe();
    const k = v === undefined ? undefined : key(v);
    const stable = k !== undefined && k === last;
    last = k;
    return stable ? v : undefined;
  }, timeoutMs, what);
}
