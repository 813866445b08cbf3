/**
 * The replicated configuration: who votes, who may campaign (the paper's candidate pool), and how a
 * single configuration change transforms it. Pure functions over `ConfState`.
 */
import { ConfigError, InvalidConfChangeError } from "./errors";
import { cloneConf } from "./storage";
import type { ConfChange, ConfState, ElectionMode, Member, NodeId, NodeRole } from "./types";

export function voters(conf: ConfState): NodeId[] {
  return conf.members.filter((m) => m.role !== "learner").map((m) => m.id);
}

export function learners(conf: ConfState): NodeId[] {
  return conf.members.filter((m) => m.role === "learner").map((m) => m.id);
}

/** Trading-centre voters that may campaign (restricted by an explicit `pool` when present). */
export function candidatePool(conf: ConfState): NodeId[] {
  const tc = conf.members.filter((m) => m.role === "trading-centre").map((m) => m.id);
  if (conf.pool === undefined) return tc;
  const pool = new Set(conf.pool);
  return tc.filter((id) => pool.has(id));
}

export function roleOf(conf: ConfState, id: NodeId): NodeRole | undefined {
  return conf.members.find((m) => m.id === id)?.role;
}

export function isVoter(conf: ConfState, id: NodeId): boolean {
  const r = roleOf(conf, id);
  return r !== undefined && r !== "learner";
}

/** Whether `id` may start (pre-)elections or accept a leadership transfer under `mode`. */
export function canCampaign(conf: ConfState, id: NodeId, mode: ElectionMode): boolean {
  if (!isVoter(conf, id)) return false;
  return mode === "standard" || candidatePool(conf).includes(id);
}

export function quorum(n: number): number {
  return Math.floor(n / 2) + 1;
}

export interface MembershipReport {
  voters: number;
  pool: NodeId[];
  warnings: string[];
}

/**
 * Refuses a configuration whose candidate pool is empty (no trading-centre voter could ever lead)
 * and warns when the pool cannot survive as many failures as the quorum can.
 */
export function validateMembership(conf: ConfState): MembershipReport {
  const ids = conf.members.map((m) => m.id);
  if (new Set(ids).size !== ids.length) throw new ConfigError(`duplicate member ids in ${ids.join(",")}`);
  const v = voters(conf);
  if (v.length === 0) throw new ConfigError("configuration has no voters");
  const pool = candidatePool(conf);
  if (pool.length === 0) {
    throw new ConfigError("candidate pool is empty: at least one trading-centre voter must be in the pool");
  }
  const tolerated = Math.floor((v.length - 1) / 2);
  const warnings: string[] = [];
  if (pool.length <= tolerated) {
    warnings.push(
      `candidate pool of ${pool.length} cannot survive ${tolerated} failures that a quorum of ${v.length} voters survives`,
    );
  }
  return { voters: v.length, pool, warnings };
}

const VOTER_ROLES: NodeRole[] = ["trading-centre", "participant"];

function withMember(conf: ConfState, id: NodeId, role: NodeRole): ConfState {
  const out = cloneConf(conf);
  const m = out.members.find((x) => x.id === id);
  if (m) m.role = role;
  else out.members.push({ id, role } as Member);
  if (out.pool !== undefined && role !== "trading-centre") out.pool = out.pool.filter((p) => p !== id);
  return out;
}

function requireMember(conf: ConfState, cc: ConfChange): NodeRole {
  const r = roleOf(conf, cc.id);
  if (r === undefined) throw new InvalidConfChangeError(`${cc.op}: ${cc.id} is not a member`);
  return r;
}

function transform(conf: ConfState, cc: ConfChange): ConfState {
  const role = roleOf(conf, cc.id);
  switch (cc.op) {
    case "addVoter": {
      const newRole = cc.role ?? "participant";
      if (!VOTER_ROLES.includes(newRole)) throw new InvalidConfChangeError(`addVoter: role ${newRole} does not vote`);
      if (role !== undefined && role !== "learner") throw new InvalidConfChangeError(`addVoter: ${cc.id} already votes`);
      return withMember(conf, cc.id, newRole);
    }
    case "addLearner":
      if (role === "learner") throw new InvalidConfChangeError(`addLearner: ${cc.id} is already a learner`);
      return withMember(conf, cc.id, "learner");
    case "promote": {
      if (requireMember(conf, cc) !== "learner") throw new InvalidConfChangeError(`promote: ${cc.id} is not a learner`);
      const newRole = cc.role ?? "participant";
      if (!VOTER_ROLES.includes(newRole)) throw new InvalidConfChangeError(`promote: role ${newRole} does not vote`);
      return withMember(conf, cc.id, newRole);
    }
    case "setRole":
      requireMember(conf, cc);
      if (cc.role === undefined) throw new InvalidConfChangeError("setRole: role is required");
      return withMember(conf, cc.id, cc.role);
    case "removeNode": {
      requireMember(conf, cc);
      const out = cloneConf(conf);
      out.members = out.members.filter((m) => m.id !== cc.id);
      if (out.pool !== undefined) out.pool = out.pool.filter((p) => p !== cc.id);
      return out;
    }
    case "refreshPool":
      return refreshPool(conf, cc.pool);
  }
}

function refreshPool(conf: ConfState, pool: NodeId[] | undefined): ConfState {
  if (pool === undefined || pool.length === 0) throw new InvalidConfChangeError("refreshPool: pool must not be empty");
  for (const id of pool) {
    if (roleOf(conf, id) !== "trading-centre") {
      throw new InvalidConfChangeError(`refreshPool: ${id} is not a trading-centre voter`);
    }
  }
  const out = cloneConf(conf);
  out.pool = [...new Set(pool)];
  return out;
}

/**
 * Applies one configuration change. Every change moves at most one voter in or out, so any two
 * consecutive configurations have overlapping majorities (Raft §6, single-server changes).
 * In `improved` mode a change that would leave the candidate pool empty is refused.
 */
export function applyConfChangeTo(conf: ConfState, cc: ConfChange, mode: ElectionMode): ConfState {
  const out = transform(conf, cc);
  if (voters(out).length === 0) throw new InvalidConfChangeError(`${cc.op} ${cc.id}: would leave no voters`);
  if (mode === "improved" && candidatePool(out).length === 0) {
    throw new InvalidConfChangeError(`${cc.op} ${cc.id}: would leave the candidate pool empty`);
  }
  return out;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export function encodeConfChange(cc: ConfChange): Uint8Array {
  return enc.encode(JSON.stringify(cc));
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  const v = JSON.parse(dec.decode(data)) as ConfChange;
  if (typeof v !== "object" || v === null || typeof v.op !== "string" || typeof v.id !== "string") {
    throw new InvalidConfChangeError("malformed configuration change entry");
  }
  return v;
}
