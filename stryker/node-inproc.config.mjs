import { folderConfig } from "./base.mjs";
import { NODE_INPROC_SPECS, NODE_UNIT_SPECS } from "./node-specs.mjs";

// One node file against every node suite that runs in this process: the unit suites first, then the suites that
// run whole orderer nodes over an in-process network (no Hardhat chain, no child process). `node-unit` leaves the
// latter out, so the files only they exercise (`node.ts`, the cut scheduler, the peer block sources) would show
// every mutant as surviving; the full node spec adds the Hardhat suites (admission, refusals, replicas), which cost
// minutes per surviving mutant on the shared 2 cores. A mutant only those would catch shows as surviving here (a
// lower bound of the full spec's score). `--mutate` picks the file, `--incrementalFile` its own results.
export default folderConfig({
  name: "node-inproc",
  mutate: ["consensus/src/node/**/*.ts", "!consensus/src/node/daemon.ts"],
  spec: [...NODE_UNIT_SPECS, ...NODE_INPROC_SPECS],
});
