import { expect } from "chai";
import { SCHEDULES } from "../../src/sim/schedules";

// The interleavings random faults reach rarely or never, played message by message with the
// safety checker attached (see consensus/src/sim/schedules.ts for each schedule's story).
describe("scripted schedules (Figure 8, stale tails, CheckQuorum, the pool gate, crashes, snapshot races)", function () {
  for (const [name, run] of Object.entries(SCHEDULES)) {
    it(name, function () {
      expect(run).to.not.throw();
    });
  }
});
