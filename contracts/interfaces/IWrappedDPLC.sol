// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IBridgeApp} from "./IBridgeApp.sol";

/// @title Side-chain side of the DPLC token peg (wrapped DPLC, 18 decimals)
/// @notice Minted only when the gateway delivers a verified message from the peer TokenVault on the main chain, and
/// only within the gateway's per-period mint limit ({IBridgeGateway-consumeMintLimit}). {burn} destroys the caller's
/// tokens and sends a release message to the vault.
///
/// A burn whose release the main chain abandoned is minted back to the burner
/// ({IBridgeRefundReceiver-onBridgeRefund}).
///
/// Payloads (both directions): `abi.encode(address recipient, uint256 amount)`.
interface IWrappedDPLC is IERC20, IBridgeApp {
    /// @notice `amount` was minted to `recipient` for the main chain's lock message `nonce`.
    event WrappedDPLCMinted(address indexed recipient, uint256 amount, uint256 nonce);
    /// @notice `from` burned `amount`; `recipient` gets it on the main chain (message `nonce`).
    event WrappedDPLCBurned(address indexed from, address indexed recipient, uint256 amount, uint256 nonce);

    /// @notice Burn `nonce` was abandoned on the main chain; `amount` was minted back to `from`.
    event WrappedDPLCRefunded(address indexed from, uint256 amount, uint256 nonce);

    /// @notice The amount must be positive.
    error WrappedDPLCZeroAmount();
    /// @notice The recipient must not be the zero address.
    error WrappedDPLCZeroRecipient();

    /// @notice Burns `amount` of the caller's tokens and releases it to `recipient` on the main chain.
    /// @return nonce The bridge message's nonce.
    function burn(uint256 amount, address recipient) external returns (uint256 nonce);
}
