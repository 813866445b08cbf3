// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {ERC1155Supply} from "@openzeppelin/contracts/token/ERC1155/extensions/ERC1155Supply.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IBridgeGateway} from "../interfaces/IBridgeGateway.sol";
import {IBridgeReceiver} from "../interfaces/IBridgeReceiver.sol";
import {IGreenCertificate} from "../interfaces/IGreenCertificate.sol";
import {ISettlementReporter} from "../interfaces/ISettlementReporter.sol";
import {BridgeApp} from "../bridge/BridgeApp.sol";
import {ReportCodec} from "../bridge/ReportCodec.sol";

/// @title GreenCertificate
/// @notice See {IGreenCertificate}. Side chain; its peer is the SettlementReporter on the main chain.
contract GreenCertificate is ERC1155Supply, BridgeApp, IGreenCertificate, IBridgeReceiver {
    /// @notice Balance units per certificate (1 certificate = 1 MWh).
    uint256 public constant UNITS_PER_CERTIFICATE = 1000;
    uint256 private constant _BPS = 10_000;

    uint256 private _obligationBps;
    uint256 private _totalIssued;
    uint256 private _totalRetired;
    mapping(uint256 id => Certificate meta) private _certificates;
    mapping(uint256 roundId => mapping(uint256 tradeId => bool done)) private _reported;
    mapping(uint256 roundId => mapping(uint256 orderId => bool done)) private _quotaReported;
    mapping(address account => mapping(uint256 roundId => ComplianceDetail detail)) private _compliance;
    Retirement[] private _retirements;

    /// @param obligationBps_ Thermal obligation, basis points of a certificate per MWh (2000 = 0.2).
    /// @param uri_ ERC-1155 metadata URI template.
    constructor(
        IBridgeGateway gateway_,
        address admin,
        uint256 obligationBps_,
        string memory uri_
    ) ERC1155(uri_) BridgeApp(gateway_, admin) {
        _setObligationBps(obligationBps_);
    }

    /// @inheritdoc IBridgeReceiver
    function onBridgeMessage(
        uint256 srcChainId,
        address sender,
        uint256 /* nonce */,
        bytes calldata payload
    ) external returns (bytes4) {
        _checkInbound(srcChainId, sender);
        (uint8 kind, bytes memory body) = ReportCodec.decodeKind(payload);
        if (kind == ReportCodec.KIND_TRADE) _onTrade(ReportCodec.decodeTrade(body));
        else if (kind == ReportCodec.KIND_QUOTA) _onQuota(ReportCodec.decodeQuota(body));
        else revert GreenCertificateUnknownReportKind(kind);
        return IBridgeReceiver.onBridgeMessage.selector;
    }

    /// @inheritdoc IGreenCertificate
    function retire(uint256 id, uint256 amount, Purpose purpose) external returns (uint256 retirementId) {
        if (amount == 0) revert GreenCertificateZeroAmount();
        uint256 roundId = _certificates[id].roundId;
        if (_certificates[id].generator == address(0)) revert GreenCertificateUnknownCertificate(id);
        _burn(msg.sender, id, amount);
        ComplianceDetail storage d = _compliance[msg.sender][roundId];
        if (purpose == Purpose.ThermalObligation) d.obligationRetired += amount;
        else if (purpose == Purpose.ConsumerQuota) d.quotaRetired += amount;
        else d.voluntaryRetired += amount;
        _totalRetired += amount;
        retirementId = _retirements.length;
        _retirements.push(
            Retirement({
                account: msg.sender,
                purpose: purpose,
                timestamp: uint64(block.timestamp),
                id: id,
                amount: amount,
                roundId: roundId
            })
        );
        emit GreenCertificateRetired(retirementId, msg.sender, id, amount, purpose, roundId);
    }

    /// @inheritdoc IGreenCertificate
    function setObligationBps(uint256 bps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setObligationBps(bps);
    }

    /// @inheritdoc IGreenCertificate
    function obligationBps() external view returns (uint256) {
        return _obligationBps;
    }

    /// @inheritdoc IGreenCertificate
    function certificateId(uint256 roundId, uint256 tradeId) public pure returns (uint256) {
        if (roundId > type(uint128).max || tradeId > type(uint128).max) {
            revert GreenCertificateIdOutOfRange(roundId, tradeId);
        }
        return (roundId << 128) | tradeId;
    }

    /// @inheritdoc IGreenCertificate
    function certificate(uint256 id) external view returns (Certificate memory) {
        if (_certificates[id].generator == address(0)) revert GreenCertificateUnknownCertificate(id);
        return _certificates[id];
    }

    /// @inheritdoc IGreenCertificate
    function isReported(uint256 roundId, uint256 tradeId) external view returns (bool) {
        return _reported[roundId][tradeId];
    }

    /// @inheritdoc IGreenCertificate
    function compliance(
        address account,
        uint256 roundId
    ) external view returns (uint256 owed, uint256 retired, bool met) {
        ComplianceDetail storage d = _compliance[account][roundId];
        owed = d.obligation + d.quota;
        retired = d.obligationRetired + d.quotaRetired;
        met = d.obligationRetired >= d.obligation && d.quotaRetired >= d.quota;
    }

    /// @inheritdoc IGreenCertificate
    function complianceDetail(address account, uint256 roundId) external view returns (ComplianceDetail memory) {
        return _compliance[account][roundId];
    }

    /// @inheritdoc IGreenCertificate
    function retirement(uint256 retirementId) external view returns (Retirement memory) {
        if (retirementId >= _retirements.length) revert GreenCertificateRetirementNotFound(retirementId);
        return _retirements[retirementId];
    }

    /// @inheritdoc IGreenCertificate
    function retirementCount() external view returns (uint256) {
        return _retirements.length;
    }

    /// @inheritdoc IGreenCertificate
    function totalIssued() external view returns (uint256) {
        return _totalIssued;
    }

    /// @inheritdoc IGreenCertificate
    function totalRetired() external view returns (uint256) {
        return _totalRetired;
    }

    /// @inheritdoc IGreenCertificate
    function totalHeld() external view returns (uint256) {
        return totalSupply();
    }

    /// @inheritdoc IERC165
    function supportsInterface(
        bytes4 interfaceId
    ) public view override(ERC1155, AccessControl, IERC165) returns (bool) {
        return interfaceId == type(IGreenCertificate).interfaceId || super.supportsInterface(interfaceId);
    }

    function _onTrade(ISettlementReporter.TradeReport memory r) private {
        if (r.mwh == 0) revert GreenCertificateEmptyReport();
        if (_reported[r.roundId][r.tradeId]) revert GreenCertificateAlreadyReported(r.roundId, r.tradeId);
        _reported[r.roundId][r.tradeId] = true;
        uint256 units = uint256(r.mwh) * UNITS_PER_CERTIFICATE;
        if (r.thermal) {
            uint256 owed = Math.mulDiv(units, _obligationBps, _BPS, Math.Rounding.Ceil);
            _compliance[r.generator][r.roundId].obligation += owed;
            emit GreenCertificateObligationRecorded(r.generator, r.roundId, r.tradeId, r.mwh, owed);
            return;
        }
        uint256 id = certificateId(r.roundId, r.tradeId);
        _certificates[id] = Certificate({
            generator: r.generator,
            region: r.region,
            mwh: r.mwh,
            period: r.period,
            roundId: r.roundId,
            tradeId: r.tradeId
        });
        _totalIssued += units;
        _mint(r.generator, id, units, "");
        emit GreenCertificateIssued(id, r.generator, r.roundId, r.tradeId, r.region, r.mwh, r.period, units);
    }

    function _onQuota(ISettlementReporter.QuotaReport memory r) private {
        if (r.quotaUnits == 0) revert GreenCertificateEmptyReport();
        if (_quotaReported[r.roundId][r.orderId]) revert GreenCertificateQuotaAlreadyReported(r.roundId, r.orderId);
        _quotaReported[r.roundId][r.orderId] = true;
        _compliance[r.consumer][r.roundId].quota += r.quotaUnits;
        emit GreenCertificateQuotaRecorded(r.consumer, r.roundId, r.orderId, r.quotaUnits);
    }

    function _setObligationBps(uint256 bps) private {
        if (bps > _BPS) revert GreenCertificateInvalidObligationBps(bps);
        uint256 old = _obligationBps;
        _obligationBps = bps;
        emit GreenCertificateObligationBpsChanged(old, bps);
    }
}
