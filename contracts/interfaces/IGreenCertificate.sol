// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";
import {IBridgeApp} from "./IBridgeApp.sol";

/// @title Green certificates (side chain; ERC-1155 in the spirit of ERC-1888 transferable certificates)
/// @notice One certificate per MWh of wind energy settled on the main chain. Each settled wind trade gets its own
/// token id, `certificateId(roundId, tradeId) = roundId << 128 | tradeId`, with stored metadata (generator, region,
/// round, source trade, period, MWh). Certificates are issued only by a verified bridge message from the peer
/// SettlementReporter on the main chain ({ISettlementReporter} describes the payloads) and never twice per trade.
/// Issuance uses the ERC-1155 acceptance check: a generator that is a contract must implement `IERC1155Receiver`,
/// otherwise the issuing message reverts and stays undelivered.
///
/// Units. Balances are in thousandths of a certificate: 1 certificate = 1 MWh = `UNITS_PER_CERTIFICATE` = 1000
/// units, so fractional obligations (0.2 certificate per MWh) are exact.
///
/// Obligations. A reported thermal trade adds `ceil(mwh × 1000 × obligationBps / 10000)` units to the thermal
/// generator's obligation for the round (obligationBps = 2000 is 0.2 certificate per MWh; the rate in force when the
/// report arrives applies). A reported consumer quota adds its `quotaUnits` to the consumer's quota.
///
/// Retirement. {retire} burns certificates and records who retired how much and for what. A retirement counts
/// toward the compliance of the certificate's own round (its vintage); `Voluntary` retirements count toward nothing.
/// An account complies in a round when it retired at least its obligation for `ThermalObligation` and at least its
/// quota for `ConsumerQuota`.
interface IGreenCertificate is IERC1155, IBridgeApp {
    /// @notice Why certificates were retired.
    enum Purpose {
        Voluntary,
        ThermalObligation,
        ConsumerQuota
    }

    /// @notice Metadata of a certificate id (one settled wind trade).
    struct Certificate {
        address generator;
        uint8 region;
        uint64 mwh;
        uint64 period;
        uint256 roundId;
        uint256 tradeId;
    }

    /// @notice One retirement.
    struct Retirement {
        address account;
        Purpose purpose;
        uint64 timestamp;
        uint256 id;
        uint256 amount; // units
        uint256 roundId; // the certificate's round, to whose compliance it counts
    }

    /// @notice An account's position in a round, in units.
    struct ComplianceDetail {
        uint256 obligation; // thermal obligation owed
        uint256 obligationRetired;
        uint256 quota; // consumer green quota owed
        uint256 quotaRetired;
        uint256 voluntaryRetired;
    }

    /// @notice Certificates `id` were issued to `generator` for a settled wind trade.
    event GreenCertificateIssued(
        uint256 indexed id,
        address indexed generator,
        uint256 indexed roundId,
        uint256 tradeId,
        uint8 region,
        uint64 mwh,
        uint64 period,
        uint256 amount
    );
    /// @notice A thermal trade added `amount` units to `generator`'s obligation in `roundId`.
    event GreenCertificateObligationRecorded(
        address indexed generator,
        uint256 indexed roundId,
        uint256 indexed tradeId,
        uint64 mwh,
        uint256 amount
    );
    /// @notice A consumer order added `amount` units to `consumer`'s green quota in `roundId`.
    event GreenCertificateQuotaRecorded(
        address indexed consumer,
        uint256 indexed roundId,
        uint256 indexed orderId,
        uint256 amount
    );
    /// @notice `account` retired `amount` units of `id` for `purpose` (retirement number `retirementId`).
    event GreenCertificateRetired(
        uint256 indexed retirementId,
        address indexed account,
        uint256 indexed id,
        uint256 amount,
        Purpose purpose,
        uint256 roundId
    );
    /// @notice The thermal obligation rate changed (basis points of a certificate per MWh).
    event GreenCertificateObligationBpsChanged(uint256 oldBps, uint256 newBps);

    /// @notice The trade was reported already (certificates or obligation recorded).
    error GreenCertificateAlreadyReported(uint256 roundId, uint256 tradeId);
    /// @notice The consumer order's quota was recorded already.
    error GreenCertificateQuotaAlreadyReported(uint256 roundId, uint256 orderId);
    /// @notice The payload's kind is not known.
    error GreenCertificateUnknownReportKind(uint8 kind);
    /// @notice A report with zero MWh.
    error GreenCertificateEmptyReport();
    /// @notice Round and trade ids must fit in 128 bits.
    error GreenCertificateIdOutOfRange(uint256 roundId, uint256 tradeId);
    /// @notice No certificate with this id was issued.
    error GreenCertificateUnknownCertificate(uint256 id);
    /// @notice The amount must be positive.
    error GreenCertificateZeroAmount();
    /// @notice The obligation rate must be at most 10000 bps (one certificate per MWh).
    error GreenCertificateInvalidObligationBps(uint256 bps);
    /// @notice No retirement with this number.
    error GreenCertificateRetirementNotFound(uint256 retirementId);

    /// @notice Burns `amount` units of the caller's certificate `id` for `purpose`.
    /// @return retirementId The retirement's number (0, 1, …).
    function retire(uint256 id, uint256 amount, Purpose purpose) external returns (uint256 retirementId);

    /// @notice Sets the thermal obligation rate for future reports. Admin only.
    function setObligationBps(uint256 bps) external;

    /// @notice The thermal obligation rate, basis points of a certificate per MWh (2000 = 0.2).
    function obligationBps() external view returns (uint256);

    /// @notice The token id of the certificates of trade `tradeId` of `roundId`.
    function certificateId(uint256 roundId, uint256 tradeId) external pure returns (uint256);

    /// @notice Metadata of certificate `id`; reverts when unknown.
    function certificate(uint256 id) external view returns (Certificate memory);

    /// @notice Whether trade `tradeId` of `roundId` was reported (wind or thermal).
    function isReported(uint256 roundId, uint256 tradeId) external view returns (bool);

    /// @notice What `account` owes in `roundId` (obligation + quota), what it retired toward it, whether it complies.
    function compliance(address account, uint256 roundId) external view returns (uint256 owed, uint256 retired, bool met);

    /// @notice The parts of {compliance}.
    function complianceDetail(address account, uint256 roundId) external view returns (ComplianceDetail memory);

    /// @notice A retirement by number.
    function retirement(uint256 retirementId) external view returns (Retirement memory);

    /// @notice How many retirements there were.
    function retirementCount() external view returns (uint256);

    /// @notice Units ever issued (all ids).
    function totalIssued() external view returns (uint256);

    /// @notice Units ever retired (all ids). `totalIssued = Σ balances + totalRetired` always.
    function totalRetired() external view returns (uint256);

    /// @notice Units outstanding over all ids.
    function totalHeld() external view returns (uint256);
}
