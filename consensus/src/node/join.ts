import fs from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import type { MemberStatus } from "../api/types";
import type { OrdererConfig } from "../config/schema";
import { MemberDirectory, type MemberAddress } from "./members";

/** How long a joining node keeps asking the member it joins through (it may be restarting). */
const JOIN_WAIT_MS = 60_000;

/** The members a node's `GET /v1/status` lists with addresses. */
export async function memberAddresses(apiUrl: string, dispatcher?: object): Promise<{ members: MemberStatus[]; addresses: MemberAddress[] }> {
  const res = await fetch(`${apiUrl.replace(/\/$/, "")}/v1/status`, {
    signal: AbortSignal.timeout(5_000),
    ...(dispatcher === undefined ? {} : { dispatcher }),
  } as RequestInit);
  if (res.status !== 200) throw new Error(`${apiUrl}/v1/status answered ${res.status}`);
  const members = ((await res.json()) as { members?: MemberStatus[] }).members ?? [];
  const addresses: MemberAddress[] = [];
  for (const m of members) {
    const at = /^\[?(.*?)\]?:([0-9]+)$/.exec(m.raftAddress ?? "");
    if (at === null || m.apiUrl === undefined) continue;
    addresses.push({ id: m.id, raftHost: at[1]!, raftPort: Number(at[2]), apiUrl: m.apiUrl, ...(m.fingerprint === undefined ? {} : { fingerprint: m.fingerprint }) });
  }
  return { members, addresses };
}

/** Whether the Raft data directory holds anything: then the node restarts from it and `join` is not consulted. */
function hasRaftState(cfg: OrdererConfig): boolean {
  try {
    return fs.readdirSync(path.join(cfg.dataDir, "raft")).length > 0;
  } catch {
    return false;
  }
}

/**
 * A node with `join` and an empty data directory asks the member at that URL who the members are and where they
 * listen, and writes them as its member directory (`members.ts`): its transport then dials them and answers the
 * leader, which sends it a snapshot (or the log) and so the configuration; the blocks come from the peers' stores.
 * The operator adds the node first (`POST /v1/members`); a node the cluster does not list is refused here, so it
 * never bootstraps a cluster of its own.
 */
export async function prepareJoin(cfg: OrdererConfig, logger: Logger, dispatcher?: object): Promise<void> {
  if (cfg.join === undefined || hasRaftState(cfg) || MemberDirectory.exists(cfg)) return;
  const deadline = Date.now() + JOIN_WAIT_MS;
  let found: Awaited<ReturnType<typeof memberAddresses>>;
  for (;;) {
    try {
      found = await memberAddresses(cfg.join, dispatcher);
      break;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`join: ${cfg.join} did not answer: ${(err as Error).message}`, { cause: err });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  if (!found.members.some((m) => m.id === cfg.id)) {
    throw new Error(
      `join: ${cfg.id} is not a member of the cluster at ${cfg.join} (members: ${found.members.map((m) => m.id).join(", ")}); ` +
        `add it first: POST ${cfg.join}/v1/members`,
    );
  }
  MemberDirectory.seed(cfg, found.addresses);
  logger.info({ join: cfg.join, members: found.addresses.map((a) => a.id) }, "joining a running cluster");
}
