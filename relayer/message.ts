/** The two chains the relayer joins. */
export type ChainName = "main" | "side";

export const CHAINS: readonly ChainName[] = ["main", "side"];

export function otherChain(c: ChainName): ChainName {
  return c === "main" ? "side" : "main";
}

/**
 * A `BridgeMessageSent` log, with everything `IBridgeGateway.execute` needs (`IBridgeGateway.Message`) and where the
 * log was found (to detect reorgs before delivery).
 */
export interface BridgeMessage {
  readonly source: ChainName;
  readonly srcChainId: bigint;
  readonly destChainId: bigint;
  readonly srcGateway: string;
  readonly destGateway: string;
  readonly nonce: bigint;
  readonly sender: string;
  readonly target: string;
  readonly payload: string;
  readonly blockNumber: number;
  readonly blockHash: string;
  readonly txHash: string;
  readonly logIndex: number;
}

/** A stable key for a message: its source chain and nonce (the source gateway numbers its messages 1, 2, …). */
export function messageKey(m: Pick<BridgeMessage, "source" | "nonce">): string {
  return `${m.source}:${m.nonce}`;
}

/** The struct `IBridgeGateway.execute` takes. */
export function toGatewayMessage(m: BridgeMessage) {
  return {
    srcChainId: m.srcChainId,
    destChainId: m.destChainId,
    srcGateway: m.srcGateway,
    destGateway: m.destGateway,
    nonce: m.nonce,
    sender: m.sender,
    target: m.target,
    payload: m.payload,
  };
}
