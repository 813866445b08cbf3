// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IDPLCRegistry} from "../interfaces/IDPLCRegistry.sol";

/// @title DPLCRegistry
/// @notice See {IDPLCRegistry}.
contract DPLCRegistry is AccessControl, IDPLCRegistry {
    /// @notice Role of the trading centre's reviewers.
    bytes32 public constant TRADING_CENTRE_ROLE = keccak256("TRADING_CENTRE_ROLE");

    uint32 private constant _PPM = 1_000_000;

    mapping(address account => Participant registration) private _participants;
    mapping(address account => uint32 ratioPpm) private _greenQuotaPpm;

    constructor(address admin, address tradingCentre) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(TRADING_CENTRE_ROLE, tradingCentre);
    }

    /// @inheritdoc IDPLCRegistry
    function Regis(Kind kind, bytes32 region, bytes32 code) external {
        if (kind == Kind.None) revert RegistryInvalidKind(uint8(kind));
        if (region == bytes32(0)) revert RegistryEmptyField("region");
        if (code == bytes32(0)) revert RegistryEmptyField("code");
        Status status = _participants[msg.sender].status;
        if (status == Status.Pending || status == Status.Approved) {
            revert RegistryAlreadyRegistered(msg.sender, status);
        }
        _participants[msg.sender] = Participant(kind, Status.Pending, region, code);
        emit RegistryApplied(msg.sender, kind, region, code);
    }

    /// @inheritdoc IDPLCRegistry
    function approve(address account) external onlyRole(TRADING_CENTRE_ROLE) {
        _requirePending(account).status = Status.Approved;
        emit RegistryApproved(account, msg.sender);
    }

    /// @inheritdoc IDPLCRegistry
    function reject(address account, bytes32 reason) external onlyRole(TRADING_CENTRE_ROLE) {
        _requirePending(account).status = Status.Rejected;
        emit RegistryRejected(account, msg.sender, reason);
    }

    /// @inheritdoc IDPLCRegistry
    function revoke(address account, bytes32 reason) external onlyRole(TRADING_CENTRE_ROLE) {
        Participant storage p = _participants[account];
        if (p.status != Status.Approved) revert RegistryNotApproved(account, p.status);
        p.status = Status.Revoked;
        emit RegistryRevoked(account, msg.sender, reason);
    }

    /// @inheritdoc IDPLCRegistry
    function setGreenQuota(address account, uint32 ratioPpm) external onlyRole(TRADING_CENTRE_ROLE) {
        if (ratioPpm > _PPM) revert RegistryInvalidQuota(ratioPpm);
        Kind kind = _participants[account].kind;
        if (kind != Kind.Consumer) revert RegistryNotConsumer(account, kind);
        uint32 old = _greenQuotaPpm[account];
        _greenQuotaPpm[account] = ratioPpm;
        emit RegistryGreenQuotaSet(account, old, ratioPpm);
    }

    /// @inheritdoc IDPLCRegistry
    function greenQuotaPpm(address account) external view returns (uint32) {
        return _greenQuotaPpm[account];
    }

    /// @inheritdoc IDPLCRegistry
    function participant(address account) external view returns (Participant memory) {
        return _participants[account];
    }

    /// @inheritdoc IDPLCRegistry
    function isApproved(address account) external view returns (bool) {
        return _participants[account].status == Status.Approved;
    }

    function _requirePending(address account) private view returns (Participant storage p) {
        p = _participants[account];
        if (p.status != Status.Pending) revert RegistryNotPending(account, p.status);
    }
}
