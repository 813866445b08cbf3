import { folderConfig } from "./base.mjs";

export default folderConfig({
  name: "core",
  mutate: ["consensus/src/core/**/*.ts"],
  spec: ["consensus/test/core/*.test.ts", "consensus/test/sim/*.test.ts"],
});
