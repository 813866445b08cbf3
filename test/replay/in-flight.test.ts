import { expect } from "chai";
import { mapInFlight } from "../../src/replay/in-flight";

/** A task that records how many run at once and finishes after the others started since it began. */
function tracked() {
  let running = 0;
  let peak = 0;
  const started: number[] = [];
  const task = async (item: number): Promise<number> => {
    started.push(item);
    peak = Math.max(peak, ++running);
    // Later items finish first, so the results' order cannot come from completion order.
    await new Promise((resolve) => setTimeout(resolve, 20 - item));
    running--;
    return item * 10;
  };
  return { task, started, peak: () => peak };
}

describe("mapInFlight (src/replay/in-flight)", function () {
  it("runs at most `limit` tasks at once, starts them in item order and returns results in item order", async function () {
    const t = tracked();
    const items = Array.from({ length: 12 }, (_, k) => k);
    expect(await mapInFlight(items, 3, t.task)).to.deep.equal(items.map((k) => k * 10));
    expect(t.peak()).to.equal(3);
    expect(t.started).to.deep.equal(items);
  });

  it("starts every task at once when the limit is not below the number of items, like Promise.all", async function () {
    const t = tracked();
    expect(await mapInFlight([0, 1, 2, 3], Infinity, t.task)).to.deep.equal([0, 10, 20, 30]);
    expect(t.peak()).to.equal(4);
  });

  it("returns an empty list for no items, and rejects with the first task's error", async function () {
    expect(await mapInFlight([], 4, async () => 1)).to.deep.equal([]);
    const failing = mapInFlight([1, 2], 1, async (k) => {
      if (k === 2) throw new Error("second failed");
      return k;
    });
    await expect(failing).to.be.rejectedWith("second failed");
  });
});
