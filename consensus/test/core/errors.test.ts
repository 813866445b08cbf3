import { expect } from "chai";
import {
  CompactedError,
  ConfigError,
  InvalidConfChangeError,
  NoEligibleLeaderError,
  NotLeaderError,
  ProposalDroppedError,
  RaftError,
  StepPeerNotFoundError,
  UnavailableError,
} from "../../src/core/errors";

// Drivers tell the core's errors apart by class and name (the node maps them to client answers and logs), and read the
// fields they carry; a wrapped error keeps its cause.
describe("core errors", function () {
  it("are named after their class and keep the cause they are given, and only then", function () {
    const cause = new Error("disk");
    const e = new ConfigError("bad", { cause });
    expect([e.name, e.message, e.cause]).to.deep.equal(["ConfigError", "bad", cause]);
    expect(e).to.be.instanceOf(RaftError).and.instanceOf(Error);
    expect(new RaftError("plain").cause).to.equal(undefined);
    expect(new NoEligibleLeaderError("x").name).to.equal("NoEligibleLeaderError");
    expect(new NoEligibleLeaderError("x")).to.be.instanceOf(ProposalDroppedError);
  });

  it("name the index that was compacted or is unavailable", function () {
    const c = new CompactedError(4, { cause: "why" });
    expect([c.name, c.message, c.index, c.cause]).to.deep.equal(["CompactedError", "log index 4 is compacted", 4, "why"]);
    const u = new UnavailableError(9);
    expect([u.name, u.message, u.index]).to.deep.equal(["UnavailableError", "log index 9 is unavailable", 9]);
  });

  it("NotLeaderError names the leader when one is known, and says so when none is", function () {
    const known = new NotLeaderError("a");
    expect([known.name, known.message, known.leader]).to.deep.equal(["NotLeaderError", "not the leader; leader is a", "a"]);
    expect(known).to.be.instanceOf(ProposalDroppedError);
    const none = new NotLeaderError(null, { cause: 1 });
    expect([none.message, none.leader, none.cause]).to.deep.equal(["not the leader; no leader known", null, 1]);
  });

  it("StepPeerNotFoundError names the sender and the message type", function () {
    const e = new StepPeerNotFoundError("z", "appendResp");
    expect([e.name, e.message, e.peer, e.messageType]).to.deep.equal(["StepPeerNotFoundError", "appendResp from z, which is not in the configuration", "z", "appendResp"]);
    expect(new InvalidConfChangeError("x")).to.be.instanceOf(RaftError);
  });
});
