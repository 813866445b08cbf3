/**
 * A bound on how many transactions a replay waits for at once. Each pending `wait()` of an ethers provider polls its
 * receipt at every new block, and an automining node mines a block per transaction, so thousands of waits at once
 * (2,000 participants registering) cost thousands of receipt requests a block: quadratic in the market's size.
 */
export const DIRECT_MAX_IN_FLIGHT = 64;

/**
 * Runs `task` over `items` with at most `limit` running at once, starting them in item order, and returns the
 * results in item order. With `limit` ≥ the number of items it starts every task at once, like `Promise.all`.
 */
export async function mapInFlight<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const k = next++;
      results[k] = await task(items[k]!, k);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}
