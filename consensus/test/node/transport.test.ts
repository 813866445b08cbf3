import { expect } from "chai";
import { PartitionFilter } from "../../src/node/transport";

describe("node/transport: the fault-injection partition filter", function () {
  it("allows every peer until told otherwise, then drops exactly the listed ones; a new list replaces the old", function () {
    const f = new PartitionFilter();
    expect(f.allows("n2")).to.equal(true);
    expect(f.peers).to.deep.equal([]);
    f.set(["n2", "n3"]);
    expect(f.allows("n2")).to.equal(false);
    expect(f.allows("n3")).to.equal(false);
    expect(f.allows("n4")).to.equal(true);
    expect(f.peers).to.deep.equal(["n2", "n3"]);
    f.set(["n4"]);
    expect(f.allows("n2")).to.equal(true);
    expect(f.peers).to.deep.equal(["n4"]);
  });
});
