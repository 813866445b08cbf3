import { Interface } from "ethers";
import { EthersGatewayPort, describeFailure, gatewayInterface, type GatewayPort } from "../relayer/gateway";
import type { BridgeMessage } from "../relayer/message";

/** What a validator reads from one chain: the relayer's view plus the checks behind abandon and refund. */
export interface ValidatorPort extends Omit<GatewayPort, "execute" | "abandon" | "refund"> {
  /**
   * Delivery of `m` to its target as this (destination) gateway would make it, simulated with `eth_call`: undefined
   * when it would succeed, else the failure.
   */
  simulateDelivery(m: BridgeMessage): Promise<string | undefined>;
  /** Whether this (destination) gateway emitted `BridgeMessageAbandoned` for `m` with `hash` in blocks ≤ `toBlock`. */
  wasAbandoned(m: BridgeMessage, hash: string, toBlock: number): Promise<boolean>;
}

const receiverInterface = new Interface([
  "function onBridgeMessage(uint256 srcChainId, address sender, uint256 nonce, bytes payload) returns (bytes4)",
]);

/** A {ValidatorPort} over JSON-RPC; it holds no key. */
export class EthersValidatorPort extends EthersGatewayPort implements ValidatorPort {
  async simulateDelivery(m: BridgeMessage): Promise<string | undefined> {
    const data = receiverInterface.encodeFunctionData("onBridgeMessage", [m.srcChainId, m.sender, m.nonce, m.payload]);
    try {
      const out = await this.provider.call({ from: this.gateway, to: m.target, data });
      const ack = out.slice(0, 10).toLowerCase();
      return ack === receiverInterface.getFunction("onBridgeMessage")!.selector ? undefined : `no acknowledgement (${out.slice(0, 10)})`;
    } catch (err) {
      return describeFailure(err);
    }
  }

  async wasAbandoned(m: BridgeMessage, hash: string, toBlock: number): Promise<boolean> {
    const event = gatewayInterface.getEvent("BridgeMessageAbandoned")!;
    const topics = gatewayInterface.encodeFilterTopics(event, [m.srcChainId, m.srcGateway, m.nonce]);
    const logs = await this.provider.getLogs({ address: this.gateway, fromBlock: 0, toBlock, topics });
    return logs.some((l) => gatewayInterface.parseLog({ topics: [...l.topics], data: l.data })?.args.messageHash === hash);
  }
}
