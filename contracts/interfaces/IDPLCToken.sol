// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title DPLC settlement token
/// @notice The market's unit of account (18 decimals). RMB enters and leaves the chain through a cashier: a bank or
/// the trading centre's treasury attests each off-chain RMB deposit (identified by a receipt id) and the token mints
/// `rmb × tokensPerRmb` to the depositor; redemption burns tokens and emits the RMB amount the cashier pays out.
/// RMB amounts use 18 decimals as well (1 RMB = 1e18). A change of the exchange rate is announced first and takes
/// effect only `RATE_CHANGE_DELAY` later, so no holder is surprised by it: each can redeem at the old rate meanwhile.
interface IDPLCToken is IERC20 {
    /// @notice The exchange rate changed (both in tokens per RMB, 18 decimals). Emitted at deployment, and for an
    /// announced change by the first deposit or redemption at or after its effective time.
    event DPLCTokenRateChanged(uint256 oldTokensPerRmb, uint256 newTokensPerRmb);
    /// @notice The admin announced that the rate becomes `newTokensPerRmb` at `effectiveAt` (unix seconds); it
    /// replaces any change announced before and not yet in effect.
    event DPLCTokenRateScheduled(uint256 currentTokensPerRmb, uint256 newTokensPerRmb, uint256 effectiveAt);
    /// @notice A cashier-attested RMB deposit was converted into tokens.
    event DPLCTokenDeposited(address indexed account, bytes32 indexed receiptId, uint256 rmbAmount, uint256 tokens);
    /// @notice `account` burned `tokens` to be paid `rmbAmount` off chain.
    event DPLCTokenRedeemed(address indexed account, uint256 tokens, uint256 rmbAmount);

    /// @notice A rate of zero would make tokens worthless or redemptions free.
    error DPLCTokenZeroRate();
    /// @notice The amount must be positive.
    error DPLCTokenZeroAmount();
    /// @notice The account must not be the zero address.
    error DPLCTokenZeroAccount();
    /// @notice This deposit receipt was already converted.
    error DPLCTokenDuplicateReceipt(bytes32 receiptId);

    /// @notice Tokens per RMB in force now, 18 decimals (10e18 = the paper's 10 tokens per RMB).
    function tokensPerRmb() external view returns (uint256);

    /// @notice The announced rate change not yet in effect, or (0, 0) when there is none.
    function pendingTokensPerRmb() external view returns (uint256 newTokensPerRmb, uint256 effectiveAt);

    /// @notice Announces a new exchange rate, in effect for deposits and redemptions `RATE_CHANGE_DELAY` from now.
    /// Announcing again replaces a change not yet in effect (announcing the current rate withdraws it). Admin only.
    /// @return effectiveAt When the new rate applies (unix seconds).
    function scheduleTokensPerRmb(uint256 newTokensPerRmb) external returns (uint256 effectiveAt);

    /// @notice Mints tokens for an attested RMB deposit. Cashier only; each receipt converts once.
    /// @return tokens The amount minted to `account`.
    function deposit(address account, uint256 rmbAmount, bytes32 receiptId) external returns (uint256 tokens);

    /// @notice Burns the caller's tokens for `rmbAmount` RMB, rounding the burn up so no value is created.
    /// @return tokens The amount burned.
    function redeem(uint256 rmbAmount) external returns (uint256 tokens);

    /// @notice Tokens minted for `rmbAmount` at the current rate (rounded down).
    function rmbToTokens(uint256 rmbAmount) external view returns (uint256);
}
