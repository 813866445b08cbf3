// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IBridgeGateway} from "./IBridgeGateway.sol";

/// @title A contract that talks to one peer contract on one other chain through a gateway
/// @notice The peer (chain id and address) is set once by the admin, because the peer is usually deployed after this
/// contract on the other chain. Inbound messages are accepted only from the gateway, and only when they come from the
/// peer on the peer chain; outbound messages go to the peer.
interface IBridgeApp {
    /// @notice The peer was set.
    event BridgeAppPeerSet(uint256 indexed chainId, address indexed peer);

    /// @notice Only the gateway may deliver messages.
    error BridgeAppNotGateway(address caller);
    /// @notice The message does not come from the peer on the peer chain.
    error BridgeAppUnknownPeer(uint256 srcChainId, address sender);
    /// @notice The peer can be set only once.
    error BridgeAppPeerAlreadySet(uint256 chainId, address peer);
    /// @notice The peer is not set yet.
    error BridgeAppPeerNotSet();
    /// @notice Peer chain id and address must be non-zero.
    error BridgeAppInvalidPeer(uint256 chainId, address peer);

    /// @notice Sets the peer once. Admin only.
    function setPeer(uint256 chainId, address peer) external;

    /// @notice The gateway this contract uses.
    function gateway() external view returns (IBridgeGateway);

    /// @notice The peer chain id and contract (zero before {setPeer}).
    function peer() external view returns (uint256 chainId, address peerAddress);
}
