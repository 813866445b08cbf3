/**
 * Core configuration: defaults and validation in one place. Randomness is injected (`random`), so a
 * seeded generator makes every run reproducible.
 */
import { z } from "zod";
import { ConfigError } from "./errors";
import type { ElectionMode, NodeId } from "./types";

export interface RaftConfig {
  id: NodeId;
  /** Ticks without leader contact before a follower campaigns (randomized up to 2x). */
  electionTick: number;
  heartbeatTick: number;
  preVote: boolean;
  checkQuorum: boolean;
  mode: ElectionMode;
  /** Soft cap on payload bytes per append message (at least one entry is always sent). */
  maxSizePerMsg: number;
  /** Append messages in flight per follower in the replicate state. */
  maxInflight: number;
  /**
   * Randomized election timeout is drawn from (electionTick, electionTick * (1 + spread)] ticks:
   * Raft's usual [T, 2T) shifted one tick past the CheckQuorum lease (see `Raft`). The election
   * benchmark varies the spread.
   */
  electionSpread: number;
  /**
   * When the commit index advances, a leader normally sends it at once to every follower, in an
   * append with no entries if it has none (etcd's behaviour). With `lazyCommit` it sends only
   * appends that carry entries, which carry the commit index too; the driver calls
   * `RawNode.flushCommit()` a little later for followers still not told (`commitPending()`), and
   * heartbeats carry it regardless. Under a steady load that halves the messages per commit.
   */
  lazyCommit: boolean;
  /**
   * Index the state machine has already applied (on restart); defaults to the snapshot index. When
   * set beyond the snapshot, `storage.initialState().conf` must be the configuration as of `applied`,
   * since configuration entries up to it are not delivered again.
   */
  applied?: number;
  /** Uniform in [0, 1); seeded in tests and simulation. */
  random: () => number;
}

export type RaftConfigInput = Partial<RaftConfig> & { id: NodeId; random: () => number };

const schema = z
  .object({
    id: z.string().min(1, "id must be non-empty"),
    electionTick: z.number().int().positive().default(10),
    heartbeatTick: z.number().int().positive().default(1),
    preVote: z.boolean().default(true),
    checkQuorum: z.boolean().default(true),
    mode: z.enum(["improved", "standard"]).default("improved"),
    maxSizePerMsg: z.number().int().positive().default(1024 * 1024),
    maxInflight: z.number().int().positive().default(256),
    electionSpread: z.number().positive().max(10).default(1),
    lazyCommit: z.boolean().default(false),
    applied: z.number().int().nonnegative().optional(),
  })
  .strict();

/** Fills defaults and validates; throws `ConfigError` with the zod issues as `cause`. */
export function resolveConfig(input: RaftConfigInput): RaftConfig {
  const { random, ...rest } = input;
  if (typeof random !== "function") throw new ConfigError("config.random must be a function returning [0, 1)");
  const parsed = schema.safeParse(rest);
  if (!parsed.success) {
    const msg = parsed.error.issues.map((i) => `${i.path.join(".") || "config"}: ${i.message}`).join("; ");
    throw new ConfigError(`invalid raft config: ${msg}`, { cause: parsed.error });
  }
  const cfg: RaftConfig = { ...parsed.data, random };
  if (cfg.heartbeatTick >= cfg.electionTick) {
    throw new ConfigError(
      `invalid raft config: heartbeatTick (${cfg.heartbeatTick}) must be less than electionTick (${cfg.electionTick})`,
    );
  }
  return cfg;
}

/** A small seeded PRNG (mulberry32) for tests, simulation and benchmarks. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
