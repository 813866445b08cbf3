import { folderConfig } from "./base.mjs";

export default folderConfig({
  name: "relayer",
  // The relayer's I/O-free modules (relayer/README.md, "Layout"): decisions, nonce ranges, messages, signing.
  mutate: ["relayer/core.ts", "relayer/nonce-set.ts", "relayer/message.ts", "relayer/signing.ts"],
  // Its tests take seconds, so static mutants (the EIP-712 type list, the chain list) are run too.
  ignoreStatic: false,
  spec: ["test/relayer/core.test.ts", "test/relayer/nonce-set.test.ts", "test/relayer/signing.test.ts"],
  // Measured at 96.18 % over all four files (TESTING.md): a run below 90 % fails.
  breakAt: 90,
});
