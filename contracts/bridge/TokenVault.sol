// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IBridgeGateway} from "../interfaces/IBridgeGateway.sol";
import {IBridgeReceiver} from "../interfaces/IBridgeReceiver.sol";
import {IBridgeRefundReceiver} from "../interfaces/IBridgeRefundReceiver.sol";
import {ITokenVault} from "../interfaces/ITokenVault.sol";
import {BridgeApp} from "./BridgeApp.sol";

/// @title TokenVault
/// @notice See {ITokenVault}. Main chain; its peer is the WrappedDPLC on the side chain. The gateway must grant this
/// contract `SENDER_ROLE` (to send mint messages) and `PEG_ROLE` (releases use the main gateway's peg allowance).
contract TokenVault is BridgeApp, ReentrancyGuard, ITokenVault, IBridgeReceiver, IBridgeRefundReceiver {
    using SafeERC20 for IERC20;

    IERC20 private immutable _token;
    uint256 private _locked;
    mapping(uint256 nonce => address from) private _lockers;

    constructor(IERC20 token_, IBridgeGateway gateway_, address admin) BridgeApp(gateway_, admin) {
        _token = token_;
    }

    /// @inheritdoc ITokenVault
    function lock(uint256 amount, address recipient) external nonReentrant returns (uint256 nonce) {
        if (amount == 0) revert TokenVaultZeroAmount();
        if (recipient == address(0)) revert TokenVaultZeroRecipient();
        _locked += amount;
        nonce = _sendToPeer(abi.encode(recipient, amount));
        _lockers[nonce] = msg.sender;
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
        gateway().consumeMintLimit(amount);
        // amount ≤ held, checked above.
        unchecked {
            _locked = held - amount;
        }
        emit TokenVaultReleased(recipient, amount, nonce);
        _token.safeTransfer(recipient, amount);
        return IBridgeReceiver.onBridgeMessage.selector;
    }

    /// @inheritdoc IBridgeRefundReceiver
    /// @dev The mint never happened on the side chain, so the DPLC goes back to whoever locked it.
    function onBridgeRefund(
        uint256 nonce,
        uint256 destChainId,
        address target,
        bytes calldata payload
    ) external nonReentrant returns (bytes4) {
        _checkRefund(destChainId, target);
        (, uint256 amount) = abi.decode(payload, (address, uint256));
        address from = _lockers[nonce];
        delete _lockers[nonce];
        // The refunded lock added `amount` to `_locked` and no release can have taken it (the peer never minted).
        _locked -= amount;
        emit TokenVaultRefunded(from, amount, nonce);
        _token.safeTransfer(from, amount);
        return IBridgeRefundReceiver.onBridgeRefund.selector;
    }

    /// @inheritdoc ITokenVault
    function lockerOf(uint256 nonce) external view returns (address) {
        return _lockers[nonce];
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
