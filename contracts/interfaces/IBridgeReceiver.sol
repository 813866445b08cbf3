// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Receiver of bridge messages
/// @notice The gateway calls {onBridgeMessage} on a message's target after verifying it. Receivers must check that
/// the caller is their gateway and that (`srcChainId`, `sender`) is the peer they trust.
interface IBridgeReceiver {
    /// @notice Handles a verified message sent by `sender` on `srcChainId` with the source gateway's `nonce`.
    /// @return The selector of this function, acknowledging the message.
    function onBridgeMessage(
        uint256 srcChainId,
        address sender,
        uint256 nonce,
        bytes calldata payload
    ) external returns (bytes4);
}
