import { z } from "zod";
import { fingerprintSchema, nodeIdSchema } from "../config/schema";
import { BadRequestError } from "./errors";
import type { MemberRequest } from "./types";

/** `host:port` (an IPv6 host in brackets); the port a fixed one, as in a config's `peers`. */
const RAFT_ADDRESS = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/;

const memberRequestSchema = z
  .object({
    id: nodeIdSchema,
    raftAddress: z.string().regex(RAFT_ADDRESS, 'must be "host:port", e.g. "10.0.0.4:7000"'),
    apiUrl: z
      .string()
      .url("must be the node's client API URL, e.g. http://10.0.0.4:7100")
      .refine((u) => /^https?:$/.test(new URL(u).protocol), "must be an http:// or https:// URL"),
    role: z.enum(["pool", "participant"], { message: 'must be "pool" (a trading-centre voter) or "participant"' }),
    fingerprint: fingerprintSchema.optional(),
  })
  .strict();

/**
 * Parses a `POST /v1/members` body into a request, or throws a BadRequestError naming the first bad field (the
 * operator fixes one thing at a time; the field's name says which).
 */
export function parseMemberRequest(text: string): MemberRequest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new BadRequestError('body must be JSON: {"id", "raftAddress": "host:port", "apiUrl", "role": "pool"|"participant"}', { cause: err });
  }
  const parsed = memberRequestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join(".");
    const what = issue.code === "unrecognized_keys" ? `unknown field(s) ${issue.keys.join(", ")}` : issue.code === "invalid_type" && issue.received === "undefined" ? "is required" : issue.message;
    throw new BadRequestError(field === "" ? what : `${field}: ${what}`);
  }
  const { id, raftAddress, apiUrl, role, fingerprint } = parsed.data;
  const m = RAFT_ADDRESS.exec(raftAddress)!;
  const raftPort = Number(m[2]);
  if (raftPort < 1 || raftPort > 65_535) throw new BadRequestError("raftAddress: the port must be from 1 to 65535");
  const raftHost = m[1]!.replace(/^\[(.*)\]$/, "$1");
  return { id, raftHost, raftPort, apiUrl: apiUrl.replace(/\/$/, ""), role, ...(fingerprint === undefined ? {} : { fingerprint }) };
}
