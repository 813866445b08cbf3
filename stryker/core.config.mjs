import { folderConfig } from "./base.mjs";

export default folderConfig({
  name: "core",
  mutate: ["consensus/src/core/**/*.ts"],
  spec: ["consensus/test/core/*.test.ts", "consensus/test/sim/*.test.ts"],
  // Measured at 93.76 % (1,952 / 2,082) over all fourteen files, each file's latest run (TESTING.md, fifth round): a
  // run below 90 % fails. A per-file run of a file below 90 % (catchup.ts, raft.ts, leader.ts) fails too, after its report.
  breakAt: 90,
});
