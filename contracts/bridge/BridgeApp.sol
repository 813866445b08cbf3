// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IBridgeApp} from "../interfaces/IBridgeApp.sol";
import {IBridgeGateway} from "../interfaces/IBridgeGateway.sol";

/// @title BridgeApp
/// @notice See {IBridgeApp}. Base of the contracts that exchange messages with one peer contract on one other chain.
abstract contract BridgeApp is AccessControl, IBridgeApp {
    IBridgeGateway private immutable _gateway;
    uint256 private _peerChainId;
    address private _peer;

    constructor(IBridgeGateway gateway_, address admin) {
        _gateway = gateway_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc IBridgeApp
    function setPeer(uint256 chainId, address peerAddress) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (_peer != address(0)) revert BridgeAppPeerAlreadySet(_peerChainId, _peer);
        if (chainId == 0 || peerAddress == address(0)) revert BridgeAppInvalidPeer(chainId, peerAddress);
        _peerChainId = chainId;
        _peer = peerAddress;
        emit BridgeAppPeerSet(chainId, peerAddress);
    }

    /// @inheritdoc IBridgeApp
    function gateway() public view returns (IBridgeGateway) {
        return _gateway;
    }

    /// @inheritdoc IBridgeApp
    function peer() external view returns (uint256 chainId, address peerAddress) {
        return (_peerChainId, _peer);
    }

    /// @dev Inbound messages: only the gateway delivers, and only what the peer sent from the peer chain.
    function _checkInbound(uint256 srcChainId, address sender) internal view {
        if (msg.sender != address(_gateway)) revert BridgeAppNotGateway(msg.sender);
        if (_peer == address(0) || srcChainId != _peerChainId || sender != _peer) {
            revert BridgeAppUnknownPeer(srcChainId, sender);
        }
    }

    /// @dev Refunds: only the gateway hands back a message, and only one this contract sent to the peer.
    function _checkRefund(uint256 destChainId, address target) internal view {
        if (msg.sender != address(_gateway)) revert BridgeAppNotGateway(msg.sender);
        if (destChainId != _peerChainId || target != _peer) revert BridgeAppUnknownPeer(destChainId, target);
    }

    /// @dev Sends `payload` to the peer. @return nonce The gateway's message nonce.
    function _sendToPeer(bytes memory payload) internal returns (uint256 nonce) {
        address to = _peer;
        if (to == address(0)) revert BridgeAppPeerNotSet();
        return _gateway.send(_peerChainId, to, payload);
    }
}
