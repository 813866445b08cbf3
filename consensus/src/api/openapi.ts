/**
 * The orderer's client API as an OpenAPI 3.1 document, served at `GET /openapi.json`. `API_PATHS` is what the server
 * routes on; a test checks that it and the document name the same paths and methods.
 */

/** Every public route: method and path template. (`/debug/partition` exists only under `--fault-injection`.) */
export const API_PATHS = {
  submit: { method: "post", path: "/v1/transactions" },
  submitBatch: { method: "post", path: "/v1/transactions/batch" },
  lookup: { method: "get", path: "/v1/transactions/{hash}" },
  blocks: { method: "get", path: "/v1/blocks" },
  status: { method: "get", path: "/v1/status" },
  replicaBlock: { method: "get", path: "/v1/replica/blocks/{number}" },
  clock: { method: "post", path: "/v1/clock" },
  addMember: { method: "post", path: "/v1/members" },
  removeMember: { method: "delete", path: "/v1/members/{id}" },
  metrics: { method: "get", path: "/metrics" },
  healthz: { method: "get", path: "/healthz" },
  openapi: { method: "get", path: "/openapi.json" },
} as const;

const error = { $ref: "#/components/schemas/Error" };
const json = (description: string, schema: object) => ({ description, content: { "application/json": { schema } } });
const retry = {
  description: "No leader, the leader changed or could not be reached, or admission could not be checked: resubmit the same bytes",
  headers: { "Retry-After": { schema: { type: "integer" } } },
  content: { "application/json": { schema: error } },
};
const nonce = json("The nonce is not the sender's next one: re-sign from expectedNonce", { $ref: "#/components/schemas/NonceRefusal" });
const status = { enum: ["pending", "ordered", "applied"] };
const memberAnswers = {
  "200": json("Applied on the leader: index (the configuration entry), members", { type: "object" }),
  "400": json("A malformed request, or a change the Raft core refuses (one message naming the field or the reason)", error),
  "403": json("HTTPS without a trading-centre node's client certificate", error),
  "503": retry,
};

export function ordererOpenApi(): object {
  return {
    openapi: "3.1.0",
    info: { title: "dplc ordering service client API", version: "1" },
    components: {
      schemas: {
        Error: { type: "object", required: ["error"], properties: { error: { type: "string" } } },
        NonceRefusal: {
          type: "object",
          required: ["error", "sender", "nonce", "expectedNonce"],
          properties: { error: { type: "string" }, sender: { type: "string" }, nonce: { type: "integer" }, expectedNonce: { type: "integer" } },
        },
        Submitted: { type: "object", required: ["hash", "status"], properties: { hash: { type: "string" }, status } },
        BatchItem: {
          oneOf: [
            { $ref: "#/components/schemas/Submitted" },
            {
              type: "object",
              required: ["hash", "code", "error"],
              description: "Refused: code 403 (not admitted), 409 (nonce; with sender, nonce, expectedNonce) or 503 (leadership changed: resubmit)",
              properties: { hash: { type: "string" }, code: { type: "integer" }, error: { type: "string" }, expectedNonce: { type: "integer" } },
            },
          ],
        },
        Lookup: {
          type: "object",
          required: ["status", "block", "index", "chainBlock"],
          properties: {
            status,
            block: { type: ["integer", "null"] },
            index: { type: ["integer", "null"] },
            chainBlock: { type: ["integer", "null"] },
            error: { type: "string" },
            receiptStatus: { enum: ["success", "reverted"] },
          },
        },
      },
    },
    paths: {
      [API_PATHS.submit.path]: {
        post: {
          summary: "Orders a signed raw transaction (any node; a follower forwards to the leader)",
          requestBody: json("The signed transaction", { type: "object", required: ["raw"], properties: { raw: { type: "string" } } }),
          responses: {
            "200": json("Ordered, or still pending after the node's wait", { $ref: "#/components/schemas/Submitted" }),
            "400": json("Malformed, unsigned, another chain's, an unrecoverable signature, or intrinsic gas too low", error),
            "403": json("The sender is not an approved participant", error),
            "409": nonce,
            "413": json("Body over 4 MiB", error),
            "503": retry,
          },
        },
      },
      [API_PATHS.submitBatch.path]: {
        post: {
          summary:
            "Orders up to 256 signed raw transactions, taken in in the order given (one sender's consecutive nonces pass in one batch); " +
            "answers once every one is ordered or refused. A follower forwards the whole batch to the leader.",
          requestBody: json("The signed transactions", { type: "object", required: ["raws"], properties: { raws: { type: "array", minItems: 1, maxItems: 256, items: { type: "string" } } } }),
          responses: {
            "200": json("One result per transaction, in order: ordered (or pending), or refused with the HTTP code a single submission would get", {
              type: "object",
              required: ["results"],
              properties: { results: { type: "array", items: { $ref: "#/components/schemas/BatchItem" } } },
            }),
            "400": json("Not 1 to 256 transactions, or one is malformed (its index is named): nothing was taken in", error),
            "413": json("Body over 4 MiB", error),
            "503": retry,
          },
        },
      },
      [API_PATHS.lookup.path]: {
        get: {
          summary: "Where a transaction stands",
          parameters: [{ name: "hash", in: "path", required: true, schema: { type: "string" } }],
          responses: { "200": json("Its status and position", { $ref: "#/components/schemas/Lookup" }), "404": json("Never ordered", error), "409": nonce, "503": retry },
        },
      },
      [API_PATHS.blocks.path]: {
        get: {
          summary:
            "Stored blocks from a number, for peers catching up. Binary: frames [length u32][record], each record an encoded block " +
            "(or, with headers=1, a 136-byte linked header). At most 1,000 blocks (10,000 headers) and about 4 MiB per answer; " +
            "empty past this node's head. Over HTTPS only for a client certificate of the consortium (a peer's pin, or the peer CA naming a peer).",
          parameters: [
            { name: "from", in: "query", required: true, schema: { type: "integer", minimum: 1 } },
            { name: "limit", in: "query", required: false, schema: { type: "integer", minimum: 1 } },
            { name: "headers", in: "query", required: false, schema: { enum: ["1", "true"] } },
          ],
          responses: {
            "200": {
              description: "Blocks from `from`, in order; X-Dplc-Blocks: how many, X-Dplc-Head: this node's head",
              headers: { "X-Dplc-Blocks": { schema: { type: "integer" } }, "X-Dplc-Head": { schema: { type: "integer" } } },
              content: { "application/vnd.dplc.blocks": { schema: { type: "string", format: "binary" } } },
            },
            "400": json("from or limit is not a positive integer", error),
            "403": json("HTTPS without a consortium node's certificate", error),
          },
        },
      },
      [API_PATHS.status.path]: {
        get: { summary: "The node: id, role, term, leader, commit and applied index, pool, members, block store head (blocks), catch-up from peers (catchingUp), replica head (replica)", responses: { "200": json("Node status", { type: "object" }) } },
      },
      [API_PATHS.replicaBlock.path]: {
        get: {
          summary: "A chain block of this node's EVM replica (peers compare replicas with it)",
          parameters: [{ name: "number", in: "path", required: true, schema: { type: "integer" } }],
          responses: { "200": json("number, hash, stateRoot, timestamp, transactionsRoot, receiptsRoot", { type: "object" }), "404": json("Past the replica's head, or no replica", error) },
        },
      },
      [API_PATHS.clock.path]: {
        post: {
          summary: "Devnet only: moves every replica's clock forward by an ordered entry (devnet.clockAdvance)",
          requestBody: json("Seconds to add", { type: "object", required: ["advanceSeconds"], properties: { advanceSeconds: { type: "integer" } } }),
          responses: {
            "200": json("Applied: offsetSeconds, index, now", { type: "object" }),
            "400": json("Not a whole number of seconds", error),
            "403": json("Clock advances are disabled on this node", error),
            "503": retry,
          },
        },
      },
      [API_PATHS.addMember.path]: {
        post: {
          summary:
            "Operators: adds a node to the running cluster (a configuration change through the log; a follower forwards it to the leader). " +
            "Answered once applied on the leader. Over HTTPS only for a trading-centre node's client certificate.",
          requestBody: json("The new node", {
            type: "object",
            required: ["id", "raftAddress", "apiUrl", "role"],
            properties: { id: { type: "string" }, raftAddress: { type: "string" }, apiUrl: { type: "string" }, role: { enum: ["pool", "participant"] }, fingerprint: { type: "string" } },
          }),
          responses: { ...memberAnswers, "409": json("The id or an address is already a member's", error) },
        },
      },
      [API_PATHS.removeMember.path]: {
        delete: {
          summary: "Operators: removes a member (as adding; the core refuses removing the candidate pool's last member)",
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          responses: { ...memberAnswers, "404": json("No such member", error) },
        },
      },
      [API_PATHS.metrics.path]: { get: { summary: "Prometheus metrics", responses: { "200": { description: "text exposition format", content: { "text/plain": {} } } } } },
      [API_PATHS.healthz.path]: {
        get: { summary: "Liveness: id, role, leader", responses: { "200": json("ok", { type: "object" }), "503": json("This node's replica differs from a peer's (divergence: peer, height), or its chain node runs another EVM than chain.evm (wrongEvm: configured, running, clientVersion)", { type: "object" }) } },
      },
      [API_PATHS.openapi.path]: { get: { summary: "This document", responses: { "200": json("OpenAPI 3.1", { type: "object" }) } } },
    },
  };
}
