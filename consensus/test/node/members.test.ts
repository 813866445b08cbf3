import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { OrdererConfig } from "../../src/config/schema";
import { MemberDirectory, type MemberAddress, type PeerLinks } from "../../src/node/members";
import { KEY, nodeConfig, THREE_PEERS } from "./config-fixture";

const N4: MemberAddress = { id: "n4", raftHost: "10.0.0.4", raftPort: 7004, apiUrl: "http://10.0.0.4:7104", fingerprint: KEY };

const config = (dir: string): OrdererConfig => nodeConfig({ dataDir: dir, peers: THREE_PEERS });

/** Links that record what the directory told them. */
function links(): PeerLinks & { set: string[]; removed: string[] } {
  const set: string[] = [];
  const removed: string[] = [];
  return {
    set,
    removed,
    setPeer: (p) => set.push(`${p.id}@${p.host}:${p.port}${p.fingerprint === undefined ? "" : "#pinned"}`),
    removePeer: (id) => removed.push(id),
  };
}

const CONF_WITH_N4 = { members: ["n1", "n2", "n3", "n4"].map((id) => ({ id, role: "participant" as const })) };
const CONF_WITHOUT_N3 = { members: ["n1", "n2"].map((id) => ({ id, role: "participant" as const })) };

describe("node/members: the member directory, the Raft configuration's addresses", function () {
  let dir: string;
  let cfg: OrdererConfig;
  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-members-"));
    cfg = config(dir);
  });
  afterEach(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe("when no directory was written yet", function () {
    it("takes the config's peers, with their API URLs and pins, and writes nothing", function () {
      const d = new MemberDirectory(cfg, {});
      expect(d.all().map((m) => m.id)).to.deep.equal(["n1", "n2", "n3"]);
      expect(d.get("n2")).to.deep.equal({ id: "n2", raftHost: "10.0.0.2", raftPort: 7002, apiUrl: "http://10.0.0.2:7102", fingerprint: cfg.peers[1]!.fingerprint });
      expect(d.get("n3")).to.not.have.property("fingerprint");
      expect(MemberDirectory.exists(cfg)).to.equal(false);
    });

    it("points the transport at every member but itself, and drops the removed peers it does not know", function () {
      const d = new MemberDirectory(cfg, {});
      const l = links();
      d.syncLinks(l, ["n1", "n2", "n9"]);
      expect(l.set).to.deep.equal(["n2@10.0.0.2:7002#pinned", "n3@10.0.0.3:7003"]);
      expect(l.removed).to.deep.equal(["n9"]);
    });
  });

  describe("API URLs", function () {
    it("prefers an explicit URL, then the directory, and answers null for a stranger", function () {
      const d = new MemberDirectory(cfg, { n3: "https://n3.example" });
      expect(d.apiUrl("n3")).to.equal("https://n3.example");
      expect(d.apiUrl("n2")).to.equal("http://10.0.0.2:7102");
      expect(d.apiUrl("n9")).to.equal(null);
    });
  });

  describe("when a configuration entry applies", function () {
    it("records an added member's address once the core took it, durably: a restarted node knows it", function () {
      const d = new MemberDirectory(cfg, {});
      expect(d.applied({ op: "addNode", id: "n4", address: { ...N4, id: "ignored" } }, CONF_WITH_N4)).to.equal(true);
      expect(d.get("n4")).to.deep.equal(N4);
      expect(MemberDirectory.exists(cfg)).to.equal(true);
      const restarted = new MemberDirectory(cfg, {});
      expect(restarted.get("n4")).to.deep.equal(N4);
      expect(restarted.all().map((m) => m.id)).to.deep.equal(["n1", "n2", "n3", "n4"]);
    });

    it("ignores an addition the core refused, and the same entry replayed after a restart", function () {
      const d = new MemberDirectory(cfg, {});
      expect(d.applied({ op: "addNode", id: "n4", address: N4 }, CONF_WITHOUT_N3)).to.equal(false);
      expect(d.get("n4")).to.equal(undefined);
      expect(MemberDirectory.exists(cfg)).to.equal(false);
      expect(d.applied({ op: "addNode", id: "n4", address: N4 }, CONF_WITH_N4)).to.equal(true);
      expect(d.applied({ op: "addNode", id: "n4", address: N4 }, CONF_WITH_N4)).to.equal(false);
    });

    it("takes a member's new address", function () {
      const d = new MemberDirectory(cfg, {});
      d.applied({ op: "addNode", id: "n4", address: N4 }, CONF_WITH_N4);
      const moved = { ...N4, raftHost: "10.0.0.40" };
      expect(d.applied({ op: "addNode", id: "n4", address: moved }, CONF_WITH_N4)).to.equal(true);
      expect(new MemberDirectory(cfg, {}).get("n4")!.raftHost).to.equal("10.0.0.40");
    });

    it("forgets a removed member durably, once it left the configuration; a later sync drops its link", function () {
      const d = new MemberDirectory(cfg, {});
      expect(d.applied({ op: "removeNode", id: "n3" }, CONF_WITH_N4)).to.equal(false);
      expect(d.get("n3")).to.not.equal(undefined);
      expect(d.applied({ op: "removeNode", id: "n3" }, CONF_WITHOUT_N3)).to.equal(true);
      expect(d.get("n3")).to.equal(undefined);
      expect(d.applied({ op: "removeNode", id: "n3" }, CONF_WITHOUT_N3)).to.equal(false);
      expect(d.applied({ op: "setRole", id: "n9" }, CONF_WITHOUT_N3)).to.equal(false);
      const restarted = new MemberDirectory(cfg, {});
      expect(restarted.get("n3")).to.equal(undefined);
      const l = links();
      restarted.syncLinks(l, cfg.peers.map((p) => p.id));
      expect(l.removed).to.deep.equal(["n3"]);
      expect(l.set).to.deep.equal(["n2@10.0.0.2:7002#pinned"]);
    });
  });

  describe("when addresses are learnt from a member's status", function () {
    it("adds only members it did not know, durably, and says whether it learnt any", function () {
      const d = new MemberDirectory(cfg, {});
      expect(d.learn([{ id: "n2", raftHost: "elsewhere", raftPort: 1, apiUrl: "x" }])).to.equal(false);
      expect(d.get("n2")!.raftHost).to.equal("10.0.0.2");
      expect(MemberDirectory.exists(cfg)).to.equal(false);
      expect(d.learn([N4])).to.equal(true);
      expect(new MemberDirectory(cfg, {}).get("n4")).to.deep.equal(N4);
    });
  });

  describe("when a joining node seeds its directory", function () {
    it("starts from the seeded members, not the config's", function () {
      MemberDirectory.seed(cfg, [N4]);
      expect(MemberDirectory.exists(cfg)).to.equal(true);
      expect(new MemberDirectory(cfg, {}).all()).to.deep.equal([N4]);
    });

    it("refuses a file that is not a list of member addresses", function () {
      fs.writeFileSync(path.join(dir, "members.json"), JSON.stringify({ id: "n4" }));
      expect(() => new MemberDirectory(cfg, {})).to.throw("members.json: expected an array of member addresses");
      for (const bad of [{ ...N4, id: 4 }, { ...N4, raftHost: null }, { ...N4, raftPort: 7.5 }, { ...N4, apiUrl: undefined }, null]) {
        fs.writeFileSync(path.join(dir, "members.json"), JSON.stringify([N4, bad]));
        expect(() => new MemberDirectory(cfg, {})).to.throw(`members.json: malformed member address ${JSON.stringify(bad)}`);
      }
    });
  });
});
