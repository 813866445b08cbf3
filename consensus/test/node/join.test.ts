import { expect } from "chai";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import type { OrdererConfig } from "../../src/config/schema";
import { memberAddresses, prepareJoin } from "../../src/node/join";
import { MemberDirectory } from "../../src/node/members";
import { capturingLog } from "../helpers/capturing-log";
import { nodeConfig } from "./config-fixture";

const STATUS = {
  members: [
    { id: "n1", role: "trading-centre", raftAddress: "10.0.0.1:7001", apiUrl: "http://10.0.0.1:7101", fingerprint: "f1" },
    { id: "n2", role: "trading-centre", raftAddress: "[fd00::2]:7002", apiUrl: "http://[fd00::2]:7102" },
    { id: "n3", role: "participant", raftAddress: "not an address", apiUrl: "http://n3" },
    { id: "n4", role: "participant", raftAddress: "10.0.0.4:7004" },
    { id: "n5", role: "participant" },
  ],
};

describe("node/join: a node joining a running cluster asks a member who the members are", function () {
  let server: http.Server;
  let url: string;
  let answers: { status: number; body: unknown }[];
  let asked: string[];
  let dir: string;

  beforeEach(async function () {
    answers = [];
    asked = [];
    server = http.createServer((req, res) => {
      asked.push(req.url!);
      const a = answers.length > 1 ? answers.shift()! : answers[0]!;
      res.writeHead(a.status, { "content-type": "application/json" }).end(JSON.stringify(a.body));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-join-"));
  });

  afterEach(async function () {
    await new Promise((r) => server.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Node `id`'s config joining through the test's member, or with no join URL (`join: null`): a cluster of its own. */
  const config = (id: string, join: string | null = url): OrdererConfig =>
    nodeConfig({
      id,
      dataDir: dir,
      ...(join === null ? { role: "trading-centre", peers: [{ id, role: "trading-centre", port: 7001 }] } : { role: "participant", join, peers: [] }),
    });

  describe("memberAddresses", function () {
    it("reads the members with a Raft address and an API URL, IPv6 hosts without their brackets, pins kept", async function () {
      answers.push({ status: 200, body: STATUS });
      const found = await memberAddresses(url + "/");
      expect(asked).to.deep.equal(["/v1/status"]);
      expect(found.members).to.deep.equal(STATUS.members);
      expect(found.addresses).to.deep.equal([
        { id: "n1", raftHost: "10.0.0.1", raftPort: 7001, apiUrl: "http://10.0.0.1:7101", fingerprint: "f1" },
        { id: "n2", raftHost: "fd00::2", raftPort: 7002, apiUrl: "http://[fd00::2]:7102" },
      ]);
    });

    it("takes a status without members for an empty cluster", async function () {
      answers.push({ status: 200, body: {} });
      expect(await memberAddresses(url)).to.deep.equal({ members: [], addresses: [] });
    });

    it("fails on an answer other than 200", async function () {
      answers.push({ status: 503, body: {} });
      await expect(memberAddresses(url)).to.be.rejectedWith(`${url}/v1/status answered 503`);
    });
  });

  describe("prepareJoin", function () {
    it("writes the members it was told as the node's directory", async function () {
      answers.push({ status: 200, body: { members: [...STATUS.members, { id: "n9", raftAddress: "10.0.0.9:7009", apiUrl: "http://10.0.0.9:7109" }] } });
      const cfg = config("n9");
      await prepareJoin(cfg, pino({ level: "silent" }));
      expect(new MemberDirectory(cfg, {}).all().map((m) => m.id)).to.deep.equal(["n1", "n2", "n9"]);
    });

    it("refuses to join a cluster that does not list the node (it would bootstrap a cluster of its own)", async function () {
      answers.push({ status: 200, body: STATUS });
      const cfg = config("n9");
      await expect(prepareJoin(cfg, pino({ level: "silent" }))).to.be.rejectedWith(
        `join: n9 is not a member of the cluster at ${url} (members: n1, n2, n3, n4, n5); add it first: POST ${url}/v1/members`,
      );
      expect(MemberDirectory.exists(cfg)).to.equal(false);
    });

    it("says which cluster it joins and which members it was told", async function () {
      answers.push({ status: 200, body: STATUS });
      const { log, lines } = capturingLog();
      await prepareJoin(config("n2"), log);
      expect(lines).to.deep.equal([{ level: 30, join: url, members: ["n1", "n2"], msg: "joining a running cluster" }]);
    });

    it("gives up a minute after the first attempt, with the member's last answer", async function () {
      answers.push({ status: 503, body: {} });
      // Date.now jumps a minute ahead once the member has been asked twice: no test waits a minute.
      const realNow = Date.now;
      Date.now = () => realNow() + (asked.length >= 2 ? 60_001 : 0);
      try {
        const err = await prepareJoin(config("n1"), pino({ level: "silent" })).catch((e: Error) => e);
        expect((err as Error).message).to.equal(`join: ${url} did not answer: ${url}/v1/status answered 503`);
        expect((err as Error).cause).to.be.instanceOf(Error);
      } finally {
        Date.now = realNow;
      }
      expect(asked).to.have.length(2);
      expect(MemberDirectory.exists(config("n1"))).to.equal(false);
    });

    it("keeps asking while the member does not answer", async function () {
      this.timeout(10_000);
      answers.push({ status: 503, body: {} }, { status: 200, body: STATUS });
      await prepareJoin(config("n1"), pino({ level: "silent" }));
      expect(asked).to.have.length(2);
    });

    it("asks nobody without a join URL", async function () {
      answers.push({ status: 200, body: STATUS });
      await prepareJoin(config("n1", null), pino({ level: "silent" }));
      expect(asked).to.deep.equal([]);
      expect(MemberDirectory.exists(config("n1"))).to.equal(false);
    });

    it("joins with an empty Raft directory (no state in it), and asks nobody once the directory holds anything", async function () {
      answers.push({ status: 200, body: STATUS });
      fs.mkdirSync(path.join(dir, "raft"));
      await prepareJoin(config("n1"), pino({ level: "silent" }));
      expect(asked).to.have.length(1);
      expect(MemberDirectory.exists(config("n1"))).to.equal(true);
      fs.writeFileSync(path.join(dir, "raft", "x"), "");
      fs.rmSync(path.join(dir, "members.json"));
      await prepareJoin(config("n1"), pino({ level: "silent" }));
      expect(asked).to.have.length(1);
      expect(MemberDirectory.exists(config("n1"))).to.equal(false);
    });

    it("asks nobody when it has a member directory already", async function () {
      answers.push({ status: 200, body: STATUS });
      MemberDirectory.seed(config("n1"), []);
      await prepareJoin(config("n1"), pino({ level: "silent" }));
      expect(asked).to.deep.equal([]);
    });
  });
});
