// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Participant registry (the paper's admission stage, `Regis`)
/// @notice Consumers and generators apply with their kind, region and registration code; the trading centre reviews
/// each application. Only approved participants may list orders in the market.
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
        Rejected
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

    /// @notice The kind must be Consumer, Wind or Thermal.
    error RegistryInvalidKind(uint8 kind);
    /// @notice Region and registration code must be non-empty.
    error RegistryEmptyField(bytes32 field);
    /// @notice `account` has a pending or approved registration already.
    error RegistryAlreadyRegistered(address account, Status status);
    /// @notice Only a pending application can be reviewed.
    error RegistryNotPending(address account, Status status);

    /// @notice Applies for admission (the paper's `Regis()`).
    function Regis(Kind kind, bytes32 region, bytes32 code) external;

    /// @notice Admits a pending applicant. Trading centre only.
    function approve(address account) external;

    /// @notice Refuses a pending applicant. Trading centre only.
    function reject(address account, bytes32 reason) external;

    /// @notice The registration of `account` (all zero when unknown).
    function participant(address account) external view returns (Participant memory);

    /// @notice Whether `account` is admitted (the orderer's admission check uses this too).
    function isApproved(address account) external view returns (bool);
}
