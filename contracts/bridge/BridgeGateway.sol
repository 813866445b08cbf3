// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {IBridgeGateway} from "../interfaces/IBridgeGateway.sol";
import {IBridgeReceiver} from "../interfaces/IBridgeReceiver.sol";
import {IBridgeRefundReceiver} from "../interfaces/IBridgeRefundReceiver.sol";
import {RateLimit} from "./RateLimit.sol";

/// @title BridgeGateway
/// @notice See {IBridgeGateway}. The same contract is deployed on the main chain and on the side chain.
contract BridgeGateway is AccessControl, Pausable, ReentrancyGuard, EIP712, IBridgeGateway {
    using EnumerableSet for EnumerableSet.AddressSet;
    using RateLimit for RateLimit.Window;

    /// @notice Role of the local contracts allowed to {send} (vault, wrapped token, settlement reporter).
    bytes32 public constant SENDER_ROLE = keccak256("SENDER_ROLE");
    /// @notice Role of the peg contract that consumes the mint limit (the wrapped token).
    bytes32 public constant PEG_ROLE = keccak256("PEG_ROLE");
    /// @notice Role allowed to pause (validators may pause too).
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice Role of the validator quorum (the gateway itself) and of a timelock it appoints.
    bytes32 public constant GOVERNOR_ROLE = keccak256("GOVERNOR_ROLE");
    /// @notice EIP-712 type hash of {IBridgeGateway-Message}.
    bytes32 public constant MESSAGE_TYPEHASH =
        keccak256(
            "BridgeMessage(uint256 srcChainId,uint256 destChainId,address srcGateway,address destGateway,"
            "uint256 nonce,address sender,address target,bytes payload)"
        );
    /// @notice EIP-712 type hash of an abandon attestation (destination domain).
    bytes32 public constant ABANDON_TYPEHASH = keccak256("BridgeAbandon(bytes32 messageHash)");
    /// @notice EIP-712 type hash of a refund attestation (source domain).
    bytes32 public constant REFUND_TYPEHASH = keccak256("BridgeRefund(bytes32 messageHash)");
    /// @notice EIP-712 type hash of a governance call.
    bytes32 public constant GOVERNANCE_TYPEHASH =
        keccak256("BridgeGovernance(bytes data,uint256 nonce,uint256 deadline)");

    EnumerableSet.AddressSet private _validators;
    uint256 private _threshold;
    uint256 private _nonce;
    mapping(uint256 chainId => address gateway) private _remotes;
    mapping(uint256 srcChainId => mapping(address srcGateway => mapping(uint256 nonce => bool done))) private _processed;

    mapping(uint256 nonce => bytes32 messageHash) private _sent;
    mapping(uint256 nonce => bool done) private _refunded;
    mapping(uint256 chainId => bool everSet) private _remoteBootstrapped;
    bool private _mintLimitBootstrapped;
    uint256 private _governanceNonce;
    RateLimit.Window private _mint;

    /// @param admin Gets the admin and pauser roles (bootstrap only: see {IBridgeGateway}).
    /// @param initialValidators The validator set.
    /// @param initialThreshold Signatures needed, 1 ≤ threshold ≤ validators.
    constructor(
        address admin,
        address[] memory initialValidators,
        uint256 initialThreshold
    ) EIP712("DPLC Bridge", "1") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        // Only governors appoint governors; the gateway itself acts for a validator quorum.
        _setRoleAdmin(GOVERNOR_ROLE, GOVERNOR_ROLE);
        _grantRole(GOVERNOR_ROLE, address(this));
        _mint.periodSeconds = 1 days;
        for (uint256 i = 0; i < initialValidators.length; ++i) _addValidator(initialValidators[i]);
        _setThreshold(initialThreshold);
    }

    /// @inheritdoc IBridgeGateway
    function send(
        uint256 destChainId,
        address target,
        bytes calldata payload
    ) external onlyRole(SENDER_ROLE) whenNotPaused returns (uint256 nonce) {
        uint256 local = _chainId();
        if (destChainId == local || _remotes[destChainId] == address(0)) {
            revert BridgeGatewayUnknownDestination(destChainId);
        }
        if (target == address(0)) revert BridgeGatewayZeroTarget();
        nonce = ++_nonce;
        _sent[nonce] = _structHash(
            Message(local, destChainId, address(this), _remotes[destChainId], nonce, msg.sender, target, payload)
        );
        emit BridgeMessageSent(nonce, local, destChainId, msg.sender, target, payload);
    }

    /// @inheritdoc IBridgeGateway
    function execute(Message calldata message, bytes[] calldata signatures) external nonReentrant whenNotPaused {
        mapping(uint256 => bool) storage done = _checkInbound(message);
        bytes32 digest = _hashMessage(message);
        _verifySignatures(digest, signatures);
        done[message.nonce] = true;
        emit BridgeMessageExecuted(message.srcChainId, message.srcGateway, message.nonce, digest, message.target);
        _deliver(message);
    }

    /// @inheritdoc IBridgeGateway
    function abandon(Message calldata message, bytes[] calldata signatures) external nonReentrant whenNotPaused {
        mapping(uint256 => bool) storage done = _checkInbound(message);
        bytes32 hash = _structHash(message);
        _verifySignatures(_hashTypedDataV4(keccak256(abi.encode(ABANDON_TYPEHASH, hash))), signatures);
        done[message.nonce] = true;
        emit BridgeMessageAbandoned(message.srcChainId, message.srcGateway, message.nonce, hash);
    }

    /// @inheritdoc IBridgeGateway
    function refund(Message calldata message, bytes[] calldata signatures) external nonReentrant whenNotPaused {
        uint256 nonce = message.nonce;
        bytes32 hash = _structHash(message);
        if (_sent[nonce] != hash || hash == bytes32(0)) revert BridgeGatewayUnknownMessage(nonce);
        if (_refunded[nonce]) revert BridgeGatewayAlreadyRefunded(nonce);
        _verifySignatures(_hashTypedDataV4(keccak256(abi.encode(REFUND_TYPEHASH, hash))), signatures);
        _refunded[nonce] = true;
        emit BridgeMessageRefunded(nonce, message.destChainId, message.sender, hash);
        bytes4 ack = IBridgeRefundReceiver(message.sender).onBridgeRefund(
            nonce,
            message.destChainId,
            message.target,
            message.payload
        );
        if (ack != IBridgeRefundReceiver.onBridgeRefund.selector) {
            revert BridgeGatewayInvalidRefundReceiver(message.sender);
        }
    }

    /// @inheritdoc IBridgeGateway
    function executeGovernance(
        bytes calldata data,
        uint256 deadline,
        bytes[] calldata signatures
    ) external nonReentrant {
        if (block.timestamp > deadline) revert BridgeGatewayGovernanceExpired(deadline, block.timestamp);
        uint256 nonce = _governanceNonce;
        _verifySignatures(_hashGovernance(data, nonce, deadline), signatures);
        // Consumed before the call: a signed call runs at most once, even if it reverts and is resubmitted.
        _governanceNonce = nonce + 1;
        emit BridgeGatewayGovernanceExecuted(nonce, keccak256(data));
        Address.functionCall(address(this), data);
    }

    /// @inheritdoc IBridgeGateway
    function consumeMintLimit(uint256 amount) external onlyRole(PEG_ROLE) whenNotPaused {
        (bool ok, uint256 period, uint256 usedOrAvailable) = _mint.consume(amount);
        if (!ok) revert BridgeGatewayMintLimitExceeded(period, amount, usedOrAvailable);
        emit BridgeGatewayMintLimitConsumed(msg.sender, period, amount, usedOrAvailable);
    }

    /// @inheritdoc IBridgeGateway
    function addValidator(address validator) external onlyRole(GOVERNOR_ROLE) {
        _addValidator(validator);
    }

    /// @inheritdoc IBridgeGateway
    function removeValidator(address validator) external onlyRole(GOVERNOR_ROLE) {
        if (!_validators.remove(validator)) revert BridgeGatewayInvalidValidator(validator);
        uint256 count = _validators.length();
        if (_threshold > count) revert BridgeGatewayInvalidThreshold(_threshold, count);
        emit BridgeGatewayValidatorRemoved(validator);
    }

    /// @inheritdoc IBridgeGateway
    function setThreshold(uint256 newThreshold) external onlyRole(GOVERNOR_ROLE) {
        _setThreshold(newThreshold);
    }

    /// @inheritdoc IBridgeGateway
    function setRemoteGateway(uint256 remoteChainId, address gateway) external {
        if (!hasRole(GOVERNOR_ROLE, msg.sender)) {
            _checkRole(DEFAULT_ADMIN_ROLE);
            if (_remoteBootstrapped[remoteChainId]) {
                revert BridgeGatewayRemoteAlreadySet(remoteChainId, _remotes[remoteChainId]);
            }
        }
        if (remoteChainId == 0 || remoteChainId == _chainId()) revert BridgeGatewayInvalidRemote(remoteChainId);
        _remoteBootstrapped[remoteChainId] = true;
        _remotes[remoteChainId] = gateway;
        emit BridgeGatewayRemoteSet(remoteChainId, gateway);
    }

    /// @inheritdoc IBridgeGateway
    function setMintLimit(uint256 limit, uint64 periodSeconds) external {
        if (!hasRole(GOVERNOR_ROLE, msg.sender)) {
            _checkRole(DEFAULT_ADMIN_ROLE);
            if (_mintLimitBootstrapped) revert BridgeGatewayMintLimitAlreadySet(_mint.limit, _mint.periodSeconds);
        }
        if (periodSeconds == 0) revert BridgeGatewayInvalidPeriod();
        _mintLimitBootstrapped = true;
        _mint.configure(limit, periodSeconds);
        emit BridgeGatewayMintLimitChanged(limit, periodSeconds);
    }

    /// @inheritdoc IBridgeGateway
    function pause() external {
        if (!_validators.contains(msg.sender)) _checkRole(PAUSER_ROLE);
        _pause();
    }

    /// @inheritdoc IBridgeGateway
    function unpause() external onlyRole(GOVERNOR_ROLE) {
        _unpause();
    }

    /// @inheritdoc IBridgeGateway
    function chainId() external view returns (uint256) {
        return _chainId();
    }

    /// @inheritdoc IBridgeGateway
    function outboundNonce() external view returns (uint256) {
        return _nonce;
    }

    /// @inheritdoc IBridgeGateway
    function processed(uint256 srcChainId, address srcGateway, uint256 nonce) external view returns (bool) {
        return _processed[srcChainId][srcGateway][nonce];
    }

    /// @inheritdoc IBridgeGateway
    function remoteGateway(uint256 remoteChainId) external view returns (address) {
        return _remotes[remoteChainId];
    }

    /// @inheritdoc IBridgeGateway
    function validators() external view returns (address[] memory) {
        return _validators.values();
    }

    /// @inheritdoc IBridgeGateway
    function isValidator(address account) external view returns (bool) {
        return _validators.contains(account);
    }

    /// @inheritdoc IBridgeGateway
    function threshold() external view returns (uint256) {
        return _threshold;
    }

    /// @inheritdoc IBridgeGateway
    function mintLimit()
        external
        view
        returns (uint256 limit, uint64 periodSeconds, uint256 period, uint256 usedInPeriod)
    {
        (period, usedInPeriod) = _mint.current();
        return (_mint.limit, _mint.periodSeconds, period, usedInPeriod);
    }

    /// @inheritdoc IBridgeGateway
    function hashMessage(Message calldata message) external view returns (bytes32) {
        return _hashMessage(message);
    }

    /// @inheritdoc IBridgeGateway
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @inheritdoc IBridgeGateway
    function messageHash(Message calldata message) external pure returns (bytes32) {
        return _structHash(message);
    }

    /// @inheritdoc IBridgeGateway
    function hashAbandon(Message calldata message) external view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(ABANDON_TYPEHASH, _structHash(message))));
    }

    /// @inheritdoc IBridgeGateway
    function hashRefund(Message calldata message) external view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(REFUND_TYPEHASH, _structHash(message))));
    }

    /// @inheritdoc IBridgeGateway
    function hashGovernance(bytes calldata data, uint256 nonce, uint256 deadline) external view returns (bytes32) {
        return _hashGovernance(data, nonce, deadline);
    }

    /// @inheritdoc IBridgeGateway
    function governanceNonce() external view returns (uint256) {
        return _governanceNonce;
    }

    /// @inheritdoc IBridgeGateway
    function sentMessageHash(uint256 nonce) external view returns (bytes32) {
        return _sent[nonce];
    }

    /// @inheritdoc IBridgeGateway
    function refunded(uint256 nonce) external view returns (bool) {
        return _refunded[nonce];
    }

    /// @dev The chain id messages are bound to. Production: `block.chainid`; the test harness overrides it to
    /// simulate two chains inside one Hardhat network.
    function _chainId() internal view virtual returns (uint256) {
        return block.chainid;
    }

    /// @dev Pausing reverts with the gateway's own error rather than OpenZeppelin's `EnforcedPause`.
    function _requireNotPaused() internal view override {
        if (paused()) revert BridgeGatewayPaused();
    }

    function _hashMessage(Message calldata m) private view returns (bytes32) {
        return _hashTypedDataV4(_structHash(m));
    }

    function _structHash(Message memory m) private pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    MESSAGE_TYPEHASH,
                    m.srcChainId,
                    m.destChainId,
                    m.srcGateway,
                    m.destGateway,
                    m.nonce,
                    m.sender,
                    m.target,
                    keccak256(m.payload)
                )
            );
    }

    function _hashGovernance(bytes calldata data, uint256 nonce, uint256 deadline) private view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(GOVERNANCE_TYPEHASH, keccak256(data), nonce, deadline)));
    }

    /// @dev The binding checks of an inbound message; returns its source's processed-nonce map.
    function _checkInbound(Message calldata message) private view returns (mapping(uint256 => bool) storage done) {
        uint256 local = _chainId();
        if (message.destChainId != local) revert BridgeGatewayWrongDestinationChain(message.destChainId, local);
        if (message.destGateway != address(this)) revert BridgeGatewayWrongGateway(message.destGateway, address(this));
        address srcGateway = message.srcGateway;
        if (srcGateway == address(0) || _remotes[message.srcChainId] != srcGateway) {
            revert BridgeGatewayUnknownSource(message.srcChainId, srcGateway);
        }
        done = _processed[message.srcChainId][srcGateway];
        if (done[message.nonce]) revert BridgeGatewayAlreadyProcessed(message.srcChainId, srcGateway, message.nonce);
    }

    /// @dev Every signature must recover to a validator, in strictly ascending signer order (so none repeats).
    function _verifySignatures(bytes32 digest, bytes[] calldata signatures) private view {
        uint256 count = signatures.length;
        if (count < _threshold) revert BridgeGatewayTooFewSignatures(count, _threshold);
        address previous = address(0);
        for (uint256 i = 0; i < count; ++i) {
            (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(digest, signatures[i]);
            if (err != ECDSA.RecoverError.NoError) revert BridgeGatewayInvalidSignature(i);
            if (!_validators.contains(signer)) revert BridgeGatewayUnknownSigner(i, signer);
            if (signer == previous) revert BridgeGatewayDuplicateSigner(signer);
            if (signer < previous) revert BridgeGatewaySignersUnordered(previous, signer);
            previous = signer;
        }
    }

    /// @dev A reverting target reverts the whole execution (bubbling its error), leaving the message unprocessed.
    function _deliver(Message calldata m) private {
        if (m.target.code.length == 0) revert BridgeGatewayInvalidReceiver(m.target);
        bytes4 ack = IBridgeReceiver(m.target).onBridgeMessage(m.srcChainId, m.sender, m.nonce, m.payload);
        if (ack != IBridgeReceiver.onBridgeMessage.selector) revert BridgeGatewayInvalidReceiver(m.target);
    }

    function _addValidator(address validator) private {
        if (validator == address(0) || !_validators.add(validator)) revert BridgeGatewayInvalidValidator(validator);
        emit BridgeGatewayValidatorAdded(validator);
    }

    function _setThreshold(uint256 newThreshold) private {
        uint256 count = _validators.length();
        if (newThreshold == 0 || newThreshold > count) revert BridgeGatewayInvalidThreshold(newThreshold, count);
        uint256 old = _threshold;
        _threshold = newThreshold;
        emit BridgeGatewayThresholdChanged(old, newThreshold);
    }
}
