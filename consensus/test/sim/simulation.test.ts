import { expect } from "chai";
import { runSimulation, type SimResult } from "../../src/sim/simulator";

// Fixed seeds in CI. SIM_SEEDS raises the count; SIM_SEED=<n> replays exactly one seed.
const single = process.env.SIM_SEED !== undefined ? Number(process.env.SIM_SEED) : undefined;
const count = Number(process.env.SIM_SEEDS ?? 3000);
const seeds = single !== undefined ? [single] : Array.from({ length: count }, (_, i) => i + 1);

describe("deterministic simulation (drops, duplicates, delays, reordering, partitions, crashes, torn writes; swarm fault mixes)", function () {
  this.timeout(600_000);

  it(`keeps every safety invariant and converges after healing over ${seeds.length} seed(s)`, function () {
    const failures: string[] = [];
    const results: SimResult[] = [];
    for (const seed of seeds) {
      try {
        results.push(runSimulation(seed));
      } catch (e) {
        failures.push(`${(e as Error).message} — replay with SIM_SEED=${seed}`);
        if (failures.length >= 5) break;
      }
    }
    expect(failures, failures.join("\n")).to.deep.equal([]);
    // The runs must actually exercise the system: work was acknowledged and leaders were elected.
    const acked = results.reduce((s, r) => s + r.acknowledged, 0);
    expect(acked).to.be.greaterThan(results.length);
    expect(results.every((r) => r.leaders > 0)).to.equal(true);
    // Over the CI budget (not a replay or a mutation run's few seeds) the runs reach the rare histories.
    if (single === undefined && seeds.length >= 3000) expectFigure8AndStaleTails(results);
  });

  it("is deterministic: the same seed replays the same run", function () {
    const seed = single ?? 17;
    expect(runSimulation(seed)).to.deep.equal(runSimulation(seed));
  });

  // One pass over seeds 1..200 for all the coverage checks (the runs are deterministic): a mutation run reruns this
  // test for every surviving core mutant, so it must not simulate the same 200 seeds three times.
  it("covers both election modes, lazy commit, crashes, asynchronous leader writes, swarm fault mixes and Figure 8 elections over 200 seeds", function () {
    const results = Array.from({ length: 200 }, (_, i) => runSimulation(i + 1));
    expectModesAndCrashes(results);
    expectAsyncLeaderWrites(results);
    expectSwarmAndLiveness(results);
    // §5.4.2, Figure 8: a leader holds an uncommitted older-term entry where another node holds a newer-term one
    // (44 of these 200 seeds; before leaders were cut off between their Readies, 1 in 1,000).
    expect(results.filter((r) => r.figure8Histories > 0).length).to.be.greaterThan(20);
  });

  it("catch-up keeps the pool live: seeds that ended with no electable pool member before it now elect one", function () {
    // Without catch-up (core/catchup.ts) these improved-mode seeds ended leaderless: a pool member's log was a
    // strict prefix of a participant's, so the participant refused it and nobody else could campaign.
    // (Eager commit propagation, synchronous leader writes and the classic fault mix, as when they
    // were found; the other variants make them other runs.)
    for (const seed of [370, 571, 1043, 1163, 1958]) {
      const r = runSimulation(seed, { lazyCommit: false, asyncLeaderWrites: false, swarm: false });
      expect(r.mode, `seed ${seed}`).to.equal("improved");
      expect(r.outcome, `seed ${seed}`).to.equal("converged");
    }
  });
});

function expectModesAndCrashes(results: SimResult[]): void {
  expect(results.some((r) => r.mode === "improved")).to.equal(true);
  expect(results.some((r) => r.mode === "standard")).to.equal(true);
  expect(results.filter((r) => r.lazyCommit).length).to.be.within(50, 150);
  expect(results.filter((r) => r.crashes > 0).length).to.be.greaterThan(50);
}

/** The leader's asynchronous writes: commits before its own sync, and unsynced writes lost in crashes. */
function expectAsyncLeaderWrites(results: SimResult[]): void {
  const on = results.filter((r) => r.asyncLeaderWrites);
  expect(on.length).to.be.within(50, 150);
  expect(results.filter((r) => !r.asyncLeaderWrites).every((r) => r.unsyncedWrites === 0)).to.equal(true);
  expect(on.filter((r) => r.committedBeforeOwnSync > 0).length).to.be.greaterThan(on.length / 2);
  expect(on.reduce((s, r) => s + r.unsyncedLost, 0)).to.be.greaterThan(0);
}

/** The fault mix varies per seed (swarm testing), and the liveness checks are exercised. */
function expectSwarmAndLiveness(results: SimResult[]): void {
  expect(results.every((r) => r.swarm)).to.equal(true);
  // CheckQuorum made leaders step down, and operators' campaign requests to participants were refused.
  expect(results.filter((r) => r.quorumStepDowns > 0).length).to.be.greaterThan(20);
  expect(results.reduce((s, r) => s + r.refusedCampaigns, 0)).to.be.greaterThan(50);
  const converged = results.filter((r) => r.outcome === "converged");
  expect(converged.every((r) => r.healLeaderTicks >= 0 && r.healCommitTicks >= 0)).to.equal(true);
}

/**
 * The histories behind the two commit-rule bugs random seeds used to miss: elections into Figure 8's setting
 * (642 of seeds 1-3,000) and appends ending before a follower's stale tail with a commit index reaching into it
 * (Figure 2's rule 5; 11 of seeds 1-3,000, the first at seed 84).
 */
function expectFigure8AndStaleTails(results: SimResult[]): void {
  expect(results.filter((r) => r.figure8Histories > 0).length).to.be.greaterThan(results.length / 10);
  expect(results.filter((r) => r.staleTailAppends > 0).length).to.be.at.least(4);
}
