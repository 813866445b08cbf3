import { CompactedError, UnavailableError } from "./errors";
import type { Entry } from "./types";

/**
 * Reads of an in-memory log window whose element 0 is a dummy entry standing for the snapshot position (its index
 * and term), as MemoryStorage and FileStorage both keep it. One implementation, so the two storages cannot drift.
 */
export function windowEntries(ents: readonly Entry[], lo: number, hi: number): Entry[] {
  const offset = ents[0]!.index;
  if (lo <= offset) throw new CompactedError(lo);
  if (hi > windowLastIndex(ents) + 1) throw new UnavailableError(hi - 1);
  return ents.slice(lo - offset, hi - offset);
}

export function windowTerm(ents: readonly Entry[], i: number): number {
  const offset = ents[0]!.index;
  if (i < offset) throw new CompactedError(i);
  if (i - offset >= ents.length) throw new UnavailableError(i);
  return ents[i - offset]!.term;
}

export function windowFirstIndex(ents: readonly Entry[]): number {
  return ents[0]!.index + 1;
}

export function windowLastIndex(ents: readonly Entry[]): number {
  return ents[0]!.index + ents.length - 1;
}
