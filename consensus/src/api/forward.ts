import { LeaderUnavailableError } from "./errors";

/** Marks a request a follower forwarded, so the receiver never forwards it again. */
export const FORWARDED_HEADER = "x-dplc-forwarded-by";

export interface ForwardedAnswer {
  status: number;
  body: unknown;
}

/**
 * Sends a request on to the leader's API and hands back its answer as is. Keep-alive connections are
 * pooled per leader by undici. Given `leaderChange`, the request is abandoned as soon as this node
 * learns of a new term or leader (a paused or cut-off leader would otherwise hold it to the timeout).
 */
export async function forwardToLeader(
  leaderUrl: string,
  path: string,
  init: { method: "GET" | "POST" | "DELETE"; body?: string; from: string; timeoutMs: number; leaderChange?: AbortSignal; dispatcher?: object },
): Promise<ForwardedAnswer> {
  const signals = [AbortSignal.timeout(init.timeoutMs)];
  if (init.leaderChange !== undefined) signals.push(init.leaderChange);
  try {
    const res = await fetch(new URL(path, leaderUrl), {
      method: init.method,
      headers: { "content-type": "application/json", [FORWARDED_HEADER]: init.from },
      body: init.body,
      signal: AbortSignal.any(signals),
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
    if (init.leaderChange?.aborted === true) {
      throw new LeaderUnavailableError(`the leader changed while the request was forwarded to ${leaderUrl}; retry`, { cause: err });
    }
    throw new LeaderUnavailableError(`leader at ${leaderUrl} did not answer: ${(err as Error).message}`, { cause: err });
  }
}
