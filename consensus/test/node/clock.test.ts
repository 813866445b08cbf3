import { expect } from "chai";
import { LeaderUnavailableError } from "../../src/api/errors";
import { ClockWaiters } from "../../src/node/clock";

const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
/** The count once mocha has armed its own timeout timer for the running test (after the test's first await). */
const baseline = async (): Promise<number> => (await new Promise((r) => setTimeout(r, 1)), timers());
const settled = <T>(p: Promise<T>) =>
  p.then(
    () => "resolved",
    (e: Error) => e,
  );

describe("node/clock: clients of POST /v1/clock waiting for their entry to apply", function () {
  it("answers the waiter of an entry that applied as the clock advance, and only that one", async function () {
    const w = new ClockWaiters();
    const before = await baseline();
    const a = w.wait(5, 10_000);
    const b = w.wait(6, 10_000);
    expect(timers()).to.equal(before + 2);
    w.applied(5, true);
    expect(await a).to.equal(undefined);
    expect(timers()).to.equal(before + 1);
    w.applied(5, true);
    w.applied(7, true);
    w.failAll(new Error("stop"));
    expect(((await settled(b)) as Error).message).to.equal("stop");
    expect(timers()).to.equal(before);
  });

  it("fails the waiter when its entry applied as something else (a new leader overwrote it)", async function () {
    const w = new ClockWaiters("the membership change");
    const p = settled(w.wait(5, 10_000));
    w.applied(5, false);
    const err = (await p) as Error;
    expect(err).to.be.instanceOf(LeaderUnavailableError);
    expect(err.message).to.equal("leadership changed: entry 5 is not the membership change; retry");
  });

  it("fails the waiter after the timeout, and forgets it", async function () {
    const w = new ClockWaiters();
    const err = (await settled(w.wait(3, 20))) as Error;
    expect(err).to.be.instanceOf(LeaderUnavailableError);
    expect(err.message).to.equal("the clock advance (entry 3) did not apply within 20 ms; retry");
    // The index is free again: a new wait on it is answered by its apply.
    const next = w.wait(3, 10_000);
    w.applied(3, true);
    expect(await next).to.equal(undefined);
  });

  it("fails every waiter at once and stops their timers", async function () {
    const w = new ClockWaiters();
    const before = await baseline();
    const all = [settled(w.wait(1, 10_000)), settled(w.wait(2, 10_000))];
    w.failAll(new LeaderUnavailableError("leadership lost"));
    expect(((await all[0]) as Error).message).to.equal("leadership lost");
    expect(((await all[1]) as Error).message).to.equal("leadership lost");
    expect(timers()).to.equal(before);
    // Nobody is left: an apply afterwards answers nothing and throws nothing.
    w.applied(1, true);
  });
});
