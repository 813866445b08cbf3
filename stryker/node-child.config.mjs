import { folderConfig } from "./base.mjs";
import { NODE_CHILD_SPECS } from "./node-specs.mjs";

// The node files only tests and tools run, which start child processes (`cluster.ts`: the process tests' cluster of
// daemons; `replica-evm.ts`: the replicas' chain nodes), and the client API's HTTPS options (`api-tls.ts`), against
// their own suites: `api-tls-options.test.ts` (real certificates and an HTTPS server in this process),
// `replica-evm.test.ts` (real Anvil and replica-host processes) and `local-cluster.test.ts` (a fake daemon in place
// of the orderer). Before these suites their only coverage was consensus/test/process, which no mutant reaches (the
// daemons run a separate build) and which takes minutes per run.
export default folderConfig({
  name: "node-child",
  mutate: ["consensus/src/node/cluster.ts", "consensus/src/node/replica-evm.ts", "consensus/src/node/api-tls.ts"],
  spec: ["consensus/test/node/api-tls-options.test.ts", ...NODE_CHILD_SPECS],
});
