import net from "node:net";

/** A base port P such that P + d is free on 127.0.0.1 for every d of `span`. */
export async function freeBase(span: number[]): Promise<number> {
  const isFree = (port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const srv = net.createServer();
      srv.once("error", () => resolve(false));
      srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    // Below Linux's ephemeral range (32768+), so outgoing connections cannot take our ports meanwhile.
    const base = 20_000 + Math.floor(Math.random() * 12_000);
    if ((await Promise.all(span.map((d) => isFree(base + d)))).every(Boolean)) return base;
  }
  throw new Error("no free port range on 127.0.0.1");
}

/** The Raft and API ports of an n-node LocalCluster, relative to its base port. */
export const clusterPorts = (n: number): number[] => [...Array.from({ length: n }, (_, i) => [i, 100 + i]).flat()];
