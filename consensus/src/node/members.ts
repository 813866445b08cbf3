import path from "node:path";
import { CheckpointFile } from "../chain/checkpoint";
import type { OrdererConfig } from "../config/schema";
import type { ConfState } from "../core";
import { peerApiUrl } from "./peer-api";

/** Where a member is reached: its Raft listener, its client API, and optionally its pinned peer certificate. */
export interface MemberAddress {
  id: string;
  raftHost: string;
  raftPort: number;
  apiUrl: string;
  fingerprint?: string;
}

/** A configuration change as the node writes it into the log: the core's fields plus the new member's address. */
export interface AddressedConfChange {
  op: string;
  id: string;
  address?: MemberAddress;
}

/** The transport's side of a membership change (the TCP transport has both; an in-memory one may have neither). */
export interface PeerLinks {
  setPeer?(peer: { id: string; host: string; port: number; fingerprint?: string }): void;
  removePeer?(id: string): void;
}

const FILE = "members.json";

function validate(value: unknown): MemberAddress[] {
  if (!Array.isArray(value)) throw new Error(`${FILE}: expected an array of member addresses`);
  for (const m of value as MemberAddress[]) {
    if (typeof m?.id !== "string" || typeof m.raftHost !== "string" || !Number.isInteger(m.raftPort) || typeof m.apiUrl !== "string") {
      throw new Error(`${FILE}: malformed member address ${JSON.stringify(m)}`);
    }
  }
  return value as MemberAddress[];
}

/**
 * Every member's addresses, the Raft configuration's companion. The configuration itself (ids and roles) lives in
 * the Raft log and snapshots; the addresses of members added at run time ride in their configuration entries, and
 * this directory keeps them in `dataDir/members.json` (replaced atomically), so a restarted node reaches the members
 * its config file never named, and no longer dials one that was removed. A node whose file does not exist yet seeds
 * it from its config's `peers`; a joining node from the member it joins through (`join.ts`).
 */
export class MemberDirectory {
  private readonly byId = new Map<string, MemberAddress>();
  private readonly file: CheckpointFile<MemberAddress[]>;

  constructor(
    private readonly cfg: OrdererConfig,
    private readonly explicit: Readonly<Record<string, string>>,
  ) {
    this.file = new CheckpointFile(path.join(cfg.dataDir, FILE), validate);
    const stored = this.file.read();
    for (const m of stored ?? this.fromConfig()) this.byId.set(m.id, m);
  }

  /** Whether the directory was ever written (a node that joined, or saw a membership change). */
  static exists(cfg: OrdererConfig): boolean {
    return new CheckpointFile(path.join(cfg.dataDir, FILE), validate).read() !== undefined;
  }

  /** Writes a joining node's first directory, read from a running member. */
  static seed(cfg: OrdererConfig, members: MemberAddress[]): void {
    new CheckpointFile(path.join(cfg.dataDir, FILE), validate).write(members);
  }

  private fromConfig(): MemberAddress[] {
    return this.cfg.peers.map((p) => ({
      id: p.id,
      raftHost: p.host,
      raftPort: p.port,
      apiUrl: peerApiUrl(this.cfg, {}, p.id)!,
      ...(p.fingerprint === undefined ? {} : { fingerprint: p.fingerprint }),
    }));
  }

  get(id: string): MemberAddress | undefined {
    return this.byId.get(id);
  }

  all(): MemberAddress[] {
    return [...this.byId.values()];
  }

  /** A member's client API: `--peer-api` first, then the directory. Null for a node it does not know. */
  apiUrl(id: string): string | null {
    return this.explicit[id] ?? this.byId.get(id)?.apiUrl ?? null;
  }

  /**
   * Points the transport at every member the directory knows (other than this node) and drops `removed` peers the
   * directory does not know: at start, `removed` is the config file's peers, some of which may have left since.
   */
  syncLinks(links: PeerLinks, removed: readonly string[] = []): void {
    for (const id of removed) if (!this.byId.has(id) && id !== this.cfg.id) links.removePeer?.(id);
    for (const a of this.byId.values()) {
      if (a.id === this.cfg.id) continue;
      links.setPeer?.({ id: a.id, host: a.raftHost, port: a.raftPort, ...(a.fingerprint === undefined ? {} : { fingerprint: a.fingerprint }) });
    }
  }

  /** Records addresses learnt from a member's `/v1/status` (members added while this node was away). */
  learn(found: readonly MemberAddress[]): boolean {
    const fresh = found.filter((a) => !this.byId.has(a.id));
    if (fresh.length === 0) return false;
    for (const a of fresh) this.byId.set(a.id, a);
    this.file.write(this.all());
    return true;
  }

  /**
   * A configuration entry was applied (`conf`: the configuration now in force). An added member's address is
   * recorded only when the core took the change (an entry refused at apply time is a no-op on every node), and a
   * removed member's forgotten; the file is rewritten before the transport changes, so a crash keeps the directory
   * at least as new as the links.
   */
  applied(cc: AddressedConfChange, conf: ConfState): boolean {
    const inConf = conf.members.some((m) => m.id === cc.id);
    const known = this.byId.get(cc.id);
    // Entries replayed after a restart change nothing that is already recorded.
    if (cc.address !== undefined && inConf && JSON.stringify(known) !== JSON.stringify({ ...cc.address, id: cc.id })) this.byId.set(cc.id, { ...cc.address, id: cc.id });
    else if (cc.op === "removeNode" && !inConf && known !== undefined) this.byId.delete(cc.id);
    else return false;
    this.file.write(this.all());
    return true;
  }
}
