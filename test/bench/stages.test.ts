import { expect } from "chai";
import type { ProgressEvent } from "../../src/replay/progress";
import { StageClock } from "../../src/bench/stages";

describe("bench/stages: where a replay's time went", function () {
  /** A clock driven by hand: each report happens at the time set just before it. */
  function driven() {
    let t = 1_000;
    const seen: ProgressEvent[] = [];
    const clock = new StageClock(t, () => t, (e) => seen.push(e));
    const at = (ms: number, e: ProgressEvent) => {
      t = ms;
      clock.sink(e);
    };
    return { clock, at, seen };
  }

  it("gives each stage the time from the previous stage's last report to its own last one", function () {
    const { clock, at } = driven();
    at(3_000, { stage: "deploy", done: 1, total: 1 });
    at(4_000, { stage: "register", done: 2, total: 2 });
    at(4_500, { stage: "list", done: 1, total: 2 });
    at(6_000, { stage: "list", done: 2, total: 2 });
    at(9_000, { stage: "match", done: 40 });
    expect(clock.seconds()).to.deep.equal({ deploy: 2, register: 1, list: 2, match: 3 });
  });

  it("orders the stages as the round runs them, whatever order reports arrive in, and passes every report on", function () {
    const { clock, at, seen } = driven();
    at(2_000, { stage: "reveal", done: 1 });
    at(1_500, { stage: "deploy", done: 1, total: 1 });
    expect(clock.seconds()).to.deep.equal({ deploy: 0.5, reveal: 0.5 });
    expect(seen.map((e) => e.stage)).to.deep.equal(["reveal", "deploy"]);
  });

  it("is empty before any report", function () {
    expect(driven().clock.seconds()).to.deep.equal({});
  });
});
