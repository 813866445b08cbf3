// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Bridge gateway (one per chain; the paper's two-way anchoring, §III.A)
/// @notice Outbound: an allowed local contract calls {send}; the gateway numbers the message with its own nonce
/// (1, 2, …) and emits {BridgeMessageSent}. Inbound: anyone (the relayer) calls {execute} with the message and m-of-n
/// validator signatures over its EIP-712 hash; the gateway checks the signatures, the chain ids and gateway addresses,
/// marks the message processed and calls `target.onBridgeMessage(srcChainId, sender, nonce, payload)`
/// ({IBridgeReceiver}).
///
/// Binding. Both devnets use the same accounts, so contract addresses can coincide across chains. Every message is
/// therefore bound to its source chain id, destination chain id (must equal this chain's id), source gateway (must
/// be the remote gateway the admin registered for that chain id) and destination gateway (must be this contract).
/// The EIP-712 domain is `{name: "DPLC Bridge", version: "1", chainId: <this chain>, verifyingContract: <this
/// gateway>}` and the signed struct is
/// `BridgeMessage(uint256 srcChainId,uint256 destChainId,address srcGateway,address destGateway,uint256 nonce,address sender,address target,bytes payload)`
/// (EIP-712 hashes `bytes` as keccak256 of its contents, so `ethers.Signer.signTypedData` signs it directly).
///
/// Signatures: 65-byte ECDSA (r, s, v), one per validator, ordered by strictly ascending signer address, at least
/// `threshold` of them; every signer must be a current validator.
///
/// Failure. If the target reverts, {execute} reverts with the target's error and the message stays unprocessed, so
/// it can be delivered later (for example after the mint limit's period rolls over).
///
/// Mint limit. The gateway keeps a per-period mint allowance for the token peg: a contract holding `PEG_ROLE` calls
/// {consumeMintLimit} before it mints. Periods are `block.timestamp / periodSeconds`. The limit starts at 0 (fail
/// closed): the admin must set it before wrapped tokens can be minted.
interface IBridgeGateway {
    /// @notice A cross-chain message. `srcGateway`/`destGateway` are the gateway contracts on each chain.
    struct Message {
        uint256 srcChainId;
        uint256 destChainId;
        address srcGateway;
        address destGateway;
        uint256 nonce;
        address sender;
        address target;
        bytes payload;
    }

    /// @notice A message left this chain. The emitting contract is the source gateway.
    event BridgeMessageSent(
        uint256 indexed nonce,
        uint256 srcChainId,
        uint256 indexed destChainId,
        address indexed sender,
        address target,
        bytes payload
    );
    /// @notice A message from `srcGateway` on `srcChainId` was verified and delivered to its target.
    event BridgeMessageExecuted(
        uint256 indexed srcChainId,
        address indexed srcGateway,
        uint256 indexed nonce,
        bytes32 messageHash,
        address target
    );
    /// @notice `validator` joined the validator set.
    event BridgeGatewayValidatorAdded(address indexed validator);
    /// @notice `validator` left the validator set.
    event BridgeGatewayValidatorRemoved(address indexed validator);
    /// @notice The number of signatures {execute} needs changed.
    event BridgeGatewayThresholdChanged(uint256 oldThreshold, uint256 newThreshold);
    /// @notice Messages from `chainId` are accepted only from `gateway` (zero: none), and {send} may target it.
    event BridgeGatewayRemoteSet(uint256 indexed chainId, address gateway);
    /// @notice The peg may mint at most `limit` token units per `periodSeconds`.
    event BridgeGatewayMintLimitChanged(uint256 limit, uint64 periodSeconds);
    /// @notice `peg` used `amount` of the mint allowance of `period`.
    event BridgeGatewayMintLimitConsumed(address indexed peg, uint256 indexed period, uint256 amount, uint256 used);

    /// @notice A signature did not recover (malformed or non-canonical), at `index` in the list.
    error BridgeGatewayInvalidSignature(uint256 index);
    /// @notice A signature recovered to `signer`, which is not a validator (forged or stale).
    error BridgeGatewayUnknownSigner(uint256 index, address signer);
    /// @notice The same validator signed twice.
    error BridgeGatewayDuplicateSigner(address signer);
    /// @notice Signers must be in strictly ascending address order.
    error BridgeGatewaySignersUnordered(address previous, address signer);
    /// @notice Fewer signatures than the threshold.
    error BridgeGatewayTooFewSignatures(uint256 provided, uint256 threshold);
    /// @notice This message (source chain, source gateway, nonce) was executed already.
    error BridgeGatewayAlreadyProcessed(uint256 srcChainId, address srcGateway, uint256 nonce);
    /// @notice The message is for another chain.
    error BridgeGatewayWrongDestinationChain(uint256 destChainId, uint256 chainId);
    /// @notice The message is for another gateway.
    error BridgeGatewayWrongGateway(address destGateway, address gateway);
    /// @notice The source gateway is not the registered remote gateway of its chain.
    error BridgeGatewayUnknownSource(uint256 srcChainId, address srcGateway);
    /// @notice {send} to a chain with no registered remote gateway (or to this chain).
    error BridgeGatewayUnknownDestination(uint256 destChainId);
    /// @notice The bridge is paused.
    error BridgeGatewayPaused();
    /// @notice The mint would exceed the allowance left in `period`.
    error BridgeGatewayMintLimitExceeded(uint256 period, uint256 requested, uint256 available);
    /// @notice The target has no code or did not acknowledge the message.
    error BridgeGatewayInvalidReceiver(address target);
    /// @notice A validator address is zero, already present or absent.
    error BridgeGatewayInvalidValidator(address validator);
    /// @notice The threshold must be between 1 and the number of validators.
    error BridgeGatewayInvalidThreshold(uint256 threshold, uint256 validators);
    /// @notice The mint-limit period must be positive.
    error BridgeGatewayInvalidPeriod();
    /// @notice The target must not be the zero address.
    error BridgeGatewayZeroTarget();
    /// @notice A remote gateway cannot be registered for chain id 0 or this chain.
    error BridgeGatewayInvalidRemote(uint256 chainId);

    /// @notice Sends `payload` to `target` on `destChainId`. `SENDER_ROLE` only; not while paused.
    /// @return nonce The message's nonce on this gateway.
    function send(uint256 destChainId, address target, bytes calldata payload) external returns (uint256 nonce);

    /// @notice Verifies and delivers an inbound message. Anyone may call; not while paused.
    function execute(Message calldata message, bytes[] calldata signatures) external;

    /// @notice Uses `amount` of the current period's mint allowance, reverting when it would exceed it.
    /// `PEG_ROLE` only (the wrapped token calls it before minting).
    function consumeMintLimit(uint256 amount) external;

    /// @notice Adds a validator. Admin only.
    function addValidator(address validator) external;

    /// @notice Removes a validator; the threshold must still be reachable. Admin only.
    function removeValidator(address validator) external;

    /// @notice Sets the number of signatures needed (1 ≤ threshold ≤ validators). Admin only.
    function setThreshold(uint256 threshold) external;

    /// @notice Registers the gateway on `chainId` (zero address: forget it). Admin only.
    function setRemoteGateway(uint256 chainId, address gateway) external;

    /// @notice Sets the peg's mint allowance per period. Admin only.
    function setMintLimit(uint256 limit, uint64 periodSeconds) external;

    /// @notice Stops {send}, {execute} and {consumeMintLimit}. `PAUSER_ROLE` only.
    function pause() external;

    /// @notice Resumes the bridge. `PAUSER_ROLE` only.
    function unpause() external;

    /// @notice This chain's id as the gateway sees it (`block.chainid`).
    function chainId() external view returns (uint256);

    /// @notice The nonce of the last message sent (0 before the first).
    function outboundNonce() external view returns (uint256);

    /// @notice Whether the message (srcChainId, srcGateway, nonce) was executed here.
    function processed(uint256 srcChainId, address srcGateway, uint256 nonce) external view returns (bool);

    /// @notice The registered gateway of `chainId` (zero when none).
    function remoteGateway(uint256 chainId) external view returns (address);

    /// @notice The validator set, in insertion order.
    function validators() external view returns (address[] memory);

    /// @notice Whether `account` is a validator.
    function isValidator(address account) external view returns (bool);

    /// @notice Signatures needed by {execute}.
    function threshold() external view returns (uint256);

    /// @notice The mint allowance: limit per period, period length, current period index and amount used in it.
    function mintLimit()
        external
        view
        returns (uint256 limit, uint64 periodSeconds, uint256 period, uint256 usedInPeriod);

    /// @notice The EIP-712 digest validators sign for `message` (on this gateway as destination).
    function hashMessage(Message calldata message) external view returns (bytes32);

    /// @notice The EIP-712 domain separator of this gateway.
    function domainSeparator() external view returns (bytes32);
}
