import { LeaderUnavailableError } from "./errors";

/** Marks a request a follower forwarded, so the receiver never forwards it again. */
export const FORWARDED_HEADER = "x-dplc-forwarded-by";

export interface ForwardedAnswer {
  status: number;
  body: unknown;
}

/**
 * Sends a request on to the leader's API and hands back its answer as is. Keep-alive connections are
 * pooled per leader by undici.
 */
export async function forwardToLeader(
  leaderUrl: string,
  path: string,
  init: { method: "GET" | "POST"; body?: string; from: string; timeoutMs: number; dispatcher?: object },
): Promise<ForwardedAnswer> {
  try {
    const res = await fetch(new URL(path, leaderUrl), {
      method: init.method,
      headers: { "content-type": "application/json", [FORWARDED_HEADER]: init.from },
      body: init.body,
      signal: AbortSignal.timeout(init.timeoutMs),
      // Node's fetch takes an undici dispatcher (not in the DOM RequestInit type): HTTPS to a consortium CA.
      ...(init.dispatcher === undefined ? {} : { dispatcher: init.dispatcher }),
    } as RequestInit);
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = { error: text };
    }
    return { status: res.status, body };
  } catch (err) {
    throw new LeaderUnavailableError(`leader at ${leaderUrl} did not answer: ${(err as Error).message}`, { cause: err });
  }
}
