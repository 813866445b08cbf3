import { z } from "zod";
import { DeploymentSchema } from "../src/ops/deployment";

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

const url = z.string().url("must be a URL such as http://127.0.0.1:8545");

/** The dashboard's settings, checked once at start; defaults for everything a local run can leave out. */
export const DashboardConfigSchema = z
  .object({
    host: z.string().default("127.0.0.1"),
    /** 0 lets the OS pick a free port. */
    port: z.number().int().min(0).max(65_535).default(8080),
    /** The main chain's JSON-RPC endpoint (a member's replica) and the deployment on it. */
    mainRpcUrl: url,
    deployment: DeploymentSchema,
    /** The side chain's endpoint: the certificate and bridge pages need it. */
    sideRpcUrl: url.optional(),
    /** Every ordering node's client API, for the cluster page. */
    orderers: z.array(url).default([]),
    pollMs: z.number().int().min(50).default(500),
    sessionHours: z.number().positive().default(8),
    /**
     * `npm run demo` only: serve `GET /auth/link`, which redeems a one-time token the demo printed and signs its
     * holder in. Refused unless the server listens on a loopback address, so the link never leaves the machine.
     */
    demoSignIn: z.boolean().default(false),
  })
  .strict()
  .refine((c) => !c.demoSignIn || LOOPBACK.has(c.host), { message: "demoSignIn needs a loopback host (127.0.0.1, ::1 or localhost)", path: ["demoSignIn"] });

export type DashboardConfigInput = z.input<typeof DashboardConfigSchema>;
export type DashboardConfig = z.output<typeof DashboardConfigSchema>;
