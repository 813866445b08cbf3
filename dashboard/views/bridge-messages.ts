/**
 * Every bridge message as the two chains record it: sent, delivered or given up, and which validators signed the
 * delivery. The signers are recovered from the delivering transaction's own signatures (its `execute` calldata)
 * against the destination gateway's EIP-712 digest, so the page shows what the chain accepted, not what a relayer
 * or validator says about itself.
 */
import { TypedDataEncoder, getAddress, recoverAddress, type Provider } from "ethers";
import { MESSAGE_TYPES, bridgeDomain } from "../../relayer/signing";
import type { BridgeGateway } from "../../typechain-types";

export type MessageStatus = "in flight" | "delivered" | "abandoned";

export interface BridgeMessageRow {
  direction: "main → side" | "side → main";
  nonce: number;
  status: MessageStatus;
  /** The destination's transaction that delivered the message, or null. */
  deliveredIn: string | null;
  /** Validators whose signatures the delivery carried (checksummed, ascending as submitted); null if not delivered. */
  signers: string[] | null;
}

interface Leg {
  direction: BridgeMessageRow["direction"];
  source: BridgeGateway;
  dest: BridgeGateway;
  from: { source: number; dest: number };
}

/** The newest `limit` messages of one direction, newest first. */
async function readLeg(leg: Leg, limit: number): Promise<BridgeMessageRow[]> {
  const srcChainId = (await leg.source.runner!.provider!.getNetwork()).chainId;
  const sent = await leg.source.queryFilter(leg.source.filters.BridgeMessageSent(), leg.from.source);
  const executed = await leg.dest.queryFilter(leg.dest.filters.BridgeMessageExecuted(srcChainId), leg.from.dest);
  const abandoned = await leg.dest.queryFilter(leg.dest.filters.BridgeMessageAbandoned(srcChainId), leg.from.dest);
  const deliveredBy = new Map(executed.map((e) => [e.args.nonce, e.transactionHash]));
  const givenUp = new Set(abandoned.map((e) => e.args.nonce));
  const rows = sent.slice(-limit).reverse();
  return Promise.all(
    rows.map(async (e) => {
      const tx = deliveredBy.get(e.args.nonce) ?? null;
      const status: MessageStatus = tx !== null ? "delivered" : givenUp.has(e.args.nonce) ? "abandoned" : "in flight";
      return {
        direction: leg.direction,
        nonce: Number(e.args.nonce),
        status,
        deliveredIn: tx,
        signers: tx === null ? null : await signersOf(leg.dest, tx),
      };
    }),
  );
}

/** The addresses that signed the message an `execute` transaction delivered. */
export async function signersOf(gateway: BridgeGateway, txHash: string): Promise<string[]> {
  const provider = gateway.runner!.provider as Provider;
  const tx = await provider.getTransaction(txHash);
  if (tx === null) return [];
  const call = gateway.interface.parseTransaction({ data: tx.data, value: tx.value });
  if (call === null || call.name !== "execute") return [];
  const m = call.args[0] as { destChainId: bigint; destGateway: string } & Record<string, unknown>;
  const message = Object.fromEntries(MESSAGE_TYPES.BridgeMessage.map((f) => [f.name, m[f.name]]));
  const digest = TypedDataEncoder.hash(bridgeDomain(m.destChainId, m.destGateway), MESSAGE_TYPES, message);
  return (call.args[1] as string[]).map((sig) => getAddress(recoverAddress(digest, sig)));
}

/** Both directions' newest messages (at most `limit` each), main → side first. */
export async function readBridgeMessages(
  main: BridgeGateway,
  side: BridgeGateway,
  from: { main: number; side: number },
  limit = 100,
): Promise<BridgeMessageRow[]> {
  const down = await readLeg({ direction: "main → side", source: main, dest: side, from: { source: from.main, dest: from.side } }, limit);
  const up = await readLeg({ direction: "side → main", source: side, dest: main, from: { source: from.side, dest: from.main } }, limit);
  return [...down, ...up];
}
