import { decodeBlock, decodeLinkedHeader, encodeBlock, encodeLinkedHeader, linkedHeaderOf, type Block, type LinkedHeader } from "./block";
import { BlockCorruptionError } from "./errors";
import type { BlockStore } from "./store";

/**
 * How blocks travel between nodes (`GET /v1/blocks`): a binary body of frames `[length u32][record]`, each record an
 * encoded block (`encodeBlock`, the stored bytes) or, for `headers=1`, a linked header (136 bytes). Binary rather
 * than hex in JSON: half the bytes and no parsing, and the records are exactly what the store keeps.
 */
export const BLOCKS_CONTENT_TYPE = "application/vnd.dplc.blocks";

/** The most blocks (and headers) one answer carries, and the byte budget after which it stops adding blocks. */
export const MAX_BLOCKS_PER_PAGE = 1_000;
export const MAX_HEADERS_PER_PAGE = 10_000;
export const MAX_PAGE_BYTES = 4 * 1024 * 1024;

export interface BlockPage {
  body: Buffer;
  count: number;
  /** The serving store's head number. */
  head: number;
}

/**
 * Reads up to `limit` blocks from `from` (capped), stopping once the page holds `maxBytes`; the first block is
 * always included, however large, so a reader always makes progress. An empty page: the store does not hold `from`.
 */
export async function readPage(store: Pick<BlockStore, "blocks" | "head">, from: number, limit: number, headers: boolean, maxBytes = MAX_PAGE_BYTES): Promise<BlockPage> {
  const cap = Math.min(limit, headers ? MAX_HEADERS_PER_PAGE : MAX_BLOCKS_PER_PAGE);
  const head = store.head?.number ?? 0;
  const to = Math.min(from + cap - 1, head);
  const parts: Buffer[] = [];
  let bytes = 0;
  for await (const b of store.blocks(from, to)) {
    const record = headers ? encodeLinkedHeader(linkedHeaderOf(b)) : encodeBlock(b);
    if (parts.length > 0 && bytes + 4 + record.length > maxBytes) break;
    const len = Buffer.alloc(4);
    len.writeUInt32BE(record.length);
    parts.push(len, record);
    bytes += 4 + record.length;
  }
  return { body: Buffer.concat(parts), count: parts.length / 2, head };
}

function records(body: Uint8Array, what: string): Buffer[] {
  const b = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const out: Buffer[] = [];
  for (let off = 0; off < b.length; ) {
    if (off + 4 > b.length) throw new BlockCorruptionError(what, `truncated frame at byte ${off}`);
    const len = b.readUInt32BE(off);
    if (off + 4 + len > b.length) throw new BlockCorruptionError(what, `frame at byte ${off} runs past the end`);
    out.push(b.subarray(off + 4, off + 4 + len));
    off += 4 + len;
  }
  return out;
}

export function decodeBlockPage(body: Uint8Array, what: string): Block[] {
  return records(body, what).map((r, i) => decodeBlock(r, `${what} record ${i}`));
}

export function decodeHeaderPage(body: Uint8Array, what: string): LinkedHeader[] {
  return records(body, what).map((r, i) => decodeLinkedHeader(r, `${what} record ${i}`));
}
