import { expect } from "chai";
import { LiveHub, diffLive, type LiveEvent, type LiveState } from "../../dashboard/events";

const state = (block: number, state = "1/listing", settled = 0, leader: string | null = "n1"): LiveState => ({
  block,
  round: { id: 1, state, settledTrades: settled },
  leader,
});

describe("dashboard/events: live updates", function () {
  describe("diffLive", function () {
    it("reports a new block, round progress and a leader change, and nothing when nothing changed", function () {
      expect(diffLive(null, state(5)).map((e) => e.type)).to.deep.equal(["block", "round"]);
      expect(diffLive(state(5), state(5))).to.deep.equal([]);
      expect(diffLive(state(5), state(6)).map((e) => e.type)).to.deep.equal(["block"]);
      expect(diffLive(state(6), state(6, "3", 4)).map((e) => e.type)).to.deep.equal(["round"]);
      expect(diffLive(state(6), state(6, "1/listing", 0, "n2"))).to.deep.equal([{ type: "leader", data: { leader: "n2" } }]);
    });
  });

  describe("LiveHub", function () {
    it("tells every subscriber what changed, counts leader changes, and stops telling one that left", async function () {
      const states = [state(1), state(2, "1/listing", 0, "n2"), state(2, "1/listing", 0, "n2")];
      const hub = new LiveHub(async () => states.shift()!, (err) => {
        throw err;
      });
      const seen: LiveEvent[] = [];
      const other: LiveEvent[] = [];
      hub.subscribe((e) => seen.push(e));
      const leave = hub.subscribe((e) => other.push(e));
      await hub.poll();
      leave();
      await hub.poll();
      await hub.poll();
      expect(seen.map((e) => e.type)).to.deep.equal(["block", "round", "block", "leader"]);
      expect(other.map((e) => e.type)).to.deep.equal(["block", "round"]);
      expect(hub.leaderChanges).to.equal(1);
      expect(hub.state).to.deep.equal(state(2, "1/listing", 0, "n2"));
    });

    it("reports a failed poll and keeps the last state", async function () {
      const errors: unknown[] = [];
      let fail = false;
      const hub = new LiveHub(async () => {
        if (fail) throw new Error("chain down");
        return state(3);
      }, (err) => errors.push(err));
      await hub.poll();
      fail = true;
      await hub.poll();
      expect(errors).to.have.length(1);
      expect(hub.state!.block).to.equal(3);
    });
  });
});
