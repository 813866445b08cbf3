// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ISettlementReporter} from "../interfaces/ISettlementReporter.sol";

/// @title ReportCodec
/// @notice The payloads the SettlementReporter sends and the GreenCertificate reads: `abi.encode(uint8 kind, bytes
/// body)`, the body being the ABI encoding of {ISettlementReporter-TradeReport} (kind 1) or
/// {ISettlementReporter-QuotaReport} (kind 2).
library ReportCodec {
    /// @notice A settled trade (wind: certificates; thermal: an obligation).
    uint8 internal constant KIND_TRADE = 1;
    /// @notice A consumer order's green quota.
    uint8 internal constant KIND_QUOTA = 2;

    function encodeTrade(ISettlementReporter.TradeReport memory r) internal pure returns (bytes memory) {
        return abi.encode(KIND_TRADE, abi.encode(r));
    }

    function encodeQuota(ISettlementReporter.QuotaReport memory r) internal pure returns (bytes memory) {
        return abi.encode(KIND_QUOTA, abi.encode(r));
    }

    function decodeKind(bytes calldata payload) internal pure returns (uint8 kind, bytes memory body) {
        return abi.decode(payload, (uint8, bytes));
    }

    function decodeTrade(bytes memory body) internal pure returns (ISettlementReporter.TradeReport memory) {
        return abi.decode(body, (ISettlementReporter.TradeReport));
    }

    function decodeQuota(bytes memory body) internal pure returns (ISettlementReporter.QuotaReport memory) {
        return abi.decode(body, (ISettlementReporter.QuotaReport));
    }
}
