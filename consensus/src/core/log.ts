/**
 * The Raft log as the core sees it (etcd-io/raft's raftLog): the durable `Storage` followed by an
 * `unstable` tail (entries and possibly a snapshot not yet persisted by the driver).
 */
import { CompactedError, InvariantError, UnavailableError } from "./errors";
import type { Storage } from "./storage";
import type { Entry, Snapshot } from "./types";

class Unstable {
  snapshot: Snapshot | undefined;
  entries: Entry[] = [];
  constructor(public offset: number) {}

  maybeFirstIndex(): number | undefined {
    return this.snapshot ? this.snapshot.meta.index + 1 : undefined;
  }

  maybeLastIndex(): number | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot ? this.snapshot.meta.index : undefined;
  }

  maybeTerm(i: number): number | undefined {
    if (i < this.offset) {
      if (this.snapshot && this.snapshot.meta.index === i) return this.snapshot.meta.term;
      return undefined;
    }
    const last = this.maybeLastIndex();
    if (last === undefined || i > last) return undefined;
    return this.entries[i - this.offset].term;
  }

  stableTo(i: number, t: number): void {
    const gt = this.maybeTerm(i);
    // Only entries still unstable with a matching term are stable; a newer leader may have replaced them.
    if (gt === t && i >= this.offset) {
      this.entries = this.entries.slice(i + 1 - this.offset);
      this.offset = i + 1;
    }
  }

  stableSnapTo(i: number): void {
    if (this.snapshot && this.snapshot.meta.index === i) this.snapshot = undefined;
  }

  restore(s: Snapshot): void {
    this.offset = s.meta.index + 1;
    this.entries = [];
    this.snapshot = s;
  }

  truncateAndAppend(ents: Entry[]): void {
    const after = ents[0].index;
    if (after === this.offset + this.entries.length) {
      this.entries = this.entries.concat(ents);
    } else if (after <= this.offset) {
      // Replaces the whole unstable tail; storage entries from `after` on are overwritten when persisted.
      this.offset = after;
      this.entries = [...ents];
    } else {
      this.entries = this.entries.slice(0, after - this.offset).concat(ents);
    }
  }

  slice(lo: number, hi: number): Entry[] {
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}

export class RaftLog {
  readonly unstable: Unstable;
  committed: number;
  applied: number;
  /**
   * The first index the driver has written but not yet made durable (a leader's write in flight,
   * `RawNode.advance(rd, { synced: false })`), or null. Storage serves those entries already;
   * only durability lags, so they may not count toward a commit yet.
   */
  private unsyncedFrom: number | null = null;

  constructor(readonly storage: Storage) {
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new Unstable(last + 1);
    this.committed = first - 1;
    this.applied = first - 1;
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  /**
   * The last index the driver has made durable and that is still part of this log: everything
   * before the unstable tail (0 while an unstable snapshot is pending, conservatively).
   */
  durableLastIndex(): number {
    if (this.unstable.snapshot !== undefined) return 0;
    const last = Math.min(this.unstable.offset - 1, this.storage.lastIndex());
    return this.unsyncedFrom === null ? last : Math.min(last, this.unsyncedFrom - 1);
  }

  /** Entries from `from` on are in storage but not durable yet. */
  markUnsynced(from: number): void {
    if (this.unsyncedFrom === null || from < this.unsyncedFrom) this.unsyncedFrom = from;
  }

  /** Entries up to `upTo` (all written so far when omitted) are durable. */
  markSynced(upTo = Infinity): void {
    if (this.unsyncedFrom === null || upTo < this.unsyncedFrom) return;
    this.unsyncedFrom = upTo >= this.lastIndex() ? null : upTo + 1;
  }

  get hasUnsynced(): boolean {
    return this.unsyncedFrom !== null;
  }

  lastTerm(): number {
    return this.term(this.lastIndex());
  }

  /** The term of entry i; 0 beyond the last index; throws `CompactedError` before the first. */
  term(i: number): number {
    const dummy = this.firstIndex() - 1;
    if (i < dummy) throw new CompactedError(i);
    if (i > this.lastIndex()) return 0;
    const t = this.unstable.maybeTerm(i);
    if (t !== undefined) return t;
    try {
      return this.storage.term(i);
    } catch (e) {
      if (e instanceof UnavailableError) return 0;
      throw e;
    }
  }

  /** Like `term` but compacted indices read as 0 (used where "unknown" simply means "no match"). */
  zeroTermOnCompacted(i: number): number {
    try {
      return this.term(i);
    } catch (e) {
      if (e instanceof CompactedError) return 0;
      throw e;
    }
  }

  matchTerm(i: number, t: number): boolean {
    if (i > this.lastIndex()) return false;
    try {
      return this.term(i) === t;
    } catch (e) {
      if (e instanceof CompactedError) return false;
      throw e;
    }
  }

  isUpToDate(lasti: number, term: number): boolean {
    const lt = this.lastTerm();
    return term > lt || (term === lt && lasti >= this.lastIndex());
  }

  /** Entries in [lo, hi); throws `CompactedError` when lo is compacted. */
  slice(lo: number, hi: number, maxSize = Infinity): Entry[] {
    if (lo > hi) throw new InvariantError(`invalid slice ${lo} > ${hi}`);
    if (lo < this.firstIndex()) throw new CompactedError(lo);
    if (hi > this.lastIndex() + 1) throw new InvariantError(`slice [${lo},${hi}) beyond last ${this.lastIndex()}`);
    if (lo === hi) return [];
    let out: Entry[] = [];
    const uoff = this.unstable.offset;
    if (lo < uoff) out = this.storage.entries(lo, Math.min(hi, uoff));
    if (hi > uoff) out = out.concat(this.unstable.slice(Math.max(lo, uoff), hi));
    return limitSize(out, maxSize);
  }

  entriesFrom(i: number, maxSize = Infinity): Entry[] {
    if (i > this.lastIndex()) return [];
    return this.slice(i, this.lastIndex() + 1, maxSize);
  }

  /** First index whose term differs from ours (0 if all match); entries beyond our log count as conflicts. */
  findConflict(ents: Entry[]): number {
    for (const e of ents) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * The largest index <= `index` whose term is <= `term`: the follower's hint for fast backtracking
   * (etcd's findConflictByTerm). Returns the index and the term found there.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    let i = Math.min(index, this.lastIndex());
    for (; i > 0; i--) {
      let t: number;
      try {
        t = this.term(i);
      } catch (e) {
        if (e instanceof CompactedError) return { index: i, term: 0 };
        throw e;
      }
      if (t <= term) return { index: i, term: t };
    }
    return { index: 0, term: 0 };
  }

  append(ents: Entry[]): number {
    if (ents.length === 0) return this.lastIndex();
    if (ents[0].index - 1 < this.committed) {
      throw new InvariantError(`append at ${ents[0].index} would overwrite committed ${this.committed}`);
    }
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  /** Follower-side append (AppendEntries receiver); returns the last new index, or undefined on mismatch. */
  maybeAppend(index: number, logTerm: number, committed: number, ents: Entry[]): number | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNew = index + ents.length;
    const ci = this.findConflict(ents);
    if (ci !== 0) {
      if (ci <= this.committed) throw new InvariantError(`entry ${ci} conflicts with committed ${this.committed}`);
      this.append(ents.slice(ci - (index + 1)));
    }
    this.commitTo(Math.min(committed, lastNew));
    return lastNew;
  }

  commitTo(c: number): void {
    if (c <= this.committed) return;
    if (c > this.lastIndex()) throw new InvariantError(`commit ${c} beyond last index ${this.lastIndex()}`);
    this.committed = c;
  }

  appliedTo(i: number): void {
    if (i === 0) return;
    if (i > this.committed || i < this.applied) {
      throw new InvariantError(`applied ${i} outside [${this.applied}, ${this.committed}]`);
    }
    this.applied = i;
  }

  hasNextEnts(): boolean {
    return this.committed > Math.max(this.applied, this.firstIndex() - 1);
  }

  nextEnts(): Entry[] {
    const off = Math.max(this.applied + 1, this.firstIndex());
    if (this.committed + 1 > off) return this.slice(off, this.committed + 1);
    return [];
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  restore(s: Snapshot): void {
    this.committed = s.meta.index;
    this.unstable.restore(s);
  }
}

function limitSize(ents: Entry[], maxSize: number): Entry[] {
  if (ents.length === 0 || maxSize === Infinity) return ents;
  let size = ents[0].data.length;
  let n = 1;
  for (; n < ents.length; n++) {
    size += ents[n].data.length;
    if (size > maxSize) break;
  }
  return ents.slice(0, n);
}
