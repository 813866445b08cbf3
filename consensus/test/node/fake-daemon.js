// A stand-in for the orderer daemon that LocalCluster (src/node/cluster.ts) spawns, run through its `wrap` option:
// `node fake-daemon.js <node> <daemon flags> orderer.js --config FILE [...]`. It answers the API routes the cluster
// class calls (GET /healthz, GET /v1/status, POST /debug/partition) on the config's API address, records its command
// line and what it was asked, and behaves as `FILE.fake.json` says: { "exit": true } exits at once, { "silent": true }
// never listens, { "ignoreTerm": true } ignores SIGTERM, { "status": {...} } is its /v1/status, { "partition": 500 }
// refuses a partition. Plain JavaScript: it starts in milliseconds, without ts-node.
"use strict";
const fs = require("node:fs");
const http = require("node:http");

const args = process.argv.slice(2);
const file = args[args.indexOf("--config") + 1];
const cfg = JSON.parse(fs.readFileSync(file, "utf8"));
const mode = fs.existsSync(`${file}.fake.json`) ? JSON.parse(fs.readFileSync(`${file}.fake.json`, "utf8")) : {};
fs.writeFileSync(`${file}.argv.json`, JSON.stringify(args));
console.log(`fake daemon ${cfg.id} started`);
if (mode.exit) process.exit(3);

process.on("SIGTERM", () => {
  if (mode.ignoreTerm) return;
  fs.writeFileSync(`${file}.term`, "");
  process.exit(0);
});

const status = mode.status ?? { leader: null, term: 0, commitIndex: 0, appliedIndex: 0 };
const server = http.createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    if (req.url === "/healthz") return res.writeHead(200).end("ok");
    if (req.url === "/v1/status") return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(status));
    if (req.url === "/debug/partition" && req.method === "POST") {
      fs.writeFileSync(`${file}.partition.json`, body);
      return res.writeHead(mode.partition ?? 200).end(mode.partition === undefined ? "{}" : "partition refused");
    }
    res.writeHead(404).end();
  });
});
if (!mode.silent) server.listen(cfg.listen.httpPort, cfg.listen.host ?? "127.0.0.1");
// Silent: stay up without listening, as a daemon stuck before its API starts.
setInterval(() => undefined, 60_000);
