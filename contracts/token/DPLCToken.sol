// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IDPLCToken} from "../interfaces/IDPLCToken.sol";

/// @title DPLCToken
/// @notice See {IDPLCToken}.
contract DPLCToken is ERC20, AccessControl, IDPLCToken {
    /// @notice Role allowed to attest RMB deposits.
    bytes32 public constant CASHIER_ROLE = keccak256("CASHIER_ROLE");

    uint256 private constant _ONE = 1e18;

    uint256 private _tokensPerRmb;
    mapping(bytes32 receiptId => bool used) private _receipts;

    constructor(address admin, address cashier) ERC20("DPLC Token", "DPLC") {
        if (admin == address(0)) revert DPLCTokenZeroAccount();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        if (cashier != address(0)) _grantRole(CASHIER_ROLE, cashier);
        _tokensPerRmb = 10 * _ONE;
        emit DPLCTokenRateChanged(0, _tokensPerRmb);
    }

    /// @inheritdoc IDPLCToken
    function tokensPerRmb() external view returns (uint256) {
        return _tokensPerRmb;
    }

    /// @inheritdoc IDPLCToken
    function setTokensPerRmb(uint256 newTokensPerRmb) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newTokensPerRmb == 0) revert DPLCTokenZeroRate();
        uint256 old = _tokensPerRmb;
        _tokensPerRmb = newTokensPerRmb;
        emit DPLCTokenRateChanged(old, newTokensPerRmb);
    }

    /// @inheritdoc IDPLCToken
    function deposit(
        address account,
        uint256 rmbAmount,
        bytes32 receiptId
    ) external onlyRole(CASHIER_ROLE) returns (uint256 tokens) {
        if (account == address(0)) revert DPLCTokenZeroAccount();
        if (_receipts[receiptId]) revert DPLCTokenDuplicateReceipt(receiptId);
        tokens = Math.mulDiv(rmbAmount, _tokensPerRmb, _ONE);
        if (tokens == 0) revert DPLCTokenZeroAmount();
        _receipts[receiptId] = true;
        _mint(account, tokens);
        emit DPLCTokenDeposited(account, receiptId, rmbAmount, tokens);
    }

    /// @inheritdoc IDPLCToken
    function redeem(uint256 rmbAmount) external returns (uint256 tokens) {
        if (rmbAmount == 0) revert DPLCTokenZeroAmount();
        tokens = Math.mulDiv(rmbAmount, _tokensPerRmb, _ONE, Math.Rounding.Ceil);
        _burn(msg.sender, tokens);
        emit DPLCTokenRedeemed(msg.sender, tokens, rmbAmount);
    }

    /// @inheritdoc IDPLCToken
    function rmbToTokens(uint256 rmbAmount) external view returns (uint256) {
        return Math.mulDiv(rmbAmount, _tokensPerRmb, _ONE);
    }
}
