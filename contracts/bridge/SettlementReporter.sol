// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IBridgeGateway} from "../interfaces/IBridgeGateway.sol";
import {IDPLCMarket} from "../interfaces/IDPLCMarket.sol";
import {IDPLCRegistry} from "../interfaces/IDPLCRegistry.sol";
import {IBridgeRefundReceiver} from "../interfaces/IBridgeRefundReceiver.sol";
import {ISettlementReporter} from "../interfaces/ISettlementReporter.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {BridgeApp} from "./BridgeApp.sol";
import {ReportCodec} from "./ReportCodec.sol";

/// @title SettlementReporter
/// @notice See {ISettlementReporter}. Main chain; its peer is the GreenCertificate on the side chain. The gateway
/// must grant this contract `SENDER_ROLE`. It only reads the market, so it needs no role there.
contract SettlementReporter is BridgeApp, ISettlementReporter, IBridgeRefundReceiver {
    uint256 private constant _PPM = 1_000_000;
    uint256 private constant _UNITS_PER_CERTIFICATE = 1000;

    IDPLCMarket private immutable _market;
    IDPLCRegistry private immutable _registry;
    mapping(uint256 roundId => mapping(uint256 tradeId => bool done)) private _reported;
    mapping(uint256 orderId => bool done) private _quotaReported;
    mapping(uint256 roundId => mapping(uint256 tradeId => bool returned)) private _returned;

    constructor(IDPLCMarket market_, IBridgeGateway gateway_, address admin) BridgeApp(gateway_, admin) {
        _market = market_;
        (, _registry, ) = market_.components();
    }

    /// @inheritdoc ISettlementReporter
    function report(uint256 roundId, uint256[] calldata tradeIds) external {
        _reportTrades(roundId, tradeIds, false);
    }

    /// @inheritdoc ISettlementReporter
    function reportThermal(uint256 roundId, uint256[] calldata tradeIds) external {
        _reportTrades(roundId, tradeIds, true);
    }

    /// @inheritdoc ISettlementReporter
    function reportQuotas(uint256 roundId, uint256[] calldata orderIds) external {
        if (orderIds.length == 0) revert SettlementReporterEmptyBatch();
        IDPLCMarket.RoundView memory r = _market.round(roundId);
        if (r.state != IDPLCMarket.RoundState.Closed) revert SettlementReporterRoundNotClosed(roundId, r.state);
        for (uint256 i = 0; i < orderIds.length; ++i) _reportQuota(roundId, orderIds[i], r.deadline);
    }

    /// @inheritdoc ISettlementReporter
    function reissue(uint256 roundId, uint256 tradeId, address receiver) external {
        if (!_returned[roundId][tradeId]) revert SettlementReporterNotReturned(roundId, tradeId);
        IDPLCMarket.Trade memory t = _market.trade(roundId, tradeId);
        IDPLCMarket.Order memory seller = _market.order(t.sellerOrderId);
        if (msg.sender != seller.owner) revert SettlementReporterNotGenerator(roundId, tradeId, msg.sender);
        // A thermal obligation stays with its generator; only certificates may go to another account.
        if (receiver == address(0) || (t.thermal && receiver != seller.owner)) {
            revert SettlementReporterInvalidReceiver(receiver);
        }
        _returned[roundId][tradeId] = false;
        uint256 nonce = _sendTrade(roundId, tradeId, t, receiver, seller.region, _market.round(roundId).deadline);
        emit SettlementReporterTradeReissued(roundId, tradeId, receiver, nonce);
    }

    /// @inheritdoc IBridgeRefundReceiver
    /// @dev The side chain abandoned the report: a trade may be re-issued once by its generator, a quota reported
    /// again.
    function onBridgeRefund(
        uint256 nonce,
        uint256 destChainId,
        address target,
        bytes calldata payload
    ) external returns (bytes4) {
        _checkRefund(destChainId, target);
        (uint8 kind, bytes memory body) = ReportCodec.decodeKind(payload);
        if (kind == ReportCodec.KIND_TRADE) {
            TradeReport memory r = ReportCodec.decodeTrade(body);
            _returned[r.roundId][r.tradeId] = true;
            emit SettlementReporterTradeReturned(r.roundId, r.tradeId, nonce);
        } else {
            QuotaReport memory q = ReportCodec.decodeQuota(body);
            _quotaReported[q.orderId] = false;
            emit SettlementReporterQuotaReturned(q.roundId, q.orderId, nonce);
        }
        return IBridgeRefundReceiver.onBridgeRefund.selector;
    }

    /// @inheritdoc ISettlementReporter
    function isReturned(uint256 roundId, uint256 tradeId) external view returns (bool) {
        return _returned[roundId][tradeId];
    }

    /// @inheritdoc ISettlementReporter
    function isReported(uint256 roundId, uint256 tradeId) external view returns (bool) {
        return _reported[roundId][tradeId];
    }

    /// @inheritdoc ISettlementReporter
    function isQuotaReported(uint256 orderId) external view returns (bool) {
        return _quotaReported[orderId];
    }

    /// @inheritdoc ISettlementReporter
    function market() external view returns (IDPLCMarket) {
        return _market;
    }

    function _reportTrades(uint256 roundId, uint256[] calldata tradeIds, bool thermal) private {
        if (tradeIds.length == 0) revert SettlementReporterEmptyBatch();
        // The round's listing deadline names the delivery period.
        uint64 period = _market.round(roundId).deadline;
        for (uint256 i = 0; i < tradeIds.length; ++i) _reportTrade(roundId, tradeIds[i], thermal, period);
    }

    function _reportTrade(uint256 roundId, uint256 tradeId, bool thermal, uint64 period) private {
        if (_reported[roundId][tradeId]) revert SettlementReporterAlreadyReported(roundId, tradeId);
        IDPLCMarket.Trade memory t = _market.trade(roundId, tradeId);
        if (t.thermal != thermal) {
            if (t.thermal) revert SettlementReporterThermalTrade(roundId, tradeId);
            revert SettlementReporterWindTrade(roundId, tradeId);
        }
        if (!t.settled) revert SettlementReporterTradeNotSettled(roundId, tradeId);
        if (t.mwh == 0) revert SettlementReporterEmptyTrade(roundId, tradeId);
        IDPLCMarket.Order memory seller = _market.order(t.sellerOrderId);
        _reported[roundId][tradeId] = true;
        uint256 nonce = _sendTrade(roundId, tradeId, t, seller.owner, seller.region, period);
        emit SettlementReporterTradeReported(roundId, tradeId, seller.owner, thermal, t.mwh, nonce);
    }

    function _sendTrade(
        uint256 roundId,
        uint256 tradeId,
        IDPLCMarket.Trade memory t,
        address generator,
        uint8 region,
        uint64 period
    ) private returns (uint256 nonce) {
        return
            _sendToPeer(
                ReportCodec.encodeTrade(
                    TradeReport({
                        roundId: roundId,
                        tradeId: tradeId,
                        generator: generator,
                        region: region,
                        thermal: t.thermal,
                        mwh: t.mwh,
                        period: period
                    })
                )
            );
    }

    function _reportQuota(uint256 roundId, uint256 orderId, uint64 period) private {
        if (_quotaReported[orderId]) revert SettlementReporterQuotaAlreadyReported(orderId);
        IDPLCMarket.Order memory o = _market.order(orderId);
        if (o.kind != IDPLCRegistry.Kind.Consumer) revert SettlementReporterNotConsumer(orderId);
        if (o.roundId != roundId) revert SettlementReporterOrderNotInRound(orderId, roundId);
        if (!o.active) revert SettlementReporterOrderWithdrawn(orderId);
        uint256 units = _quotaUnits(o);
        if (units == 0) revert SettlementReporterZeroQuota(orderId);
        _quotaReported[orderId] = true;
        uint256 nonce = _sendToPeer(
            ReportCodec.encodeQuota(
                QuotaReport({
                    roundId: roundId,
                    orderId: orderId,
                    consumer: o.owner,
                    region: o.region,
                    quotaUnits: units,
                    period: period
                })
            )
        );
        emit SettlementReporterQuotaReported(roundId, orderId, o.owner, units, nonce);
    }

    /// @dev The registry's quota ratio of the order's owner × the MWh it bought, in thousandths of a certificate,
    /// rounded up so a quota is never understated.
    function _quotaUnits(IDPLCMarket.Order memory o) private view returns (uint256) {
        uint256 bought = uint256(o.windFilledMwh) + o.thermalFilledMwh;
        return Math.ceilDiv(bought * _UNITS_PER_CERTIFICATE * _registry.greenQuotaPpm(o.owner), _PPM);
    }
}
