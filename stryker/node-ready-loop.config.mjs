import { folderConfig } from "./base.mjs";

// The Ready loop alone, against the suites that drive it directly: its unit tests, the node's durability tests, and
// the simulator (which runs this same loop over a simulated disk and network). The node folder's other suites start
// whole orderer nodes (and Hardhat nodes) and cost ~90 s per surviving mutant on the shared 2 cores, which made a
// full-spec run of this file take over two hours; a mutant only they would catch shows as surviving here (a lower
// bound, like SIM_SEEDS=20).
export default folderConfig({
  name: "node-ready-loop",
  mutate: ["consensus/src/node/ready-loop.ts"],
  spec: [
    "consensus/test/node/ready-loop.test.ts",
    "consensus/test/node/durability.test.ts",
    "consensus/test/sim/schedules.test.ts",
    "consensus/test/sim/simulation.test.ts",
  ],
});
