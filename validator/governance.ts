import { Contract, Interface, type BaseWallet, type JsonRpcProvider } from "ethers";
import { bridgeDomain } from "../relayer/signing";

/** EIP-712 type of a governance call (IBridgeGateway.sol, "Governance"). */
export const GOVERNANCE_TYPES = {
  BridgeGovernance: [
    { name: "data", type: "bytes" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

const GOVERNANCE_ABI = [
  "function governanceNonce() view returns (uint256)",
  "function executeGovernance(bytes data, uint256 deadline, bytes[] signatures)",
  "function addValidator(address validator)",
  "function removeValidator(address validator)",
  "function setThreshold(uint256 threshold)",
  "function setRemoteGateway(uint256 chainId, address gateway)",
  "function setMintLimit(uint256 limit, uint64 periodSeconds)",
  "function unpause()",
  "function grantRole(bytes32 role, address account)",
  "function revokeRole(bytes32 role, address account)",
];

/** The gateway's governance functions (`grantRole` of GOVERNOR_ROLE appoints e.g. a TimelockController). */
export const governanceInterface = new Interface(GOVERNANCE_ABI);

/** What `validator-govern sign --call` accepts. */
export const GOVERNANCE_CALLS = [
  "addValidator",
  "removeValidator",
  "setThreshold",
  "setRemoteGateway",
  "setMintLimit",
  "unpause",
  "grantRole",
  "revokeRole",
] as const;

/** One validator's signature over a governance call, with everything needed to check and submit it. */
export interface GovernanceSignature {
  readonly validator: string;
  readonly chainId: number;
  readonly gateway: string;
  readonly data: string;
  readonly nonce: string;
  readonly deadline: string;
  readonly signature: string;
}

/** `fn(args)` as calldata for the gateway, e.g. `encodeGovernanceCall("setThreshold", [3])`. */
export function encodeGovernanceCall(fn: string, args: readonly unknown[]): string {
  if (!(GOVERNANCE_CALLS as readonly string[]).includes(fn)) throw new Error(`${fn} is not a governance call (${GOVERNANCE_CALLS.join(", ")})`);
  return governanceInterface.encodeFunctionData(fn, args);
}

/**
 * Signs `data` for the gateway at its current governance nonce (read through the validator's own endpoint). The
 * validator should read `data` back (`governanceInterface.parseTransaction`) before signing: it is what will run.
 */
export async function signGovernanceCall(
  wallet: BaseWallet,
  provider: JsonRpcProvider,
  chainId: number,
  gateway: string,
  data: string,
  deadline: bigint,
): Promise<GovernanceSignature> {
  const nonce = (await new Contract(gateway, GOVERNANCE_ABI, provider).getFunction("governanceNonce")()) as bigint;
  const signature = await wallet.signTypedData(bridgeDomain(BigInt(chainId), gateway), GOVERNANCE_TYPES, { data, nonce, deadline });
  return { validator: wallet.address, chainId, gateway, data, nonce: nonce.toString(), deadline: deadline.toString(), signature };
}

/** Submits collected signatures (any order; they must agree on the call) with `submitter`'s gas; returns the tx hash. */
export async function submitGovernance(submitter: BaseWallet, provider: JsonRpcProvider, signatures: readonly GovernanceSignature[]): Promise<string> {
  const first = signatures[0];
  if (first === undefined) throw new Error("no governance signatures given");
  for (const s of signatures) {
    if (s.gateway.toLowerCase() !== first.gateway.toLowerCase() || s.data !== first.data || s.nonce !== first.nonce || s.deadline !== first.deadline) {
      throw new Error(`signature of ${s.validator} is for another call, nonce or deadline than ${first.validator}'s`);
    }
  }
  const ordered = [...signatures].sort((a, b) => (BigInt(a.validator) < BigInt(b.validator) ? -1 : 1)).map((s) => s.signature);
  const gw = new Contract(first.gateway, GOVERNANCE_ABI, submitter.connect(provider));
  const tx = await gw.getFunction("executeGovernance")(first.data, BigInt(first.deadline), ordered);
  return ((await tx.wait()) as { hash: string }).hash;
}
