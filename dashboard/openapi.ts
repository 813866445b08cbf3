/**
 * The dashboard's JSON API as an OpenAPI 3.1 document, served at /openapi.json. A test checks that every route the
 * server registers is documented and every documented path is served.
 */

const json = (description: string, schema: object = { type: "object" }) => ({
  description,
  content: { "application/json": { schema } },
});
const csv = (description: string) => ({ description, content: { "text/csv": { schema: { type: "string" } } } });
const refused = { "401": json("Not signed in", { $ref: "#/components/schemas/Error" }) };
const secured = [{ session: [] }];

const demoLink = {
  get: {
    summary: "npm run demo only: redeems the one-time token the demo printed, sets the session cookie and redirects to the pages",
    parameters: [{ name: "token", in: "query", required: true, schema: { type: "string" } }],
    responses: { "303": { description: "Signed in; redirects to /#round" }, ...refused, "403": json("Not a participant") },
  },
};

function get(summary: string, ok: object, extra: Record<string, object> = {}) {
  return { get: { summary, security: secured, responses: { "200": ok, ...refused, ...extra } } };
}

/** With `demoSignIn` (the demo's config only) the one-time sign-in link's route is served, so it is documented. */
export function openApiDocument(o: { demoSignIn?: boolean } = {}): object {
  const demo = o.demoSignIn === true ? { "/auth/link": demoLink } : {};
  return {
    openapi: "3.1.0",
    info: { title: "dplc dashboard API", version: "1" },
    components: {
      securitySchemes: { session: { type: "apiKey", in: "cookie", name: "dplc_session" } },
      schemas: {
        Error: { type: "object", required: ["error"], properties: { error: { type: "string" } } },
        Me: { type: "object", properties: { address: { type: "string" }, role: { enum: ["trading-centre", "participant"] } } },
      },
    },
    paths: {
      "/auth/challenge": {
        get: {
          summary: "A Sign-In with Ethereum (EIP-4361) challenge for an address",
          parameters: [{ name: "address", in: "query", required: true, schema: { type: "string" } }],
          responses: { "200": json("The nonce and the message to sign"), ...refused },
        },
      },
      "/auth/verify": {
        post: {
          summary: "Opens a session from a signed challenge (approved participants and the trading centre only)",
          requestBody: json("The signed message", { type: "object", required: ["message", "signature"] }),
          responses: { "200": json("Signed in; sets the session cookie", { $ref: "#/components/schemas/Me" }), ...refused, "403": json("Not a participant") },
        },
      },
      ...demo,
      "/auth/signout": { post: { summary: "Ends the session", responses: { "200": json("Signed out") } } },
      "/api/me": get("Who is signed in", json("Address and role", { $ref: "#/components/schemas/Me" })),
      "/api/round": get("The current round: status, the orders and matches the viewer may see, totals", json("Round"), { "404": json("No round yet") }),
      "/api/round/matches.csv": get("The round's match table as CSV", csv("buyer,seller,mwh,buyerPrice,sellerPrice")),
      "/api/round/totals.csv": get("The round's totals as CSV", csv("name,mwh,tokens")),
      "/api/participants": get("Balances, escrow, MWh and tokens traded, green quota (all for the trading centre, own otherwise)", json("Participants", { type: "array" })),
      "/api/certificates": get("Green certificates issued, traded and retired", json("Certificates"), { "404": json("No side chain") }),
      "/api/bridge": get("DPLC locked against wrapped supply, messages each way (delivered, in flight, abandoned) with the validators whose signatures delivered each, the validator set", json("Bridge"), { "404": json("No side chain") }),
      "/api/caseb": get("The Case B sweep: certificate income, wind profit and generator revenue per certificate price", json("Sweep", { type: "array" }), { "404": json("No sweep run") }),
      "/api/cluster": get("The ordering nodes, the leader and whether they agree", json("Cluster")),
      "/api/events": get("Live updates (server-sent events: block, round, leader)", { description: "An event stream", content: { "text/event-stream": {} } }),
      "/openapi.json": { get: { summary: "This document", responses: { "200": json("OpenAPI 3.1") } } },
      "/healthz": { get: { summary: "Liveness and the last block seen", responses: { "200": json("ok") } } },
      "/metrics": { get: { summary: "Prometheus metrics", responses: { "200": { description: "text exposition format", content: { "text/plain": {} } } } } },
    },
  };
}
