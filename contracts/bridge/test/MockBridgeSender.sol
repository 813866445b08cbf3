// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IBridgeGateway} from "../../interfaces/IBridgeGateway.sol";
import {IBridgeRefundReceiver} from "../../interfaces/IBridgeRefundReceiver.sol";

/// @title MockBridgeSender (tests only)
/// @notice Sends raw messages through its gateway (needs `SENDER_ROLE`) and counts the refunds it gets back.
contract MockBridgeSender is IBridgeRefundReceiver {
    /// @notice Message `nonce` came back.
    event MockBridgeRefunded(uint256 nonce, uint256 destChainId, address target, bytes payload);

    /// @notice Only the gateway may refund.
    error MockBridgeSenderNotGateway(address caller);

    IBridgeGateway private immutable _gateway;
    uint256 private _refunds;

    constructor(IBridgeGateway gateway_) {
        _gateway = gateway_;
    }

    /// @notice Sends `payload` to `target` on `destChainId`.
    function send(uint256 destChainId, address target, bytes calldata payload) external returns (uint256) {
        return _gateway.send(destChainId, target, payload);
    }

    /// @notice How many messages were refunded.
    function refunds() external view returns (uint256) {
        return _refunds;
    }

    /// @inheritdoc IBridgeRefundReceiver
    function onBridgeRefund(
        uint256 nonce,
        uint256 destChainId,
        address target,
        bytes calldata payload
    ) external returns (bytes4) {
        if (msg.sender != address(_gateway)) revert MockBridgeSenderNotGateway(msg.sender);
        ++_refunds;
        emit MockBridgeRefunded(nonce, destChainId, target, payload);
        return IBridgeRefundReceiver.onBridgeRefund.selector;
    }
}
