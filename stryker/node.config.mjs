import { folderConfig } from "./base.mjs";

export default folderConfig({
  name: "node",
  // daemon.ts only wires config, the transport and pino together; it runs only in the orderer processes that
  // consensus/test/process spawns from a separate build, where no mutant can be switched on.
  mutate: ["consensus/src/node/**/*.ts", "!consensus/src/node/daemon.ts"],
  // The simulator drives the production Ready loop (ready-loop.ts) over a simulated disk and network, so its suites
  // test that file too; per-test coverage runs them only for the mutants they execute.
  spec: ["consensus/test/node/*.test.ts", "consensus/test/sim/*.test.ts"],
});
