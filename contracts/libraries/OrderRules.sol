// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IDPLCMarket} from "../interfaces/IDPLCMarket.sol";
import {IDPLCRegistry} from "../interfaces/IDPLCRegistry.sol";
import {IGridParameters} from "../interfaces/IGridParameters.sol";
import {RoundBook} from "./RoundBook.sol";

/// @title OrderRules
/// @notice Validation of round configurations and order requests, and the copy of a seller region's corridors that
/// matching takes when it starts (after the deadline).
library OrderRules {
    /// @notice Largest quantity of one order, in MWh (keeps every sum far inside uint64).
    uint256 internal constant MAX_QUANTITY_MWH = 1e12;
    /// @notice Largest price, token/kWh with 18 decimals (10^6 tokens per kWh).
    uint256 internal constant MAX_PRICE = 1e24;
    /// @notice Largest bundling ratio (1000 × thermal per wind).
    uint32 internal constant MAX_RATIO_BPS = 10_000_000;
    /// @notice Longest listing period: a round cannot hold its participants' escrow for longer before matching.
    uint256 internal constant MAX_LISTING_SECONDS = 30 days;

    /// @notice Refuses a round configuration with a past or far deadline, a rule off the allowlist or out-of-range
    /// costs.
    function checkRoundConfig(IDPLCMarket.RoundConfig calldata config, bool pricingAllowed) internal view {
        if (config.deadline <= block.timestamp) revert IDPLCMarket.MarketInvalidDeadline(config.deadline);
        uint256 latest = block.timestamp + MAX_LISTING_SECONDS;
        if (config.deadline > latest) revert IDPLCMarket.MarketDeadlineTooFar(config.deadline, latest);
        if (!pricingAllowed) revert IDPLCMarket.MarketPricingRuleNotAllowed(address(config.pricing));
        if (config.bundlingRatioBps > MAX_RATIO_BPS) revert IDPLCMarket.MarketInvalidRoundConfig("bundlingRatioBps");
        if (config.windCertCost > MAX_PRICE) revert IDPLCMarket.MarketInvalidRoundConfig("windCertCost");
        if (config.thermalCertCost > MAX_PRICE) revert IDPLCMarket.MarketInvalidRoundConfig("thermalCertCost");
        if (config.minOrderMwh == 0 || config.minOrderMwh > MAX_QUANTITY_MWH) {
            revert IDPLCMarket.MarketInvalidRoundConfig("minOrderMwh");
        }
    }

    /// @notice Refuses zero, out-of-range and kind-inappropriate order fields, and orders below the round's minimum
    /// size. Each order costs matching a bounded number of steps (its load, the trades that exhaust it, its dropped
    /// heap entries), so the minimum bounds a keeper's steps, and gas, per MWh listed.
    function checkRequest(
        IDPLCRegistry.Kind kind,
        IDPLCMarket.OrderRequest calldata q,
        uint64 minOrderMwh
    ) internal pure {
        _range("quantityMwh", q.quantityMwh, 1, MAX_QUANTITY_MWH);
        if (q.quantityMwh < minOrderMwh) revert IDPLCMarket.MarketOrderTooSmall(q.quantityMwh, minOrderMwh);
        _range("price", q.price, 1, MAX_PRICE);
        if (kind == IDPLCRegistry.Kind.Consumer) {
            _range("greenDemandMwh", q.greenDemandMwh, 0, q.quantityMwh);
        } else {
            _range("greenDemandMwh", q.greenDemandMwh, 0, 0);
        }
        uint256 maxW = kind == IDPLCRegistry.Kind.Thermal ? MAX_PRICE : 0;
        _range("envPrice", q.envPrice, 0, maxW);
        _range("subsidyPrice", q.subsidyPrice, 0, maxW);
    }

    /// @notice Writes a validated order. Consumers' escrow is the most they could owe: bid × quantity.
    function fill(
        IDPLCMarket.Order storage o,
        address owner,
        IDPLCRegistry.Kind kind,
        uint8 region,
        uint32 roundId,
        IDPLCMarket.OrderRequest calldata q
    ) internal {
        o.owner = owner;
        o.kind = kind;
        o.region = region;
        o.active = true;
        o.roundId = roundId;
        o.price = uint128(q.price);
        o.envSubsidy = uint128(q.envPrice + q.subsidyPrice);
        o.quantityMwh = uint64(q.quantityMwh);
        o.greenDemandMwh = uint64(q.greenDemandMwh);
        if (kind == IDPLCRegistry.Kind.Consumer) {
            o.escrow = q.price * q.quantityMwh * RoundBook.KWH_PER_MWH;
        }
    }

    /// @notice Copies seller region `rs`'s corridors from the grid, once per round, when matching starts: every
    /// seller of the region is priced against the same parameters, and whatever the grid company set before the
    /// deadline counts, whoever listed when.
    /// @return copied How many pairs it copied.
    function snapshotCorridors(
        RoundBook.Round storage r,
        IGridParameters grid,
        uint8 rs
    ) internal returns (uint256 copied) {
        r.snapshotRegions |= uint16(1) << rs;
        uint16 reach = grid.buyerMask(rs + 1);
        r.reach[rs] = reach;
        for (uint8 rb = 0; reach >> rb != 0; ++rb) {
            if (reach & (uint16(1) << rb) == 0) continue;
            IGridParameters.Pair memory p = grid.pairAt(rs + 1, rb + 1);
            RoundBook.Corridor storage c = RoundBook.corridor(r, rs, rb);
            c.lossPpm = p.lossPpm;
            c.transmissionPrice = p.transmissionPrice;
            c.capacityMwh = p.capacityMwh;
            ++copied;
        }
    }

    function _range(bytes32 field, uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) revert IDPLCMarket.MarketInvalidOrder(field, value);
    }
}
