#!/usr/bin/env node
"use strict";
// Runs the orderer daemon compiled to JavaScript (see build.js for why not under ts-node).
const { ensureBuilt } = require("./build.js");

let entry;
try {
  entry = ensureBuilt({ log: (m) => process.stderr.write(`orderer: ${m}\n`) });
} catch (err) {
  process.stderr.write(`orderer: ${String(err && err.message ? err.message : err).split("\n")[0]}\n`);
  process.exit(1);
}
require(entry);
