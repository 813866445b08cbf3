import { expect } from "chai";
import { TypedDataEncoder, verifyTypedData, Wallet } from "ethers";
import { otherChain, toGatewayMessage, type BridgeMessage } from "../../relayer/message";
import { ABANDON_TYPES, bridgeDomain, MESSAGE_TYPES, REFUND_TYPES } from "../../relayer/signing";
import { LocalSignatures } from "../../relayer/collector";

const gatherSignatures = (wallets: Wallet[], threshold: number, m: BridgeMessage) => new LocalSignatures(wallets, threshold).collect(m);

// Fixed keys so the address order (which the gateway checks) is the same on every run.
const KEYS = ["0x" + "0a".repeat(32), "0x" + "0b".repeat(32), "0x" + "0c".repeat(32), "0x" + "0d".repeat(32)];
const VALIDATORS = KEYS.map((k) => new Wallet(k));
const ascending = (addresses: string[]) => [...addresses].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));

const MESSAGE: BridgeMessage = {
  source: "main",
  srcChainId: 101n,
  destChainId: 202n,
  srcGateway: "0x" + "11".repeat(20),
  destGateway: "0x" + "22".repeat(20),
  nonce: 7n,
  sender: "0x" + "33".repeat(20),
  target: "0x" + "44".repeat(20),
  payload: "0xdeadbeef",
  blockNumber: 12,
  blockHash: "0x" + "66".repeat(32),
  txHash: "0x" + "55".repeat(32),
  logIndex: 3,
};

describe("relayer signing (EIP-712 BridgeMessage, m-of-n)", () => {
  it("uses the type string of IBridgeGateway.sol", () => {
    expect(TypedDataEncoder.from(MESSAGE_TYPES).encodeType("BridgeMessage")).to.equal(
      "BridgeMessage(uint256 srcChainId,uint256 destChainId,address srcGateway,address destGateway,uint256 nonce," +
        "address sender,address target,bytes payload)",
    );
  });

  it("uses the abandon and refund attestations' type strings of IBridgeGateway.sol", () => {
    expect(TypedDataEncoder.from(ABANDON_TYPES).encodeType("BridgeAbandon")).to.equal("BridgeAbandon(bytes32 messageHash)");
    expect(TypedDataEncoder.from(REFUND_TYPES).encodeType("BridgeRefund")).to.equal("BridgeRefund(bytes32 messageHash)");
  });

  it("signs in the destination gateway's domain", () => {
    expect(bridgeDomain(202n, MESSAGE.destGateway)).to.deep.equal({
      name: "DPLC Bridge",
      version: "1",
      chainId: 202n,
      verifyingContract: MESSAGE.destGateway,
    });
  });

  describe("when more validators are hosted than the threshold", () => {
    it("returns exactly `threshold` signatures by the lowest addresses, in strictly ascending signer order", async () => {
      // Reversed input: the order must come from the addresses, not from the configuration.
      const signatures = await gatherSignatures([...VALIDATORS].reverse(), 3, MESSAGE);
      const domain = bridgeDomain(MESSAGE.destChainId, MESSAGE.destGateway);
      const signers = signatures.map((s: string) => verifyTypedData(domain, MESSAGE_TYPES, toGatewayMessage(MESSAGE), s));
      expect(signers).to.deep.equal(ascending(VALIDATORS.map((w) => w.address)).slice(0, 3));
    });
  });

  describe("when the threshold equals the number of validators", () => {
    it("has every validator sign once", async () => {
      const signatures = await gatherSignatures(VALIDATORS, VALIDATORS.length, MESSAGE);
      expect(new Set(signatures).size).to.equal(VALIDATORS.length);
    });
  });

  it("signs only the gateway's struct: where the log was found does not change the signature", async () => {
    const moved = { ...MESSAGE, blockNumber: 99, blockHash: "0x" + "77".repeat(32), txHash: "0x" + "88".repeat(32), logIndex: 0 };
    expect(await gatherSignatures(VALIDATORS, 2, moved)).to.deep.equal(await gatherSignatures(VALIDATORS, 2, MESSAGE));
    expect(toGatewayMessage(MESSAGE)).to.deep.equal({
      srcChainId: 101n,
      destChainId: 202n,
      srcGateway: MESSAGE.srcGateway,
      destGateway: MESSAGE.destGateway,
      nonce: 7n,
      sender: MESSAGE.sender,
      target: MESSAGE.target,
      payload: "0xdeadbeef",
    });
  });

  it("names the other chain of each chain", () => {
    expect(otherChain("main")).to.equal("side");
    expect(otherChain("side")).to.equal("main");
  });
});
