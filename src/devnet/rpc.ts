/** Minimal JSON-RPC over HTTP for probing a devnet before any provider is built. */
export async function rpcCall(url: string, method: string, params: unknown[] = [], timeoutMs = 2000): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await res.json()) as { result?: unknown; error?: { message?: string } };
  if (body.error !== undefined) throw new Error(`${method}: ${body.error.message ?? "JSON-RPC error"}`);
  return body.result;
}

/** The chain id a JSON-RPC endpoint reports. */
export async function chainIdOf(url: string, timeoutMs = 2000): Promise<number> {
  return Number(BigInt((await rpcCall(url, "eth_chainId", [], timeoutMs)) as string));
}
