// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Participant registry (the paper's admission stage, `Regis`)
/// @notice Consumers and generators apply with their kind, region and registration code; the trading centre reviews
/// each application. Only approved participants may list orders in the market; the trading centre may revoke an
/// approval at any time (the participant may then apply again).
///
/// Green quotas. The trading centre sets each consumer's renewable quota as a share of the energy it buys (Table 2's
/// wind power ratio; in ppm). The quota is assigned, not declared in an order, so a consumer cannot lower its own.
interface IDPLCRegistry {
    /// @notice What a participant is; `None` marks an unknown account.
    enum Kind {
        None,
        Consumer,
        Wind,
        Thermal
    }

    /// @notice Where an application stands.
    enum Status {
        None,
        Pending,
        Approved,
        Rejected,
        Revoked
    }

    /// @notice A participant's registration.
    struct Participant {
        Kind kind;
        Status status;
        bytes32 region;
        bytes32 code;
    }

    /// @notice `account` applied (or re-applied after a rejection).
    event RegistryApplied(address indexed account, Kind kind, bytes32 indexed region, bytes32 code);
    /// @notice The trading centre admitted `account`.
    event RegistryApproved(address indexed account, address indexed reviewer);
    /// @notice The trading centre refused `account`, with a short reason code.
    event RegistryRejected(address indexed account, address indexed reviewer, bytes32 reason);
    /// @notice The trading centre withdrew `account`'s admission, with a short reason code.
    event RegistryRevoked(address indexed account, address indexed reviewer, bytes32 reason);

    /// @notice The trading centre set `account`'s green quota to `newRatioPpm` of the energy it buys.
    event RegistryGreenQuotaSet(address indexed account, uint32 oldRatioPpm, uint32 newRatioPpm);

    /// @notice The kind must be Consumer, Wind or Thermal.
    error RegistryInvalidKind(uint8 kind);
    /// @notice Region and registration code must be non-empty.
    error RegistryEmptyField(bytes32 field);
    /// @notice `account` has a pending or approved registration already.
    error RegistryAlreadyRegistered(address account, Status status);
    /// @notice Only a pending application can be reviewed.
    error RegistryNotPending(address account, Status status);
    /// @notice Only an approved participant can be revoked.
    error RegistryNotApproved(address account, Status status);

    /// @notice A quota is a share: at most 1,000,000 ppm.
    error RegistryInvalidQuota(uint256 ratioPpm);
    /// @notice Only a registered consumer has a green quota.
    error RegistryNotConsumer(address account, Kind kind);

    /// @notice Applies for admission (the paper's `Regis()`).
    function Regis(Kind kind, bytes32 region, bytes32 code) external;

    /// @notice Admits a pending applicant. Trading centre only.
    function approve(address account) external;

    /// @notice Refuses a pending applicant. Trading centre only.
    function reject(address account, bytes32 reason) external;

    /// @notice Revokes an approved participant: it can list no more orders (its open orders can still be withdrawn,
    /// by it or, while listing is open, by anyone on its behalf) and the orderer's admission refuses it. Trading
    /// centre only.
    function revoke(address account, bytes32 reason) external;

    /// @notice Sets a consumer's green quota, in ppm of the energy it buys (the rate in force when a quota is reported
    /// applies). Trading centre only.
    function setGreenQuota(address account, uint32 ratioPpm) external;
    /// @notice A consumer's green quota in ppm of the energy it buys (0 when none was set).
    function greenQuotaPpm(address account) external view returns (uint32);
    /// @notice The registration of `account` (all zero when unknown).
    function participant(address account) external view returns (Participant memory);

    /// @notice Whether `account` is admitted (the orderer's admission check uses this too).
    function isApproved(address account) external view returns (bool);
}
