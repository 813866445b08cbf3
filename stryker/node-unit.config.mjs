import { folderConfig } from "./base.mjs";
import { NODE_UNIT_SPECS } from "./node-specs.mjs";

// One node file against the node's in-process unit suites only (`--mutate` picks the file, `--incrementalFile` its
// own results). Under the full node spec a mutant that hangs a unit test is declared a timeout only after 1.5 times
// the net time of every suite covering it, orderer and Hardhat nodes included (2-3 minutes each here), and every
// survivor reruns those suites: proposals.ts took 15 minutes for 56 of its 96 mutants. A mutant only the orderer
// suites would catch shows as surviving here, so the score is a lower bound of the full spec's.
export default folderConfig({
  name: "node-unit",
  mutate: ["consensus/src/node/**/*.ts", "!consensus/src/node/daemon.ts"],
  spec: NODE_UNIT_SPECS,
});
