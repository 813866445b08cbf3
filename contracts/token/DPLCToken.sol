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
    /// @notice Time between the announcement of a rate change and its effect.
    uint256 public constant RATE_CHANGE_DELAY = 7 days;

    uint256 private constant _ONE = 1e18;

    uint256 private _tokensPerRmb;
    uint256 private _pendingTokensPerRmb;
    uint256 private _pendingAt;
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
        return _rateNow();
    }

    /// @inheritdoc IDPLCToken
    function pendingTokensPerRmb() external view returns (uint256 newTokensPerRmb, uint256 effectiveAt) {
        if (_pendingAt == 0 || block.timestamp >= _pendingAt) return (0, 0);
        return (_pendingTokensPerRmb, _pendingAt);
    }

    /// @inheritdoc IDPLCToken
    function scheduleTokensPerRmb(
        uint256 newTokensPerRmb
    ) external onlyRole(DEFAULT_ADMIN_ROLE) returns (uint256 effectiveAt) {
        if (newTokensPerRmb == 0) revert DPLCTokenZeroRate();
        uint256 current = _syncRate();
        effectiveAt = block.timestamp + RATE_CHANGE_DELAY;
        _pendingTokensPerRmb = newTokensPerRmb;
        _pendingAt = effectiveAt;
        emit DPLCTokenRateScheduled(current, newTokensPerRmb, effectiveAt);
    }

    /// @inheritdoc IDPLCToken
    function deposit(
        address account,
        uint256 rmbAmount,
        bytes32 receiptId
    ) external onlyRole(CASHIER_ROLE) returns (uint256 tokens) {
        if (account == address(0)) revert DPLCTokenZeroAccount();
        if (_receipts[receiptId]) revert DPLCTokenDuplicateReceipt(receiptId);
        tokens = Math.mulDiv(rmbAmount, _syncRate(), _ONE);
        if (tokens == 0) revert DPLCTokenZeroAmount();
        _receipts[receiptId] = true;
        _mint(account, tokens);
        emit DPLCTokenDeposited(account, receiptId, rmbAmount, tokens);
    }

    /// @inheritdoc IDPLCToken
    function redeem(uint256 rmbAmount) external returns (uint256 tokens) {
        if (rmbAmount == 0) revert DPLCTokenZeroAmount();
        tokens = Math.mulDiv(rmbAmount, _syncRate(), _ONE, Math.Rounding.Ceil);
        _burn(msg.sender, tokens);
        emit DPLCTokenRedeemed(msg.sender, tokens, rmbAmount);
    }

    /// @inheritdoc IDPLCToken
    function rmbToTokens(uint256 rmbAmount) external view returns (uint256) {
        return Math.mulDiv(rmbAmount, _rateNow(), _ONE);
    }

    /// @dev The rate in force now: the announced one once its time has come.
    function _rateNow() private view returns (uint256) {
        return _pendingAt != 0 && block.timestamp >= _pendingAt ? _pendingTokensPerRmb : _tokensPerRmb;
    }

    /// @dev Puts an announced rate whose time has come into force (with its event) and returns the rate in force.
    function _syncRate() private returns (uint256 rate) {
        rate = _tokensPerRmb;
        if (_pendingAt == 0 || block.timestamp < _pendingAt) return rate;
        uint256 old = rate;
        rate = _pendingTokensPerRmb;
        _tokensPerRmb = rate;
        _pendingTokensPerRmb = 0;
        _pendingAt = 0;
        emit DPLCTokenRateChanged(old, rate);
    }
}
