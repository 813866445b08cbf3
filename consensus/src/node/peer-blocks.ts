import type { Block, LinkedHeader } from "../blocks";
import { PeerFaultError, type BlockSource } from "../blocks/puller";
import { decodeBlockPage, decodeHeaderPage } from "../blocks/wire";
import type { OrdererConfig } from "../config/schema";
import { readTlsMaterial } from "../config/tls-files";

/** How long one page may take: a peer that stalls is left for the next. */
const PAGE_TIMEOUT_MS = 30_000;

/** A peer's `GET /v1/blocks` as a block source for the puller. */
export class HttpBlockSource implements BlockSource {
  constructor(
    readonly name: string,
    private readonly url: string,
    private readonly dispatcher?: object,
  ) {}

  async headers(from: number, limit: number, signal: AbortSignal): Promise<LinkedHeader[]> {
    return decodeHeaderPage(await this.page(from, limit, true, signal), `headers from ${this.name}`);
  }

  async blocks(from: number, limit: number, signal: AbortSignal): Promise<Block[]> {
    return decodeBlockPage(await this.page(from, limit, false, signal), `blocks from ${this.name}`);
  }

  private async page(from: number, limit: number, headers: boolean, signal: AbortSignal): Promise<Uint8Array> {
    const url = `${this.url}/v1/blocks?from=${from}&limit=${limit}${headers ? "&headers=1" : ""}`;
    const res = await fetch(url, {
      signal: AbortSignal.any([signal, AbortSignal.timeout(PAGE_TIMEOUT_MS)]),
      ...(this.dispatcher === undefined ? {} : { dispatcher: this.dispatcher }),
    } as RequestInit);
    const body = new Uint8Array(await res.arrayBuffer());
    if (res.status !== 200) throw new PeerFaultError(`${this.name} answered ${res.status}: ${Buffer.from(body).toString("utf8").slice(0, 200)}`);
    return body;
  }
}

/**
 * The block sources of a node's peers: every member of the current configuration but this node, at the API URL
 * forwarding uses (the member directory's, so members added at run time too). Over HTTPS the node presents its peer-link certificate (what `GET /v1/blocks` asks for) and
 * trusts the API's CA, as forwarding does.
 */
export function peerBlockSources(cfg: OrdererConfig, apiUrl: (id: string) => string | null, members: () => readonly string[]): () => BlockSource[] {
  let dispatcher: object | undefined;
  if (cfg.api.tls !== undefined) {
    const api = readTlsMaterial(cfg.api.tls, "api.tls");
    const peer = readTlsMaterial(cfg.tls, "tls");
    const { Agent } = require("undici") as typeof import("undici");
    dispatcher = new Agent({ connect: { ca: api.ca, cert: peer.cert, key: peer.key } });
  }
  const cache = new Map<string, HttpBlockSource>();
  return () => {
    const out: BlockSource[] = [];
    for (const id of new Set([...members(), ...cfg.peers.map((p) => p.id)])) {
      if (id === cfg.id) continue;
      const url = apiUrl(id);
      if (url === null) continue;
      let src = cache.get(url);
      if (src === undefined) cache.set(url, (src = new HttpBlockSource(id, url, dispatcher)));
      out.push(src);
    }
    return out;
  };
}
