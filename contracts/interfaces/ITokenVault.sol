// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IBridgeApp} from "./IBridgeApp.sol";

/// @title Main-chain side of the DPLC token peg
/// @notice {lock} takes DPLC from the caller into the vault and sends a mint message to the peer WrappedDPLC on the
/// side chain; a verified release message from that peer pays DPLC out of the vault. `locked()` counts the DPLC the
/// vault holds for the peg: it rises on lock and falls on release, so `locked ≥ wrapped supply` always and
/// `locked == wrapped supply` whenever no message is in flight.
///
/// Releases use the main gateway's peg allowance ({IBridgeGateway-consumeMintLimit}), so one message cannot pay out
/// more per period than the side chain may mint. A lock whose mint the side chain abandoned comes back through
/// {IBridgeRefundReceiver-onBridgeRefund}: the DPLC is returned to the account that locked it.
///
/// Payloads (both directions): `abi.encode(address recipient, uint256 amount)`.
interface ITokenVault is IBridgeApp {
    /// @notice `from` locked `amount`; `recipient` gets it on the side chain (message `nonce`).
    event TokenVaultLocked(address indexed from, address indexed recipient, uint256 amount, uint256 nonce);
    /// @notice `amount` was released to `recipient` by the side chain's message `nonce`.
    event TokenVaultReleased(address indexed recipient, uint256 amount, uint256 nonce);

    /// @notice Lock `nonce` was abandoned on the side chain; `amount` went back to `from`.
    event TokenVaultRefunded(address indexed from, uint256 amount, uint256 nonce);

    /// @notice The amount must be positive.
    error TokenVaultZeroAmount();
    /// @notice The recipient must not be the zero address.
    error TokenVaultZeroRecipient();
    /// @notice A release for more than is locked (cannot happen with an honest peer).
    error TokenVaultInsufficientLocked(uint256 requested, uint256 locked);

    /// @notice Locks `amount` DPLC of the caller (needs an allowance) and mints it to `recipient` on the side chain.
    /// @return nonce The bridge message's nonce.
    function lock(uint256 amount, address recipient) external returns (uint256 nonce);

    /// @notice Who made lock `nonce` (zero once refunded, or when none).
    function lockerOf(uint256 nonce) external view returns (address);

    /// @notice DPLC held for the peg.
    function locked() external view returns (uint256);

    /// @notice The DPLC token.
    function token() external view returns (IERC20);
}
