/**
 * Bridge test helpers: validator keys, EIP-712 signing exactly as a relayer does it, message extraction from a
 * source gateway's receipts, and delivery to the destination gateway.
 *
 * Two "chains" in one Hardhat network: the gateways are {BridgeGatewayHarness} instances that believe they run on
 * MAIN_CHAIN and SIDE_CHAIN. Only the chain id differs from the production gateway (whose chain id is block.chainid,
 * tested separately in BridgeGateway.test.ts).
 */
import { ethers } from "hardhat";
import { TypedDataEncoder, Wallet, type Interface, keccak256, toUtf8Bytes, type ContractTransactionResponse, type TransactionReceipt } from "ethers";
import type { BridgeGateway, IBridgeGateway } from "../../typechain-types";

export const MAIN_CHAIN = 1001n;
export const SIDE_CHAIN = 2002n;
export const THRESHOLD = 2n;
export const DAY = 86_400n;

/** EIP-712 types of IBridgeGateway.Message (see the interface's NatSpec). */
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

export type Message = IBridgeGateway.MessageStruct & {
  srcChainId: bigint;
  destChainId: bigint;
  srcGateway: string;
  destGateway: string;
  nonce: bigint;
  sender: string;
  target: string;
  payload: string;
};

/** A deterministic key named `name` (no provider: validators only sign). */
export function namedWallet(name: string): Wallet {
  return new Wallet(keccak256(toUtf8Bytes(`dplc-test-${name}`)));
}

export function byAddress<T extends { address: string }>(list: readonly T[]): T[] {
  return [...list].sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
}

/** Three validators, sorted by address. */
export const VALIDATORS: Wallet[] = byAddress(["validator-1", "validator-2", "validator-3"].map(namedWallet));

/** The EIP-712 domain of `gateway`, read from the chain (ERC-5267). */
export async function domainOf(gateway: BridgeGateway) {
  const d = await gateway.eip712Domain();
  return { name: d.name, version: d.version, chainId: d.chainId, verifyingContract: d.verifyingContract };
}

/** Signatures of `signers` (ordered as given) over `message` for delivery to `dest`. */
export async function sign(dest: BridgeGateway, message: Message, signers: readonly Wallet[]): Promise<string[]> {
  const domain = await domainOf(dest);
  return Promise.all(signers.map((w) => w.signTypedData(domain, MESSAGE_TYPES, message)));
}

/** Signatures of the first `THRESHOLD` validators in ascending address order. */
export async function quorum(dest: BridgeGateway, message: Message): Promise<string[]> {
  return sign(dest, message, VALIDATORS.slice(0, Number(THRESHOLD)));
}

/** The messages `src` emitted in `receipt`, addressed to the gateway `src` registered for their chain. */
export async function sentMessages(src: BridgeGateway, receipt: TransactionReceipt | null): Promise<Message[]> {
  if (!receipt) throw new Error("no receipt");
  const srcAddress = await src.getAddress();
  const out: Message[] = [];
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== srcAddress.toLowerCase()) continue;
    const parsed = src.interface.parseLog(log);
    if (!parsed || parsed.name !== "BridgeMessageSent") continue;
    const destChainId = parsed.args.destChainId as bigint;
    out.push({
      srcChainId: parsed.args.srcChainId as bigint,
      destChainId,
      srcGateway: srcAddress,
      destGateway: await src.remoteGateway(destChainId),
      nonce: parsed.args.nonce as bigint,
      sender: parsed.args.sender as string,
      target: parsed.args.target as string,
      payload: parsed.args.payload as string,
    });
  }
  return out;
}

/** Waits for `tx` and returns the messages it sent through `src`. */
export async function sent(src: BridgeGateway, tx: Promise<ContractTransactionResponse>): Promise<Message[]> {
  return sentMessages(src, await (await tx).wait());
}

/** Delivers `message` to `dest` with a quorum of validator signatures. */
export async function deliver(dest: BridgeGateway, message: Message): Promise<void> {
  const [relayer] = await ethers.getSigners();
  await (await dest.connect(relayer!).execute(message, await quorum(dest, message))).wait();
}

/** Waits for `tx` and delivers every message it sent through `src` to `dest`; returns them. */
export async function relay(
  src: BridgeGateway,
  dest: BridgeGateway,
  tx: Promise<ContractTransactionResponse>,
): Promise<Message[]> {
  const messages = await sent(src, tx);
  for (const m of messages) await deliver(dest, m);
  return messages;
}

/** EIP-712 types of a governance call, an abandon and a refund attestation (see IBridgeGateway's NatSpec). */
export const GOVERNANCE_TYPES = {
  BridgeGovernance: [
    { name: "data", type: "bytes" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};
export const ABANDON_TYPES = { BridgeAbandon: [{ name: "messageHash", type: "bytes32" }] };
export const REFUND_TYPES = { BridgeRefund: [{ name: "messageHash", type: "bytes32" }] };

/** The EIP-712 struct hash of a message (what abandon and refund attestations sign). */
export function messageHashOf(message: Message): string {
  return TypedDataEncoder.hashStruct("BridgeMessage", MESSAGE_TYPES, message);
}

/** Signatures of `signers` over a governance call of `gateway` with its current nonce. */
export async function signGovernance(
  gateway: BridgeGateway,
  data: string,
  deadline: bigint,
  signers: readonly Wallet[] = VALIDATORS.slice(0, Number(THRESHOLD)),
): Promise<string[]> {
  const domain = await domainOf(gateway);
  const nonce = await gateway.governanceNonce();
  return Promise.all(signers.map((w) => w.signTypedData(domain, GOVERNANCE_TYPES, { data, nonce, deadline })));
}

/** Runs `data` (a call to `gateway`) as a governance call signed by `signers` (default: the first quorum). */
export async function govern(
  gateway: BridgeGateway,
  data: string,
  signers: readonly Wallet[] = VALIDATORS.slice(0, Number(THRESHOLD)),
): Promise<ContractTransactionResponse> {
  const deadline = BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + 3_600n;
  return gateway.executeGovernance(data, deadline, await signGovernance(gateway, data, deadline, signers));
}

/** The calldata of `gateway.fn(...args)`, for {govern}. */
export function call(gateway: BridgeGateway, fn: string, args: readonly unknown[] = []): string {
  // The typed overloads want a literal function name; this helper takes any of them.
  return (gateway.interface as unknown as Interface).encodeFunctionData(fn, args);
}

/** Quorum signatures abandoning `message` at its destination `dest`. */
export async function abandonQuorum(dest: BridgeGateway, message: Message): Promise<string[]> {
  const domain = await domainOf(dest);
  const messageHash = messageHashOf(message);
  return Promise.all(VALIDATORS.slice(0, Number(THRESHOLD)).map((w) => w.signTypedData(domain, ABANDON_TYPES, { messageHash })));
}

/** Quorum signatures refunding `message` at its source `src`. */
export async function refundQuorum(src: BridgeGateway, message: Message): Promise<string[]> {
  const domain = await domainOf(src);
  const messageHash = messageHashOf(message);
  return Promise.all(VALIDATORS.slice(0, Number(THRESHOLD)).map((w) => w.signTypedData(domain, REFUND_TYPES, { messageHash })));
}
