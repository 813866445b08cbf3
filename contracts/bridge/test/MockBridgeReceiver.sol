// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IBridgeReceiver} from "../../interfaces/IBridgeReceiver.sol";

/// @title MockBridgeReceiver (tests only)
/// @notice Records what the gateway delivers; can be told to revert or to answer a wrong acknowledgement.
contract MockBridgeReceiver is IBridgeReceiver {
    /// @notice A message arrived.
    event MockBridgeReceived(uint256 srcChainId, address sender, uint256 nonce, bytes payload);

    /// @notice Raised when told to fail.
    error MockBridgeReceiverFailed(uint256 nonce);

    bool private _fail;
    bool private _badAck;
    uint256 private _received;

    /// @notice Makes later deliveries revert (`fail`) or answer a wrong selector (`badAck`).
    function setBehaviour(bool fail, bool badAck) external {
        _fail = fail;
        _badAck = badAck;
    }

    /// @notice How many messages were delivered.
    function received() external view returns (uint256) {
        return _received;
    }

    /// @inheritdoc IBridgeReceiver
    function onBridgeMessage(
        uint256 srcChainId,
        address sender,
        uint256 nonce,
        bytes calldata payload
    ) external returns (bytes4) {
        if (_fail) revert MockBridgeReceiverFailed(nonce);
        ++_received;
        emit MockBridgeReceived(srcChainId, sender, nonce, payload);
        return _badAck ? bytes4(0xdeadbeef) : IBridgeReceiver.onBridgeMessage.selector;
    }
}
