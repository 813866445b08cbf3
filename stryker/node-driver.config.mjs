import { folderConfig } from "./base.mjs";

// `node.ts` (the orderer driver) against the in-process suites that start orderer nodes and exercise its Ready-loop
// wiring: saves before sends, halting on a failed write, partitions, restarts and snapshots; a follower applying
// entries driven by hand (`node-apply`) and the OrdererHandle on a one-node orderer (`node-handle`). The block-store and
// HTTPS suites (`node-inproc`) cover it too but add ~15 s to every surviving mutant on the shared 2 cores; a mutant
// only they would catch shows as surviving here (a lower bound).
export default folderConfig({
  name: "node-driver",
  mutate: ["consensus/src/node/node.ts"],
  spec: [
    "consensus/test/node/durability.test.ts",
    "consensus/test/node/node-apply.test.ts",
    "consensus/test/node/node-election.test.ts",
    "consensus/test/node/node-handle.test.ts",
    "consensus/test/node/node-faults.test.ts",
    "consensus/test/node/node-leadership.test.ts",
    "consensus/test/node/snapshot.test.ts",
    "consensus/test/node/node.test.ts",
  ],
});
