import type { z } from "zod";
import type { Member } from "../core";
import { admissionSchema, type AdmissionConfig, type OrdererConfig, type PeerConfig } from "./schema";

/**
 * Rules that span fields. They run inside zod's superRefine so every problem carries the path of the
 * field to fix, exactly like a per-field rule.
 */
export function checkCrossFields(cfg: OrdererConfig, ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  const endpoints = new Map<string, number>();
  cfg.peers.forEach((p, i) => {
    if (seen.has(p.id)) {
      ctx.addIssue({ code: "custom", path: ["peers", i, "id"], message: `duplicate peer id "${p.id}"` });
    }
    seen.set(p.id, i);
    const ep = `${p.host}:${p.port}`;
    if (endpoints.has(ep)) {
      ctx.addIssue({ code: "custom", path: ["peers", i, "port"], message: `address ${ep} is used by another peer` });
    }
    endpoints.set(ep, i);
    if (p.id === cfg.id && p.role !== cfg.role) {
      ctx.addIssue({
        code: "custom",
        path: ["peers", i, "role"],
        message: `this node's own peer entry says role "${p.role}" but role is "${cfg.role}"`,
      });
    }
    if (p.id === cfg.id && p.httpPort !== undefined && cfg.listen.httpPort !== 0 && p.httpPort !== cfg.listen.httpPort) {
      ctx.addIssue({
        code: "custom",
        path: ["peers", i, "httpPort"],
        message: `this node's own peer entry has httpPort ${p.httpPort} but listen.httpPort is ${cfg.listen.httpPort}`,
      });
    }
    if (p.id !== cfg.id && p.fingerprint === undefined && cfg.tls.caFile === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["peers", i, "fingerprint"],
        message: `is required for peer "${p.id}" unless tls.caFile names the consortium CA`,
      });
    }
    if (p.httpPort !== undefined && p.httpPort === p.port) {
      ctx.addIssue({ code: "custom", path: ["peers", i, "httpPort"], message: "must differ from the peer's raft port" });
    }
    if (p.id === cfg.id && cfg.listen.raftPort !== 0 && p.port !== cfg.listen.raftPort) {
      ctx.addIssue({
        code: "custom",
        path: ["peers", i, "port"],
        message: `this node's own peer entry has port ${p.port} but listen.raftPort is ${cfg.listen.raftPort}`,
      });
    }
  });
  if (cfg.listen.raftPort !== 0 && cfg.listen.raftPort === cfg.listen.httpPort) {
    ctx.addIssue({ code: "custom", path: ["listen", "httpPort"], message: "must differ from listen.raftPort" });
  }
  // A joining node learns the configuration from the cluster; its own `peers` may be empty.
  if (cfg.mode === "improved" && cfg.join === undefined && candidatePool(cfg).length === 0) {
    ctx.addIssue({
      code: "custom",
      path: ["peers"],
      message: "the candidate pool is empty: improved mode needs at least one trading-centre node",
    });
  }
  checkAdmission(cfg, ctx);
  if (cfg.api.tls?.requestClientCert === true && cfg.api.tls.caFile === undefined) {
    ctx.addIssue({ code: "custom", path: ["api", "tls", "caFile"], message: "is required when requestClientCert is true" });
  }
  if (cfg.transport.reconnectMaxMs < cfg.transport.reconnectMinMs) {
    ctx.addIssue({ code: "custom", path: ["transport", "reconnectMaxMs"], message: "must be >= reconnectMinMs" });
  }
}

function checkAdmission(cfg: OrdererConfig, ctx: z.RefinementCtx): void {
  if (cfg.admission !== undefined && cfg.marketAddress !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["marketAddress"],
      message: "set admission.registry only (marketAddress is its older name)",
    });
  }
  if ((cfg.admission !== undefined || cfg.marketAddress !== undefined) && cfg.chain === undefined) {
    ctx.addIssue({
      code: "custom",
      path: [cfg.admission !== undefined ? "admission" : "marketAddress", ...(cfg.admission !== undefined ? ["registry"] : [])],
      message: "admission reads the registry on the chain: set chain.rpcUrl too",
    });
  }
}

/**
 * The admission settings in force: the `admission` section, or the older `marketAddress` read as a
 * registry without operators; null admits every well-formed transaction.
 */
export function admissionSettings(cfg: OrdererConfig): AdmissionConfig | null {
  if (cfg.admission !== undefined) return cfg.admission;
  if (cfg.marketAddress === undefined) return null;
  return admissionSchema.parse({ registry: cfg.marketAddress });
}

/** Every member of the initial cluster, this node included, with its role. */
export function clusterMembers(cfg: OrdererConfig): Member[] {
  const members: Member[] = cfg.peers.map((p) => ({ id: p.id, role: p.role }));
  if (!members.some((m) => m.id === cfg.id)) members.unshift({ id: cfg.id, role: cfg.role });
  return members;
}

/** The peers this node talks to (its own entry, if listed, left out). */
export function remotePeers(cfg: OrdererConfig): PeerConfig[] {
  return cfg.peers.filter((p) => p.id !== cfg.id);
}

/** Trading-centre members: the nodes that may campaign in improved mode. */
export function candidatePool(cfg: OrdererConfig): string[] {
  return clusterMembers(cfg)
    .filter((m) => m.role === "trading-centre")
    .map((m) => m.id);
}

/**
 * Problems that do not stop the node but deserve a log line: a pool that dies before the quorum does
 * means the cluster can lose liveness while a majority of voters is still up.
 */
export function configWarnings(cfg: OrdererConfig): string[] {
  const warnings: string[] = [];
  const voters = clusterMembers(cfg).filter((m) => m.role !== "learner").length;
  const quorumTolerates = Math.floor((voters - 1) / 2);
  const pool = candidatePool(cfg).length;
  if (cfg.mode === "improved" && pool > 0 && pool - 1 < quorumTolerates) {
    warnings.push(
      `candidate pool of ${pool} survives ${pool - 1} failure(s) but the ${voters}-voter quorum survives ` +
        `${quorumTolerates}: losing every trading-centre node leaves no eligible leader`,
    );
  }
  if (!cfg.storage.fsync) warnings.push("storage.fsync is off: a crash can lose acknowledged writes");
  return warnings;
}
