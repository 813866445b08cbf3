// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IBridgeGateway} from "../interfaces/IBridgeGateway.sol";
import {IBridgeReceiver} from "../interfaces/IBridgeReceiver.sol";
import {ITokenVault} from "../interfaces/ITokenVault.sol";
import {BridgeApp} from "./BridgeApp.sol";

/// @title TokenVault
/// @notice See {ITokenVault}. Main chain; its peer is the WrappedDPLC on the side chain.
contract TokenVault is BridgeApp, ReentrancyGuard, ITokenVault, IBridgeReceiver {
    using SafeERC20 for IERC20;

    IERC20 private immutable _token;
    uint256 private _locked;

    constructor(IERC20 token_, IBridgeGateway gateway_, address admin) BridgeApp(gateway_, admin) {
        _token = token_;
    }

    /// @inheritdoc ITokenVault
    function lock(uint256 amount, address recipient) external nonReentrant returns (uint256 nonce) {
        if (amount == 0) revert TokenVaultZeroAmount();
        if (recipient == address(0)) revert TokenVaultZeroRecipient();
        _locked += amount;
        nonce = _sendToPeer(abi.encode(recipient, amount));
        emit TokenVaultLocked(msg.sender, recipient, amount, nonce);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IBridgeReceiver
    function onBridgeMessage(
        uint256 srcChainId,
        address sender,
        uint256 nonce,
        bytes calldata payload
    ) external nonReentrant returns (bytes4) {
        _checkInbound(srcChainId, sender);
        (address recipient, uint256 amount) = abi.decode(payload, (address, uint256));
        uint256 held = _locked;
        if (amount > held) revert TokenVaultInsufficientLocked(amount, held);
        // amount ≤ held, checked above.
        unchecked {
            _locked = held - amount;
        }
        emit TokenVaultReleased(recipient, amount, nonce);
        _token.safeTransfer(recipient, amount);
        return IBridgeReceiver.onBridgeMessage.selector;
    }

    /// @inheritdoc ITokenVault
    function locked() external view returns (uint256) {
        return _locked;
    }

    /// @inheritdoc ITokenVault
    function token() external view returns (IERC20) {
        return _token;
    }
}
