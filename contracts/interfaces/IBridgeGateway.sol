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
/// it can be delivered later (for example after the mint limit's period rolls over). A message that can never be
/// delivered (a mint above the whole limit, a certificate receiver without the ERC-1155 hook) strands nothing: a
/// quorum of validators signs `BridgeAbandon(bytes32 messageHash)` in the destination gateway's domain and anyone
/// calls {abandon} there, which marks the message processed for good (it can no longer execute) and emits
/// {BridgeMessageAbandoned}. Validators who see that event (confirmed) sign `BridgeRefund(bytes32 messageHash)` in
/// the source gateway's domain; {refund} there checks the message against the hash the gateway stored when it was
/// sent and hands it back to its sender ({IBridgeRefundReceiver-onBridgeRefund}): the vault unlocks the DPLC to
/// whoever locked it, the wrapped token re-mints what was burned, the reporter lets the trade be re-issued to a
/// corrected receiver. `messageHash` is the EIP-712 struct hash of the `BridgeMessage`.
///
/// Governance. The validator set, the threshold, remote gateways, the peg allowance and unpausing belong to
/// `GOVERNOR_ROLE`, which the gateway holds itself and which only governors can grant: either a quorum of the current
/// validators signs `BridgeGovernance(bytes data,uint256 nonce,uint256 deadline)` (in this gateway's domain; `data` is
/// a call to this gateway, `nonce` is {governanceNonce}) and anyone submits it with {executeGovernance}, or the quorum
/// grants the role to an OpenZeppelin `TimelockController` whose delay leaves validators time to cancel or pause.
/// The admin ({DEFAULT_ADMIN_ROLE}) only bootstraps: it may register a chain's remote gateway once and set the first
/// peg allowance, and grant the local roles (`SENDER_ROLE`, `PEG_ROLE`, `PAUSER_ROLE`), none of which moves value.
/// Pausing stays quick: `PAUSER_ROLE` holders and every validator may pause.
///
/// Peg allowance ("mint limit"). The gateway keeps a per-period allowance for the token peg: a contract holding
/// `PEG_ROLE` calls {consumeMintLimit} before it pays out an inbound transfer (the side chain's WrappedDPLC before it
/// mints, the main chain's TokenVault before it releases). Periods are `block.timestamp / periodSeconds`; changing the
/// period keeps the amount used in the current window. The limit starts at 0 (fail closed).
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
    /// @notice A validator-signed governance call (`nonce`, keccak256 of its calldata) ran.
    event BridgeGatewayGovernanceExecuted(uint256 indexed nonce, bytes32 dataHash);
    /// @notice A quorum gave up an undeliverable inbound message; it can never execute here.
    event BridgeMessageAbandoned(
        uint256 indexed srcChainId,
        address indexed srcGateway,
        uint256 indexed nonce,
        bytes32 messageHash
    );
    /// @notice An outbound message abandoned on its destination was handed back to its sender.
    event BridgeMessageRefunded(uint256 indexed nonce, uint256 indexed destChainId, address indexed sender, bytes32 messageHash);

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
    /// @notice The admin registered this chain's remote gateway already; changing it needs governance.
    error BridgeGatewayRemoteAlreadySet(uint256 chainId, address gateway);
    /// @notice The admin set the first peg allowance already; changing it needs governance.
    error BridgeGatewayMintLimitAlreadySet(uint256 limit, uint64 periodSeconds);
    /// @notice The signed governance call expired at `deadline`.
    error BridgeGatewayGovernanceExpired(uint256 deadline, uint256 timestamp);
    /// @notice No message with this nonce and content left this gateway.
    error BridgeGatewayUnknownMessage(uint256 nonce);
    /// @notice The message was refunded already.
    error BridgeGatewayAlreadyRefunded(uint256 nonce);
    /// @notice The message's sender did not acknowledge the refund.
    error BridgeGatewayInvalidRefundReceiver(address sender);

    /// @notice Sends `payload` to `target` on `destChainId`. `SENDER_ROLE` only; not while paused.
    /// @return nonce The message's nonce on this gateway.
    function send(uint256 destChainId, address target, bytes calldata payload) external returns (uint256 nonce);

    /// @notice Verifies and delivers an inbound message. Anyone may call; not while paused.
    function execute(Message calldata message, bytes[] calldata signatures) external;

    /// @notice Marks an undeliverable inbound message processed without delivering it, on a quorum's
    /// `BridgeAbandon(messageHash)` signatures (same order rules as {execute}). Anyone may call; not while paused.
    function abandon(Message calldata message, bytes[] calldata signatures) external;

    /// @notice Hands an outbound message abandoned on its destination back to its sender, on a quorum's
    /// `BridgeRefund(messageHash)` signatures. Once per message. Anyone may call; not while paused.
    function refund(Message calldata message, bytes[] calldata signatures) external;

    /// @notice Runs `data` as a call to this gateway with `GOVERNOR_ROLE`, on a quorum's signatures over
    /// `BridgeGovernance(data, governanceNonce(), deadline)`. Anyone may call, also while paused.
    function executeGovernance(bytes calldata data, uint256 deadline, bytes[] calldata signatures) external;

    /// @notice Uses `amount` of the current period's peg allowance, reverting when it would exceed it.
    /// `PEG_ROLE` only (the wrapped token before minting, the vault before releasing).
    function consumeMintLimit(uint256 amount) external;

    /// @notice Adds a validator. `GOVERNOR_ROLE` only.
    function addValidator(address validator) external;

    /// @notice Removes a validator; the threshold must still be reachable. `GOVERNOR_ROLE` only.
    function removeValidator(address validator) external;

    /// @notice Sets the number of signatures needed (1 ≤ threshold ≤ validators). `GOVERNOR_ROLE` only.
    function setThreshold(uint256 threshold) external;

    /// @notice Registers the gateway on `chainId` (zero address: forget it). `GOVERNOR_ROLE`; the admin only for a
    /// chain id that never had one.
    function setRemoteGateway(uint256 chainId, address gateway) external;

    /// @notice Sets the peg allowance per period, keeping the amount used in the current window. `GOVERNOR_ROLE`;
    /// the admin only once, for the first allowance.
    function setMintLimit(uint256 limit, uint64 periodSeconds) external;

    /// @notice Stops {send}, {execute}, {abandon}, {refund} and {consumeMintLimit}. `PAUSER_ROLE` or a validator.
    function pause() external;

    /// @notice Resumes the bridge. `GOVERNOR_ROLE` only.
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

    /// @notice The EIP-712 struct hash of `message` (`messageHash` in abandon and refund attestations).
    function messageHash(Message calldata message) external pure returns (bytes32);

    /// @notice The digest validators sign to abandon `message` here (this gateway as destination).
    function hashAbandon(Message calldata message) external view returns (bytes32);

    /// @notice The digest validators sign to refund `message` here (this gateway as source).
    function hashRefund(Message calldata message) external view returns (bytes32);

    /// @notice The digest validators sign for a governance call.
    function hashGovernance(bytes calldata data, uint256 nonce, uint256 deadline) external view returns (bytes32);

    /// @notice The nonce the next governance call must be signed with (0 first).
    function governanceNonce() external view returns (uint256);

    /// @notice The struct hash of outbound message `nonce` (zero when none was sent).
    function sentMessageHash(uint256 nonce) external view returns (bytes32);

    /// @notice Whether outbound message `nonce` was refunded.
    function refunded(uint256 nonce) external view returns (bool);
}
