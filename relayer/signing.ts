import { TypedDataEncoder } from "ethers";
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

/** EIP-712 types of the attestations that give up an undeliverable message and refund it (IBridgeGateway.sol). */
export const ABANDON_TYPES = { BridgeAbandon: [{ name: "messageHash", type: "bytes32" }] };
export const REFUND_TYPES = { BridgeRefund: [{ name: "messageHash", type: "bytes32" }] };

/**
 * The EIP-712 struct hash of a message (`IBridgeGateway.messageHash`): the message's identity between relayer and
 * validators, which covers every field, so a validator that saw a different event under the same nonce holds a
 * different hash.
 */
export function messageHash(m: BridgeMessage): string {
  return TypedDataEncoder.hashStruct("BridgeMessage", MESSAGE_TYPES, toGatewayMessage(m));
}

/** The destination gateway's EIP-712 domain. */
export function bridgeDomain(destChainId: bigint, destGateway: string) {
  return { name: "DPLC Bridge", version: "1", chainId: destChainId, verifyingContract: destGateway };
}
