// A stand-in for the orderer daemon that LocalCluster (src/node/cluster.ts) spawns, run through its `wrap` option:
// `node fake-daemon.js <node> <daemon flags> orderer.js --config FILE [...]`. It answers the API routes the cluster
// class calls (GET /healthz, GET /v1/status, POST /debug/partition) on the config's API address and records its command
// line and what it was asked. `FILE.fake.json` says how it behaves, read again on every request so a test can change
// it: { "exit": true } exits at once and { "silent": true } never listens (both read at start); { "grandchild": true }
// starts a process of its own (in its process group) and writes its pid to FILE.grandchild; { "ignoreTerm": true }
// ignores SIGTERM; { "healthz": 503 } answers /healthz so; { "hang": "/v1/status" } never answers that route;
// { "status": {...} } is its /v1/status; { "partition": 500 } refuses a partition. Plain JavaScript: it starts in
// milliseconds, without ts-node.
"use strict";
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const http = require("node:http");

const args = process.argv.slice(2);
const file = args[args.indexOf("--config") + 1];
const cfg = JSON.parse(fs.readFileSync(file, "utf8"));
const mode = () => (fs.existsSync(`${file}.fake.json`) ? JSON.parse(fs.readFileSync(`${file}.fake.json`, "utf8")) : {});
fs.writeFileSync(`${file}.argv.json`, JSON.stringify(args));
console.log(`fake daemon ${cfg.id} started`);
if (mode().exit) process.exit(3);
if (mode().grandchild) {
  const child = spawn(process.execPath, ["-e", "setTimeout(() => undefined, 60000)"], { stdio: "ignore" });
  fs.writeFileSync(`${file}.grandchild`, String(child.pid));
}

process.on("SIGTERM", () => {
  if (mode().ignoreTerm) return;
  fs.writeFileSync(`${file}.term`, "");
  process.exit(0);
});

const server = http.createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    const m = mode();
    if (m.hang === req.url) return;
    if (req.url === "/healthz") return res.writeHead(m.healthz ?? 200).end("ok");
    if (req.url === "/v1/status") {
      const status = m.status ?? { leader: null, term: 0, commitIndex: 0, appliedIndex: 0 };
      return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(status));
    }
    if (req.url === "/debug/partition" && req.method === "POST") {
      fs.writeFileSync(`${file}.partition.json`, JSON.stringify({ contentType: req.headers["content-type"], body: JSON.parse(body) }));
      return res.writeHead(m.partition ?? 200).end(m.partition === undefined ? "{}" : "partition refused");
    }
    res.writeHead(404).end();
  });
});
if (!mode().silent) server.listen(cfg.listen.httpPort, cfg.listen.host ?? "127.0.0.1");
// Silent: stay up without listening, as a daemon stuck before its API starts. Never outlive a test run by much, even
// one whose cluster failed to kill it (a mutant of cluster.ts).
setTimeout(() => process.exit(4), 120_000);
