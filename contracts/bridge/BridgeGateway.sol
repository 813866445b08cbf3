// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {IBridgeGateway} from "../interfaces/IBridgeGateway.sol";
import {IBridgeReceiver} from "../interfaces/IBridgeReceiver.sol";

/// @title BridgeGateway
/// @notice See {IBridgeGateway}. The same contract is deployed on the main chain and on the side chain.
contract BridgeGateway is AccessControl, Pausable, ReentrancyGuard, EIP712, IBridgeGateway {
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @notice Role of the local contracts allowed to {send} (vault, wrapped token, settlement reporter).
    bytes32 public constant SENDER_ROLE = keccak256("SENDER_ROLE");
    /// @notice Role of the peg contract that consumes the mint limit (the wrapped token).
    bytes32 public constant PEG_ROLE = keccak256("PEG_ROLE");
    /// @notice Role allowed to pause and unpause.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice EIP-712 type hash of {IBridgeGateway-Message}.
    bytes32 public constant MESSAGE_TYPEHASH =
        keccak256(
            "BridgeMessage(uint256 srcChainId,uint256 destChainId,address srcGateway,address destGateway,"
            "uint256 nonce,address sender,address target,bytes payload)"
        );

    EnumerableSet.AddressSet private _validators;
    uint256 private _threshold;
    uint256 private _nonce;
    mapping(uint256 chainId => address gateway) private _remotes;
    mapping(uint256 srcChainId => mapping(address srcGateway => mapping(uint256 nonce => bool done))) private _processed;

    uint256 private _mintLimit;
    uint64 private _mintPeriodSeconds = 1 days;
    uint256 private _mintPeriod;
    uint256 private _mintUsed;

    /// @param admin Gets the admin and pauser roles.
    /// @param initialValidators The validator set.
    /// @param initialThreshold Signatures needed, 1 ≤ threshold ≤ validators.
    constructor(
        address admin,
        address[] memory initialValidators,
        uint256 initialThreshold
    ) EIP712("DPLC Bridge", "1") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
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
        emit BridgeMessageSent(nonce, local, destChainId, msg.sender, target, payload);
    }

    /// @inheritdoc IBridgeGateway
    function execute(Message calldata message, bytes[] calldata signatures) external nonReentrant whenNotPaused {
        uint256 local = _chainId();
        if (message.destChainId != local) revert BridgeGatewayWrongDestinationChain(message.destChainId, local);
        if (message.destGateway != address(this)) revert BridgeGatewayWrongGateway(message.destGateway, address(this));
        address srcGateway = message.srcGateway;
        if (srcGateway == address(0) || _remotes[message.srcChainId] != srcGateway) {
            revert BridgeGatewayUnknownSource(message.srcChainId, srcGateway);
        }
        mapping(uint256 => bool) storage done = _processed[message.srcChainId][srcGateway];
        if (done[message.nonce]) revert BridgeGatewayAlreadyProcessed(message.srcChainId, srcGateway, message.nonce);
        bytes32 digest = _hashMessage(message);
        _verifySignatures(digest, signatures);
        done[message.nonce] = true;
        emit BridgeMessageExecuted(message.srcChainId, srcGateway, message.nonce, digest, message.target);
        _deliver(message);
    }

    /// @inheritdoc IBridgeGateway
    function consumeMintLimit(uint256 amount) external onlyRole(PEG_ROLE) whenNotPaused {
        uint256 period = block.timestamp / _mintPeriodSeconds;
        uint256 used = period == _mintPeriod ? _mintUsed : 0;
        uint256 available = _mintLimit > used ? _mintLimit - used : 0;
        if (amount > available) revert BridgeGatewayMintLimitExceeded(period, amount, available);
        _mintPeriod = period;
        // amount ≤ available = limit − used, so used + amount ≤ limit.
        unchecked {
            _mintUsed = used + amount;
        }
        emit BridgeGatewayMintLimitConsumed(msg.sender, period, amount, used + amount);
    }

    /// @inheritdoc IBridgeGateway
    function addValidator(address validator) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _addValidator(validator);
    }

    /// @inheritdoc IBridgeGateway
    function removeValidator(address validator) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (!_validators.remove(validator)) revert BridgeGatewayInvalidValidator(validator);
        uint256 count = _validators.length();
        if (_threshold > count) revert BridgeGatewayInvalidThreshold(_threshold, count);
        emit BridgeGatewayValidatorRemoved(validator);
    }

    /// @inheritdoc IBridgeGateway
    function setThreshold(uint256 newThreshold) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setThreshold(newThreshold);
    }

    /// @inheritdoc IBridgeGateway
    function setRemoteGateway(uint256 remoteChainId, address gateway) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (remoteChainId == 0 || remoteChainId == _chainId()) revert BridgeGatewayInvalidRemote(remoteChainId);
        _remotes[remoteChainId] = gateway;
        emit BridgeGatewayRemoteSet(remoteChainId, gateway);
    }

    /// @inheritdoc IBridgeGateway
    function setMintLimit(uint256 limit, uint64 periodSeconds) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (periodSeconds == 0) revert BridgeGatewayInvalidPeriod();
        _mintLimit = limit;
        _mintPeriodSeconds = periodSeconds;
        emit BridgeGatewayMintLimitChanged(limit, periodSeconds);
    }

    /// @inheritdoc IBridgeGateway
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc IBridgeGateway
    function unpause() external onlyRole(PAUSER_ROLE) {
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
        periodSeconds = _mintPeriodSeconds;
        period = block.timestamp / periodSeconds;
        return (_mintLimit, periodSeconds, period, period == _mintPeriod ? _mintUsed : 0);
    }

    /// @inheritdoc IBridgeGateway
    function hashMessage(Message calldata message) external view returns (bytes32) {
        return _hashMessage(message);
    }

    /// @inheritdoc IBridgeGateway
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
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
        bytes32 structHash = keccak256(
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
        return _hashTypedDataV4(structHash);
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
