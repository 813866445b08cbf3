import { expect } from "chai";
import { resolveConfig, seededRandom } from "../../src/core/config";
import { ConfigError, RaftError } from "../../src/core/errors";
import { validateMembership } from "../../src/core/membership";
import { part, tc, learner } from "./helpers";

const random = seededRandom(1);

describe("core config", function () {
  describe("when only the id and the random source are given", function () {
    it("fills etcd-like defaults: electionTick 10, heartbeatTick 1, PreVote and CheckQuorum on, improved mode", function () {
      const cfg = resolveConfig({ id: "a", random });
      expect(cfg).to.include({ id: "a", electionTick: 10, heartbeatTick: 1, preVote: true, checkQuorum: true, mode: "improved", electionSpread: 1 });
      expect(cfg.maxInflight).to.be.greaterThan(0);
      expect(cfg.maxSizePerMsg).to.be.greaterThan(0);
    });
  });

  describe("when a value is invalid", function () {
    it("throws a ConfigError (a RaftError) naming the field, with the zod error as cause", function () {
      let err: unknown;
      try {
        resolveConfig({ id: "a", random, electionTick: 0 });
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(ConfigError);
      expect(err).to.be.instanceOf(RaftError);
      expect((err as ConfigError).message).to.match(/electionTick/);
      expect((err as ConfigError).cause).to.not.equal(undefined);
    });

    it("lists every issue after its field, separated by semicolons, and unknown keys under `config`", function () {
      expect(() => resolveConfig({ id: "", random, electionTick: 0, bogus: 1 } as never)).to.throw(
        ConfigError,
        /^invalid raft config: id: id must be non-empty; electionTick: [^;]+; config: [^;]*bogus[^;]*$/,
      );
    });

    it("refuses heartbeatTick >= electionTick, an unknown mode, an empty id and unknown keys", function () {
      expect(() => resolveConfig({ id: "a", random, electionTick: 5, heartbeatTick: 5 })).to.throw(ConfigError, /heartbeatTick/);
      expect(() => resolveConfig({ id: "a", random, mode: "fast" as never })).to.throw(ConfigError, /mode/);
      expect(() => resolveConfig({ id: "", random })).to.throw(ConfigError, /id/);
      expect(() => resolveConfig({ id: "a", random, bogus: 1 } as never)).to.throw(ConfigError);
      expect(() => resolveConfig({ id: "a", random: undefined as never })).to.throw(ConfigError, /random/);
    });
  });

  describe("seededRandom", function () {
    it("is reproducible per seed and uniform-ish in [0, 1)", function () {
      const a = seededRandom(42);
      const b = seededRandom(42);
      const xs = Array.from({ length: 1000 }, () => a());
      expect(xs).to.deep.equal(Array.from({ length: 1000 }, () => b()));
      expect(Math.min(...xs)).to.be.at.least(0);
      expect(Math.max(...xs)).to.be.below(1);
      const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
      expect(mean).to.be.closeTo(0.5, 0.05);
    });
  });
});

describe("validateMembership", function () {
  it("refuses an empty candidate pool (no trading-centre voter)", function () {
    expect(() => validateMembership({ members: [part("a"), part("b"), part("c")] })).to.throw(ConfigError, /pool is empty/);
    expect(() => validateMembership({ members: [learner("t"), part("a")] })).to.throw(ConfigError, /pool is empty/);
  });

  it("refuses an explicit pool that names no trading-centre voter, duplicates, and no voters", function () {
    expect(() => validateMembership({ members: [tc("a"), part("b")], pool: ["b"] })).to.throw(ConfigError, /pool is empty/);
    expect(() => validateMembership({ members: [tc("a"), tc("a")] })).to.throw(ConfigError, /duplicate/);
    expect(() => validateMembership({ members: [] })).to.throw(ConfigError, /no voters/);
  });

  it("names every member id, in order, when one is duplicated", function () {
    expect(() => validateMembership({ members: [tc("a"), part("b"), part("a")] })).to.throw(ConfigError, /^duplicate member ids in a,b,a$/);
  });

  it("warns when the pool cannot survive as many failures as the quorum (pool <= floor((voters-1)/2))", function () {
    const five = [tc("a"), tc("b"), part("c"), part("d"), part("e")];
    const r = validateMembership({ members: five });
    expect(r.pool).to.deep.equal(["a", "b"]);
    expect(r.warnings).to.have.length(1);
    expect(r.warnings[0]).to.match(/pool of 2 cannot survive 2 failures/);
  });

  it("does not warn when the pool is larger than the tolerated failures", function () {
    const r = validateMembership({ members: [tc("a"), tc("b"), tc("c"), part("d"), part("e")] });
    expect(r.warnings).to.deep.equal([]);
    expect(validateMembership({ members: [tc("a"), part("b"), part("c")] }).warnings).to.have.length(1);
    expect(validateMembership({ members: [tc("a")] }).warnings).to.deep.equal([]);
  });
});
