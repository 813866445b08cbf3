// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IDPLCMarket} from "./IDPLCMarket.sol";
import {IBridgeApp} from "./IBridgeApp.sol";

/// @title Reports settled market results to the green-certificate side chain (main chain)
/// @notice Anyone may report; every report is one bridge message to the peer GreenCertificate, and each settled
/// trade or consumer order is reported at most once:
/// - {report}: settled WIND trades → the side chain issues `mwh` certificates to the wind generator (the seller
///   order's owner);
/// - {reportThermal}: settled THERMAL trades → the side chain records the thermal generator's obligation
///   (obligation rate × MWh sold, the rate being a side-chain parameter);
/// - {reportQuotas}: consumer orders of a closed round → the side chain records the consumer's green quota, its wind
///   demand (`greenDemandMwh`) of the round.
///
/// Payload encoding: `abi.encode(uint8 kind, bytes body)` with
/// - kind 1 (`KIND_TRADE`): body = `abi.encode(TradeReport)` =
///   `(uint256 roundId, uint256 tradeId, address generator, uint8 region, bool thermal, uint64 mwh, uint64 period)`;
/// - kind 2 (`KIND_QUOTA`): body = `abi.encode(QuotaReport)` =
///   `(uint256 roundId, uint256 orderId, address consumer, uint8 region, uint256 quotaUnits, uint64 period)`.
///
/// Returned reports. When the side chain abandons a report it cannot deliver (a certificate receiver without the
/// ERC-1155 hook), the gateway hands it back ({IBridgeRefundReceiver}): a trade becomes "returned" and its generator
/// may {reissue} it once to a corrected receiver; a quota may be reported again.
///
/// `region` is the order's 0-based grid region index; `period` is the round's listing deadline (unix seconds), which
/// names the delivery period of the round.
interface ISettlementReporter is IBridgeApp {
    /// @notice One settled trade, wind or thermal.
    struct TradeReport {
        uint256 roundId;
        uint256 tradeId;
        address generator; // the seller order's owner
        uint8 region; // the seller order's region index
        bool thermal;
        uint64 mwh;
        uint64 period; // the round's listing deadline
    }

    /// @notice One consumer order's green quota.
    struct QuotaReport {
        uint256 roundId;
        uint256 orderId;
        address consumer;
        uint8 region;
        uint256 quotaUnits; // certificates the consumer owes, in thousandths (GreenCertificate's units)
        uint64 period;
    }

    /// @notice A settled trade was sent to the side chain as message `nonce`.
    event SettlementReporterTradeReported(
        uint256 indexed roundId,
        uint256 indexed tradeId,
        address indexed generator,
        bool thermal,
        uint64 mwh,
        uint256 nonce
    );
    /// @notice A consumer order's green quota was sent to the side chain as message `nonce`.
    event SettlementReporterQuotaReported(
        uint256 indexed roundId,
        uint256 indexed orderId,
        address indexed consumer,
        uint256 quotaUnits,
        uint256 nonce
    );

    /// @notice The side chain abandoned the report of a trade (message `nonce`); its generator may re-issue it.
    event SettlementReporterTradeReturned(uint256 indexed roundId, uint256 indexed tradeId, uint256 nonce);
    /// @notice The side chain abandoned a quota report (message `nonce`); it may be reported again.
    event SettlementReporterQuotaReturned(uint256 indexed roundId, uint256 indexed orderId, uint256 nonce);
    /// @notice A returned trade was sent again, to `receiver`, as message `nonce`.
    event SettlementReporterTradeReissued(
        uint256 indexed roundId,
        uint256 indexed tradeId,
        address indexed receiver,
        uint256 nonce
    );

    /// @notice The trade was not returned by the side chain (or was re-issued already).
    error SettlementReporterNotReturned(uint256 roundId, uint256 tradeId);
    /// @notice Only the trade's generator (the seller order's owner) may re-issue it.
    error SettlementReporterNotGenerator(uint256 roundId, uint256 tradeId, address caller);
    /// @notice The receiver is zero, or differs from the generator of a thermal trade.
    error SettlementReporterInvalidReceiver(address receiver);
    /// @notice The list of trades or orders is empty.
    error SettlementReporterEmptyBatch();
    /// @notice The trade is not settled (yet).
    error SettlementReporterTradeNotSettled(uint256 roundId, uint256 tradeId);
    /// @notice {report} takes wind trades only; thermal trades go through {reportThermal}.
    error SettlementReporterThermalTrade(uint256 roundId, uint256 tradeId);
    /// @notice {reportThermal} takes thermal trades only.
    error SettlementReporterWindTrade(uint256 roundId, uint256 tradeId);
    /// @notice The trade was curtailed to 0 MWh: nothing to report.
    error SettlementReporterEmptyTrade(uint256 roundId, uint256 tradeId);
    /// @notice The trade was reported already.
    error SettlementReporterAlreadyReported(uint256 roundId, uint256 tradeId);
    /// @notice Quotas are reported once the round is closed (settled).
    error SettlementReporterRoundNotClosed(uint256 roundId, IDPLCMarket.RoundState state);
    /// @notice The order is not a consumer order.
    error SettlementReporterNotConsumer(uint256 orderId);
    /// @notice The order belongs to another round.
    error SettlementReporterOrderNotInRound(uint256 orderId, uint256 roundId);
    /// @notice The order was withdrawn before the deadline.
    error SettlementReporterOrderWithdrawn(uint256 orderId);
    /// @notice The consumer order owes no green energy (no quota set, or nothing bought).
    error SettlementReporterZeroQuota(uint256 orderId);
    /// @notice The order's quota was reported already.
    error SettlementReporterQuotaAlreadyReported(uint256 orderId);

    /// @notice Reports settled wind trades of `roundId`, one bridge message each.
    function report(uint256 roundId, uint256[] calldata tradeIds) external;

    /// @notice Reports settled thermal trades of `roundId` (thermal obligations), one bridge message each.
    function reportThermal(uint256 roundId, uint256[] calldata tradeIds) external;

    /// @notice Reports the green quota of consumer orders of the closed round `roundId`: the consumer's quota ratio in
    /// the registry ({IDPLCRegistry-greenQuotaPpm}) times the MWh the order bought (wind and thermal), rounded up, in
    /// thousandths of a certificate.
    function reportQuotas(uint256 roundId, uint256[] calldata orderIds) external;

    /// @notice Re-sends a returned trade with `receiver` as the certificates' holder. The trade's generator only, once
    /// per return.
    function reissue(uint256 roundId, uint256 tradeId, address receiver) external;

    /// @notice Whether the side chain returned trade `tradeId` of `roundId` and it awaits {reissue}.
    function isReturned(uint256 roundId, uint256 tradeId) external view returns (bool);

    /// @notice Whether trade `tradeId` of `roundId` was reported.
    function isReported(uint256 roundId, uint256 tradeId) external view returns (bool);

    /// @notice Whether the quota of consumer order `orderId` was reported.
    function isQuotaReported(uint256 orderId) external view returns (bool);

    /// @notice The market whose trades are reported.
    function market() external view returns (IDPLCMarket);
}
