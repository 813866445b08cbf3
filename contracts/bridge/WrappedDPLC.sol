// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IBridgeGateway} from "../interfaces/IBridgeGateway.sol";
import {IBridgeReceiver} from "../interfaces/IBridgeReceiver.sol";
import {IBridgeRefundReceiver} from "../interfaces/IBridgeRefundReceiver.sol";
import {IWrappedDPLC} from "../interfaces/IWrappedDPLC.sol";
import {BridgeApp} from "./BridgeApp.sol";

/// @title WrappedDPLC
/// @notice See {IWrappedDPLC}. Side chain; its peer is the TokenVault on the main chain. The gateway must grant this
/// contract `SENDER_ROLE` (to send release messages) and `PEG_ROLE` (to consume the mint limit).
contract WrappedDPLC is ERC20, BridgeApp, IWrappedDPLC, IBridgeReceiver, IBridgeRefundReceiver {
    mapping(uint256 nonce => address from) private _burners;

    constructor(IBridgeGateway gateway_, address admin) ERC20("Wrapped DPLC", "wDPLC") BridgeApp(gateway_, admin) {}

    /// @inheritdoc IWrappedDPLC
    function burn(uint256 amount, address recipient) external returns (uint256 nonce) {
        if (amount == 0) revert WrappedDPLCZeroAmount();
        if (recipient == address(0)) revert WrappedDPLCZeroRecipient();
        _burn(msg.sender, amount);
        nonce = _sendToPeer(abi.encode(recipient, amount));
        _burners[nonce] = msg.sender;
        emit WrappedDPLCBurned(msg.sender, recipient, amount, nonce);
    }

    /// @inheritdoc IBridgeReceiver
    function onBridgeMessage(
        uint256 srcChainId,
        address sender,
        uint256 nonce,
        bytes calldata payload
    ) external returns (bytes4) {
        _checkInbound(srcChainId, sender);
        (address recipient, uint256 amount) = abi.decode(payload, (address, uint256));
        gateway().consumeMintLimit(amount);
        _mint(recipient, amount);
        emit WrappedDPLCMinted(recipient, amount, nonce);
        return IBridgeReceiver.onBridgeMessage.selector;
    }

    /// @inheritdoc IBridgeRefundReceiver
    /// @dev The vault never released the burned amount, so re-minting it restores the peg without using the
    /// allowance (which caps new value arriving from the main chain).
    function onBridgeRefund(
        uint256 nonce,
        uint256 destChainId,
        address target,
        bytes calldata payload
    ) external returns (bytes4) {
        _checkRefund(destChainId, target);
        (, uint256 amount) = abi.decode(payload, (address, uint256));
        address from = _burners[nonce];
        delete _burners[nonce];
        _mint(from, amount);
        emit WrappedDPLCRefunded(from, amount, nonce);
        return IBridgeRefundReceiver.onBridgeRefund.selector;
    }
}
