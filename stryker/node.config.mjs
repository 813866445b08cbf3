import { folderConfig } from "./base.mjs";

export default folderConfig({
  name: "node",
  // daemon.ts and tcp.ts only wire config, TCP and pino together; they run only in the orderer processes that
  // consensus/test/process spawns from a separate build, where no mutant can be switched on.
  mutate: ["consensus/src/node/**/*.ts", "!consensus/src/node/daemon.ts", "!consensus/src/node/tcp.ts"],
  spec: ["consensus/test/node/*.test.ts"],
});
