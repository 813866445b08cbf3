import type { Wallet } from "ethers";
import { toGatewayMessage, type BridgeMessage } from "./message";

/** EIP-712 types of `IBridgeGateway.Message` (see IBridgeGateway.sol). */
export const MESSAGE_TYPES = {
  BridgeMessage: [
    { name: "srcChainId", type: "uint256" },
    { name: "destChainId", type: "uint256" },
    { name: "srcGateway", type: "address" },
    { name: "destGateway", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "sender", type: "address" },
    { name: "target", type: "address" },
    { name: "payload", type: "bytes" },
  ],
};

/** The destination gateway's EIP-712 domain. */
export function bridgeDomain(destChainId: bigint, destGateway: string) {
  return { name: "DPLC Bridge", version: "1", chainId: destChainId, verifyingContract: destGateway };
}

/**
 * `threshold` validator signatures over the message, ordered by strictly ascending signer address as the gateway
 * requires. Signing is local (no I/O): each hosted validator signs the typed data.
 */
export async function gatherSignatures(validators: readonly Wallet[], threshold: number, m: BridgeMessage): Promise<string[]> {
  const chosen = [...validators]
    .sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1))
    .slice(0, threshold);
  const domain = bridgeDomain(m.destChainId, m.destGateway);
  return Promise.all(chosen.map((w) => w.signTypedData(domain, MESSAGE_TYPES, toGatewayMessage(m))));
}
