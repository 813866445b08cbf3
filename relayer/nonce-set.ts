/**
 * A set of nonces stored as sorted, disjoint, non-adjacent inclusive ranges, so a long run of delivered nonces stays
 * one entry in the checkpoint however many messages have been relayed.
 */
export type NonceRanges = Array<[bigint, bigint]>;

export function hasNonce(set: NonceRanges, n: bigint): boolean {
  let lo = 0;
  let hi = set.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [a, b] = set[mid]!;
    if (n < a) hi = mid - 1;
    else if (n > b) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Returns a new set with `n` added (merging with neighbouring ranges). */
export function addNonce(set: NonceRanges, n: bigint): NonceRanges {
  if (hasNonce(set, n)) return set;
  const out: NonceRanges = [];
  let cur: [bigint, bigint] = [n, n];
  let placed = false;
  for (const r of set) {
    if (placed || r[1] + 1n < cur[0]) {
      out.push(r);
    } else if (cur[1] + 1n < r[0]) {
      out.push(cur, r);
      placed = true;
    } else {
      cur = [r[0] < cur[0] ? r[0] : cur[0], r[1] > cur[1] ? r[1] : cur[1]];
    }
  }
  if (!placed) out.push(cur);
  return out;
}

export function nonceCount(set: NonceRanges): bigint {
  return set.reduce((acc, [a, b]) => acc + (b - a + 1n), 0n);
}
