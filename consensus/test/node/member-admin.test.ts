import { expect } from "chai";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import pino, { type Logger } from "pino";
import { BadRequestError, ConflictError, LeaderUnavailableError, NotFoundError } from "../../src/api/errors";
import type { MemberRequest } from "../../src/api/types";
import { InvalidConfChangeError, NotLeaderError, type ConfState, type RawNode } from "../../src/core";
import { MemberAdmin } from "../../src/node/member-admin";
import { MemberDirectory, type MemberAddress, type PeerLinks } from "../../src/node/members";
import { KEY, nodeConfig, THREE_PEERS } from "./config-fixture";

const member = (id: string, role: "trading-centre" | "participant" = "participant") => ({ id, role });
const CONF: ConfState = { members: [member("n1", "trading-centre"), member("n2", "trading-centre"), member("n3")] };
const N4: MemberRequest = { id: "n4", raftHost: "fd00::4", raftPort: 7004, apiUrl: "http://n4:7104", role: "participant" };

/**
 * The admin of leader n1 over a real member directory (config peers n1-n3, or `seed`), a core stub that records proposals and
 * answers `status().conf` with `conf`, and links that record what the directory tells them.
 */
function rig(o: { leader?: boolean; conf?: ConfState; seed?: MemberAddress[] } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-member-admin-"));
  const cfg = nodeConfig({ dataDir: dir, peers: THREE_PEERS });

  if (o.seed !== undefined) MemberDirectory.seed(cfg, o.seed);
  const directory = new MemberDirectory(cfg, {});
  const state = { conf: o.conf ?? CONF, leader: o.leader ?? true, next: 10, refuse: null as Error | null };
  const proposals: unknown[] = [];
  const raw = {
    get isLeader() {
      return state.leader;
    },
    status: () => ({ conf: state.conf }),
    proposeConfChange: (cc: unknown) => {
      if (state.refuse !== null) throw state.refuse;
      proposals.push(cc);
      return { index: state.next++ };
    },
  };
  const linked: string[] = [];
  const links: PeerLinks = { setPeer: (p) => linked.push(`+${p.id}@${p.host}:${p.port}`), removePeer: (id) => linked.push(`-${id}`) };
  const logged: string[] = [];
  /** The fields of each info line, in order. */
  const infoFields: object[] = [];
  const logger = {
    info: (o: object, m: string) => (infoFields.push(o), logged.push(`info: ${m}`)),
    warn: (a: object | string, m?: string) => logged.push(`warn: ${m ?? a}`),
  } as unknown as Logger;
  let kicks = 0;
  const admin = new MemberAdmin({
    id: "n1",
    raw: raw as unknown as RawNode,
    directory,
    links,
    logger,
    awaitLeadership: async () => {},
    leader: () => "n2",
    proposed: () => kicks++,
    waitMs: 10_000,
    configPeers: ["n1", "n2", "n3", "n9"],
  });
  return { dir, directory, state, proposals, linked, logged, infoFields, admin, kicks: () => kicks };
}

describe("node/member-admin: run-time membership (POST /v1/members, DELETE /v1/members/{id})", function () {
  let r: ReturnType<typeof rig>;
  afterEach(function () {
    r.admin.leadershipLost(new Error("test over"));
    fs.rmSync(r.dir, { recursive: true, force: true });
  });

  it("at start, dials the directory's members and drops config peers it no longer lists", function () {
    r = rig();
    expect(r.linked).to.deep.equal(["-n9", "+n2@10.0.0.2:7002", "+n3@10.0.0.3:7003"]);
  });

  describe("when the leader adds a member", function () {
    it("proposes one change carrying the new member's address and answers once it applied here", async function () {
      r = rig();
      const pending = r.admin.add({ ...N4, role: "pool", fingerprint: KEY });
      await new Promise((res) => setImmediate(res));
      expect(r.proposals).to.deep.equal([
        { op: "addVoter", id: "n4", role: "trading-centre", address: { id: "n4", raftHost: "fd00::4", raftPort: 7004, apiUrl: "http://n4:7104", fingerprint: KEY } },
      ]);
      expect(r.kicks()).to.equal(1);
      const conf = { members: [...CONF.members, member("n4", "trading-centre")] };
      r.state.conf = conf;
      r.admin.applied(10, r.proposals[0] as never, conf);
      const change = await pending;
      expect(change.index).to.equal(10);
      expect(change.members.at(-1)).to.deep.equal({ id: "n4", role: "trading-centre", raftAddress: "[fd00::4]:7004", apiUrl: "http://n4:7104", fingerprint: KEY });
      expect(r.linked.slice(3)).to.deep.equal(["+n2@10.0.0.2:7002", "+n3@10.0.0.3:7003", "+n4@fd00::4:7004"]);
      expect(r.logged).to.deep.equal(["info: membership changed"]);
    });

    it("adds a participant without a pin as a participant", async function () {
      r = rig();
      const pending = r.admin.add(N4);
      await new Promise((res) => setImmediate(res));
      expect(r.proposals).to.deep.equal([{ op: "addVoter", id: "n4", role: "participant", address: { id: "n4", raftHost: "fd00::4", raftPort: 7004, apiUrl: "http://n4:7104" } }]);
      r.admin.appliedOther(10);
      await expect(pending).to.be.rejectedWith(LeaderUnavailableError, "leadership changed: entry 10 is not the membership change; retry");
    });

    it("refuses a member that exists, or the Raft or API address of a current member", async function () {
      r = rig();
      await expect(r.admin.add({ ...N4, id: "n3" })).to.be.rejectedWith(ConflictError, "n3 is already a member");
      await expect(r.admin.add({ ...N4, raftHost: "10.0.0.2", raftPort: 7002 })).to.be.rejectedWith(ConflictError, "member n2 already uses 10.0.0.2:7002 or http://n4:7104");
      await expect(r.admin.add({ ...N4, apiUrl: "http://10.0.0.3:7103" })).to.be.rejectedWith(ConflictError, "member n3 already uses fd00::4:7004 or http://10.0.0.3:7103");
      // The same host on another port is another member.
      const p = r.admin.add({ ...N4, raftHost: "10.0.0.2", raftPort: 7005 });
      await new Promise((res) => setImmediate(res));
      expect(r.proposals).to.have.length(1);
      r.admin.leadershipLost(new LeaderUnavailableError("lost"));
      await expect(p).to.be.rejectedWith("lost");
    });

    it("takes a member on a current member's Raft port at another host (every machine may use the same port)", async function () {
      r = rig();
      const p = r.admin.add({ ...N4, raftHost: "10.0.0.4", raftPort: 7002 });
      await new Promise((res) => setImmediate(res));
      expect(r.proposals).to.deep.equal([
        { op: "addVoter", id: "n4", role: "participant", address: { id: "n4", raftHost: "10.0.0.4", raftPort: 7002, apiUrl: "http://n4:7104" } },
      ]);
      r.admin.leadershipLost(new LeaderUnavailableError("lost"));
      await expect(p).to.be.rejectedWith("lost");
    });

    it("takes the address of a removed member that the directory still lists", async function () {
      r = rig({ conf: { members: [member("n1", "trading-centre"), member("n2", "trading-centre")] } });
      void r.admin.add({ ...N4, raftHost: "10.0.0.3", raftPort: 7003 }).catch(() => {});
      await new Promise((res) => setImmediate(res));
      expect(r.proposals).to.have.length(1);
    });

    it("answers a change the core refuses as a bad request, and passes other errors on", async function () {
      r = rig();
      r.state.refuse = new InvalidConfChangeError("a second learner");
      await expect(r.admin.add(N4)).to.be.rejectedWith(BadRequestError, "a second learner");
      r.state.refuse = new RangeError("boom");
      await expect(r.admin.add(N4)).to.be.rejectedWith(RangeError, "boom");
      expect(r.kicks()).to.equal(0);
    });

    it("refuses on a node that is not the leader, naming the leader", async function () {
      r = rig({ leader: false });
      const err = await r.admin.add(N4).catch((e: Error) => e);
      expect(err).to.be.instanceOf(NotLeaderError);
      expect((err as NotLeaderError).leader).to.equal("n2");
    });
  });

  describe("when the leader removes a member", function () {
    it("proposes its removal, and refuses a node that is not a member", async function () {
      r = rig();
      await expect(r.admin.remove("n9")).to.be.rejectedWith(NotFoundError, "n9 is not a member");
      const pending = r.admin.remove("n3");
      await new Promise((res) => setImmediate(res));
      expect(r.proposals).to.deep.equal([{ op: "removeNode", id: "n3" }]);
      const conf = { members: CONF.members.slice(0, 2) };
      r.state.conf = conf;
      r.admin.applied(10, { op: "removeNode", id: "n3" }, conf);
      expect((await pending).members.map((m) => m.id)).to.deep.equal(["n1", "n2"]);
      expect(r.linked.slice(3)).to.deep.equal(["-n3", "+n2@10.0.0.2:7002"]);
    });

    it("warns when this node itself was removed", function () {
      r = rig();
      r.admin.applied(7, { op: "removeNode", id: "n1" }, { members: CONF.members.slice(1) });
      expect(r.logged).to.deep.equal(["info: membership changed", "warn: this node was removed from the cluster: stop it"]);
      r.admin.applied(8, { op: "removeNode", id: "n2" }, { members: [CONF.members[2]!] });
      expect(r.logged.slice(2)).to.deep.equal(["info: membership changed"]);
    });

    it("logs each change with its entry, member and members, and does not warn a node applying its own addition", function () {
      r = rig();
      // A joining node replays the entry that added it (here n1, at an address the directory did not hold).
      const self = { id: "n1", raftHost: "10.0.0.1", raftPort: 7001, apiUrl: "http://10.0.0.1:7101" };
      r.admin.applied(6, { op: "addVoter", id: "n1", address: self }, CONF);
      r.admin.applied(7, { op: "removeNode", id: "n3" }, { members: CONF.members.slice(0, 2) });
      expect(r.logged).to.deep.equal(["info: membership changed", "info: membership changed"]);
      expect(r.infoFields).to.deep.equal([
        { index: 6, op: "addVoter", member: "n1", members: ["n1", "n2", "n3"] },
        { index: 7, op: "removeNode", member: "n3", members: ["n1", "n2"] },
      ]);
    });

    it("changes nothing for an entry the directory already holds (a replay)", function () {
      r = rig();
      r.admin.applied(7, { op: "removeNode", id: "n9" }, CONF);
      expect(r.linked).to.have.length(3);
      expect(r.logged).to.deep.equal([]);
    });
  });

  describe("status and trust", function () {
    it("lists members with their Raft address (IPv6 in brackets), API URL and pin; unknown ones bare", function () {
      r = rig();
      r.directory.learn([{ id: "n4", raftHost: "fd00::4", raftPort: 7004, apiUrl: "http://n4" }]);
      const status = r.admin.status({ members: [...CONF.members, member("n4"), member("n5")] });
      expect(status[1]).to.deep.equal({ id: "n2", role: "trading-centre", raftAddress: "10.0.0.2:7002", apiUrl: "http://10.0.0.2:7102", fingerprint: r.directory.get("n2")!.fingerprint });
      expect(status[2]).to.deep.equal({ id: "n3", role: "participant", raftAddress: "10.0.0.3:7003", apiUrl: "http://10.0.0.3:7103" });
      expect(status[3]).to.deep.equal({ id: "n4", role: "participant", raftAddress: "[fd00::4]:7004", apiUrl: "http://n4" });
      expect(status[4]).to.deep.equal({ id: "n5", role: "participant" });
    });

    it("trusts the configuration's members, with the pins the directory holds; a member it has no address for unpinned", function () {
      r = rig();
      r.state.conf = { members: [...CONF.members, member("n7")] };
      expect(r.admin.trust().at(-1)).to.deep.equal({ id: "n7", role: "participant" });
      r.state.conf = CONF;
      expect(r.admin.trust()).to.deep.equal([
        { id: "n1", role: "trading-centre", fingerprint: r.directory.get("n1")!.fingerprint },
        { id: "n2", role: "trading-centre", fingerprint: r.directory.get("n2")!.fingerprint },
        { id: "n3", role: "participant" },
      ]);
    });
  });

  describe("when a snapshot names members this node has no address for", function () {
    let server: http.Server;
    let asked = 0;
    afterEach(async function () {
      await new Promise((res) => server.close(res));
    });

    it("asks a peer it knows for their addresses and dials them; asks nobody when it knows them all", async function () {
      server = http.createServer((_req, res) => {
        asked++;
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ members: [{ id: "n4", raftAddress: "10.0.0.4:7004", apiUrl: "http://n4" }] }));
      });
      await new Promise<void>((res) => server.listen(0, "127.0.0.1", res));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      // n2 answers nothing (its API is a closed port), n3 answers.
      r = rig({
        seed: [
          { id: "n1", raftHost: "127.0.0.1", raftPort: 7001, apiUrl: url },
          { id: "n2", raftHost: "10.0.0.2", raftPort: 7002, apiUrl: "http://127.0.0.1:1" },
          { id: "n3", raftHost: "10.0.0.3", raftPort: 7003, apiUrl: url },
        ],
      });
      await r.admin.learnAddresses(CONF);
      expect(asked).to.equal(0);
      await r.admin.learnAddresses({ members: [...CONF.members, member("n4")] });
      expect(asked).to.equal(1);
      expect(r.directory.get("n4")).to.deep.equal({ id: "n4", raftHost: "10.0.0.4", raftPort: 7004, apiUrl: "http://n4" });
      expect(r.linked.slice(3)).to.deep.equal(["+n2@10.0.0.2:7002", "+n3@10.0.0.3:7003", "+n4@10.0.0.4:7004"]);
      expect(r.logged).to.deep.equal(["warn: could not read the members' addresses from a peer"]);
    });
  });
});
