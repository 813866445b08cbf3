import { Contract, Interface, type BaseWallet, type JsonRpcProvider, type Log } from "ethers";
import type { Submitter } from "../src/submitters";
import { toGatewayMessage, type BridgeMessage, type ChainName } from "./message";

/** The parts of IBridgeGateway the relayer uses (human-readable ABI: the relayer does not need compiled artifacts). */
export const GATEWAY_ABI = [
  "event BridgeMessageSent(uint256 indexed nonce, uint256 srcChainId, uint256 indexed destChainId, address indexed sender, address target, bytes payload)",
  "function execute((uint256 srcChainId, uint256 destChainId, address srcGateway, address destGateway, uint256 nonce, address sender, address target, bytes payload) message, bytes[] signatures)",
  "function processed(uint256 srcChainId, address srcGateway, uint256 nonce) view returns (bool)",
  "function remoteGateway(uint256 chainId) view returns (address)",
  "function threshold() view returns (uint256)",
  "error BridgeGatewayInvalidSignature(uint256 index)",
  "error BridgeGatewayUnknownSigner(uint256 index, address signer)",
  "error BridgeGatewayDuplicateSigner(address signer)",
  "error BridgeGatewaySignersUnordered(address previous, address signer)",
  "error BridgeGatewayTooFewSignatures(uint256 provided, uint256 threshold)",
  "error BridgeGatewayAlreadyProcessed(uint256 srcChainId, address srcGateway, uint256 nonce)",
  "error BridgeGatewayWrongDestinationChain(uint256 destChainId, uint256 chainId)",
  "error BridgeGatewayWrongGateway(address destGateway, address gateway)",
  "error BridgeGatewayUnknownSource(uint256 srcChainId, address srcGateway)",
  "error BridgeGatewayPaused()",
  "error BridgeGatewayMintLimitExceeded(uint256 period, uint256 requested, uint256 available)",
  "error BridgeGatewayInvalidReceiver(address target)",
  "error BridgeGatewayUnknownMessage(uint256 nonce)",
  "error BridgeGatewayAlreadyRefunded(uint256 nonce)",
  "event BridgeMessageAbandoned(uint256 indexed srcChainId, address indexed srcGateway, uint256 indexed nonce, bytes32 messageHash)",
  "function abandon((uint256 srcChainId, uint256 destChainId, address srcGateway, address destGateway, uint256 nonce, address sender, address target, bytes payload) message, bytes[] signatures)",
  "function refund((uint256 srcChainId, uint256 destChainId, address srcGateway, address destGateway, uint256 nonce, address sender, address target, bytes payload) message, bytes[] signatures)",
  "function refunded(uint256 nonce) view returns (bool)",
];

export const gatewayInterface = new Interface(GATEWAY_ABI);

/**
 * What the relayer needs from one chain. The service talks only to this interface, so its logic runs against
 * in-memory fakes in tests as well as against real nodes.
 */
export interface GatewayPort {
  readonly name: ChainName;
  readonly gateway: string;
  chainId(): Promise<number>;
  blockHash(blockNumber: number): Promise<string | undefined>;
  head(): Promise<number>;
  /** `BridgeMessageSent` logs of this gateway in [from, to], addressed to `destChainId`'s `destGateway`. */
  sentMessages(from: number, to: number, destChainId: bigint, destGateway: string): Promise<BridgeMessage[]>;
  /** Whether this gateway executed the message already. */
  isProcessed(m: BridgeMessage): Promise<boolean>;
  /** Executes the message here and waits for the receipt; returns the transaction hash. */
  execute(m: BridgeMessage, signatures: string[]): Promise<string>;
  /** Abandons the (inbound) message here on abandon attestations; returns the transaction hash. */
  abandon(m: BridgeMessage, signatures: string[]): Promise<string>;
  /** Refunds the (outbound) message here on refund attestations; returns the transaction hash. */
  refund(m: BridgeMessage, signatures: string[]): Promise<string>;
}

/** Who pays for deliveries on a chain, and how its transactions reach the chain (straight to the node, or ordered). */
export interface GatewaySender {
  readonly wallet: BaseWallet;
  readonly submitter: Submitter;
}

/** A gateway reached over JSON-RPC with ethers. */
export class EthersGatewayPort implements GatewayPort {
  protected readonly contract: Contract;
  /** The sender's wallet connected to this chain, and how its transactions reach the chain. */
  private readonly sender?: { readonly signer: BaseWallet; readonly submitter: Submitter };

  /** Without a sender the port only reads (a validator never sends transactions). */
  constructor(
    readonly name: ChainName,
    readonly gateway: string,
    protected readonly provider: JsonRpcProvider,
    sender?: GatewaySender,
  ) {
    this.contract = new Contract(gateway, GATEWAY_ABI, provider);
    if (sender !== undefined) this.sender = { signer: sender.wallet.connect(provider), submitter: sender.submitter };
  }

  async chainId(): Promise<number> {
    return Number(BigInt(await this.provider.send("eth_chainId", [])));
  }

  async blockHash(blockNumber: number): Promise<string | undefined> {
    return (await this.provider.getBlock(blockNumber))?.hash ?? undefined;
  }

  head(): Promise<number> {
    return this.provider.getBlockNumber();
  }

  async sentMessages(from: number, to: number, destChainId: bigint, destGateway: string): Promise<BridgeMessage[]> {
    const logs = await this.provider.getLogs({
      address: this.gateway,
      fromBlock: from,
      toBlock: to,
      topics: [gatewayInterface.getEvent("BridgeMessageSent")!.topicHash],
    });
    return logs.flatMap((l) => {
      const m = decodeSent(this.name, l, destGateway);
      return m !== undefined && m.destChainId === destChainId ? [m] : [];
    });
  }

  async isProcessed(m: BridgeMessage): Promise<boolean> {
    return (await this.contract.getFunction("processed")(m.srcChainId, m.srcGateway, m.nonce)) as boolean;
  }

  execute(m: BridgeMessage, signatures: string[]): Promise<string> {
    return this.submit("execute", m, signatures);
  }

  abandon(m: BridgeMessage, signatures: string[]): Promise<string> {
    return this.submit("abandon", m, signatures);
  }

  refund(m: BridgeMessage, signatures: string[]): Promise<string> {
    return this.submit("refund", m, signatures);
  }

  private async submit(fn: "execute" | "abandon" | "refund", m: BridgeMessage, signatures: string[]): Promise<string> {
    if (this.sender === undefined) throw new Error(`the ${this.name} gateway port only reads: it has no sender for ${fn}`);
    const tx = await this.contract.getFunction(fn).populateTransaction(toGatewayMessage(m), signatures);
    const receipt = await (await this.sender.submitter.submit(this.sender.signer, tx)).wait();
    return receipt.hash;
  }
}

/** Decodes a `BridgeMessageSent` log; the emitting contract is the source gateway. */
export function decodeSent(source: ChainName, log: Log, destGateway: string): BridgeMessage | undefined {
  const parsed = gatewayInterface.parseLog({ topics: [...log.topics], data: log.data });
  if (parsed === null || parsed.name !== "BridgeMessageSent") return undefined;
  return {
    source,
    srcChainId: parsed.args.srcChainId as bigint,
    destChainId: parsed.args.destChainId as bigint,
    srcGateway: log.address,
    destGateway,
    nonce: parsed.args.nonce as bigint,
    sender: parsed.args.sender as string,
    target: parsed.args.target as string,
    payload: parsed.args.payload as string,
    blockNumber: log.blockNumber,
    blockHash: log.blockHash,
    txHash: log.transactionHash,
    logIndex: log.index,
  };
}

/** A one-line description of a failed call: the gateway's custom error with its arguments when there is one. */
export function describeFailure(err: unknown): string {
  const data = findRevertData(err);
  if (data !== undefined) {
    try {
      const e = gatewayInterface.parseError(data);
      if (e !== null) return `${e.name}(${e.args.map(String).join(", ")})`;
    } catch {
      // not one of the gateway's errors (e.g. the target's): fall through
    }
    return `reverted with data ${data.slice(0, 74)}`;
  }
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split("\n")[0]!.slice(0, 300);
}

function findRevertData(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e !== null && typeof e === "object"; depth++) {
    const data = (e as { data?: unknown }).data;
    if (typeof data === "string" && data.startsWith("0x") && data.length >= 10) return data;
    e = (e as { error?: unknown; info?: { error?: unknown } }).error ?? (e as { info?: { error?: unknown } }).info?.error;
  }
  return undefined;
}
