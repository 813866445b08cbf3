import type { Logger } from "pino";
import { BadRequestError, ConflictError, NotFoundError } from "../api/errors";
import type { MemberChange, MemberRequest, MemberStatus } from "../api/types";
import { InvalidConfChangeError, NotLeaderError, type ConfChange, type ConfState, type RawNode } from "../core";
import { ClockWaiters } from "./clock";
import { memberAddresses } from "./join";
import type { AddressedConfChange, MemberDirectory, PeerLinks } from "./members";

export interface MemberAdminDeps {
  id: string;
  raw: RawNode;
  directory: MemberDirectory;
  links: PeerLinks;
  logger: Logger;
  /** Resolves once this node leads and serves (node.ts's `awaitLeadership`); throws NotLeaderError naming the leader. */
  awaitLeadership(): Promise<void>;
  /** The current leader's id, for a NotLeaderError raised after the wait. */
  leader(): string | null;
  /** Runs the Ready loop soon: the proposal goes out. */
  proposed(): void;
  waitMs: number;
  /** How this node reaches its peers' APIs over HTTPS (`api-tls.ts`). */
  dispatcher?: object;
  /** The config file's peers: the transport dials them at first, though some may have been removed since. */
  configPeers: readonly string[];
}

/**
 * Run-time membership (`POST /v1/members`, `DELETE /v1/members/{id}`): the leader proposes one configuration change
 * through the Raft core (single-server changes, `core/membership.ts`), carrying the new member's addresses in the
 * entry, and answers once the entry applied here. Every node applies the entry alike: the core's configuration
 * changes, the directory (`members.ts`) records or forgets the addresses, and the transport dials or drops the peer.
 */
export class MemberAdmin {
  private readonly waiters = new ClockWaiters("the membership change");

  constructor(private readonly d: MemberAdminDeps) {
    d.directory.syncLinks(d.links, d.configPeers);
  }

  async add(req: MemberRequest): Promise<MemberChange> {
    const conf = await this.leaderConf();
    if (conf.members.some((m) => m.id === req.id)) throw new ConflictError(`${req.id} is already a member`);
    const current = new Set(conf.members.map((m) => m.id));
    const clash = this.d.directory
      .all()
      .find((a) => current.has(a.id) && ((a.raftHost === req.raftHost && a.raftPort === req.raftPort) || a.apiUrl === req.apiUrl));
    if (clash !== undefined) throw new ConflictError(`member ${clash.id} already uses ${req.raftHost}:${req.raftPort} or ${req.apiUrl}`);
    const { id, raftHost, raftPort, apiUrl, fingerprint } = req;
    const address = { id, raftHost, raftPort, apiUrl, ...(fingerprint === undefined ? {} : { fingerprint }) };
    return this.propose({ op: "addVoter", id, role: req.role === "pool" ? "trading-centre" : "participant", address });
  }

  async remove(id: string): Promise<MemberChange> {
    const conf = await this.leaderConf();
    if (!conf.members.some((m) => m.id === id)) throw new NotFoundError(`${id} is not a member`);
    return this.propose({ op: "removeNode", id });
  }

  /** A configuration entry applied on this node (`conf`: the configuration in force after it). */
  applied(index: number, cc: AddressedConfChange, conf: ConfState): void {
    if (this.d.directory.applied(cc, conf)) {
      this.d.directory.syncLinks(this.d.links, [cc.id]);
      this.d.logger.info({ index, op: cc.op, member: cc.id, members: conf.members.map((m) => m.id) }, "membership changed");
      if (cc.op === "removeNode" && cc.id === this.d.id) this.d.logger.warn("this node was removed from the cluster: stop it");
    }
    this.waiters.applied(index, true);
  }

  /** Any other entry applied: a waiter for that index had its configuration change overwritten by a new leader. */
  appliedOther(index: number): void {
    this.waiters.applied(index, false);
  }

  leadershipLost(err: Error): void {
    this.waiters.failAll(err);
  }

  /**
   * A snapshot installed a configuration naming members this node has no address for (added while it was away, their
   * entries compacted): it asks the members it knows for their `/v1/status` and dials the newcomers.
   */
  async learnAddresses(conf: ConfState): Promise<void> {
    if (conf.members.every((m) => m.id === this.d.id || this.d.directory.get(m.id) !== undefined)) return;
    for (const known of this.d.directory.all()) {
      if (known.id === this.d.id) continue;
      try {
        const { addresses } = await memberAddresses(known.apiUrl, this.d.dispatcher);
        if (this.d.directory.learn(addresses)) this.d.directory.syncLinks(this.d.links);
        return;
      } catch (err) {
        this.d.logger.warn({ err, peer: known.id }, "could not read the members' addresses from a peer");
      }
    }
  }

  /** Who the consortium's nodes are over HTTPS (blocks, membership): the configuration's members and their pins. */
  trust(): { id: string; role: string; fingerprint?: string }[] {
    return this.d.raw.status().conf.members.map((m) => {
      const fingerprint = this.d.directory.get(m.id)?.fingerprint;
      return fingerprint === undefined ? { id: m.id, role: m.role } : { id: m.id, role: m.role, fingerprint };
    });
  }

  /** The members with their addresses, as `/v1/status` lists them. */
  status(conf: ConfState): MemberStatus[] {
    return conf.members.map((m) => {
      const a = this.d.directory.get(m.id);
      if (a === undefined) return { ...m };
      const host = a.raftHost.includes(":") ? `[${a.raftHost}]` : a.raftHost;
      return { ...m, raftAddress: `${host}:${a.raftPort}`, apiUrl: a.apiUrl, ...(a.fingerprint === undefined ? {} : { fingerprint: a.fingerprint }) };
    });
  }

  private async leaderConf(): Promise<ConfState> {
    await this.d.awaitLeadership();
    if (!this.d.raw.isLeader) throw new NotLeaderError(this.d.leader());
    return this.d.raw.status().conf;
  }

  private async propose(cc: AddressedConfChange & { role?: string }): Promise<MemberChange> {
    let index: number;
    try {
      // The core serialises the whole object into the entry: the address travels with the change.
      index = this.d.raw.proposeConfChange(cc as ConfChange).index;
    } catch (err) {
      if (err instanceof InvalidConfChangeError) throw new BadRequestError(err.message);
      throw err;
    }
    this.d.proposed();
    await this.waiters.wait(index, this.d.waitMs);
    return { index, members: this.status(this.d.raw.status().conf) };
  }
}
