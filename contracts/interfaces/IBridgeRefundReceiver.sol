// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Sender of bridge messages that takes back undeliverable ones
/// @notice The source gateway calls {onBridgeRefund} on a message's sender once the validators attested that the
/// destination abandoned it ({IBridgeGateway-refund}). The sender undoes what sending did (unlock, re-mint, allow a
/// re-issue). Implementations must check that the caller is their gateway.
interface IBridgeRefundReceiver {
    /// @notice Message `nonce` (sent to `target` on `destChainId` with `payload`) will never be delivered.
    /// @return The selector of this function, acknowledging the refund.
    function onBridgeRefund(
        uint256 nonce,
        uint256 destChainId,
        address target,
        bytes calldata payload
    ) external returns (bytes4);
}
