// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IDPLCMarket} from "../interfaces/IDPLCMarket.sol";
import {IDPLCRegistry} from "../interfaces/IDPLCRegistry.sol";
import {IGridParameters} from "../interfaces/IGridParameters.sol";
import {RoundBook} from "./RoundBook.sol";

/// @title OrderRules
/// @notice Validation of round configurations, sealed orders (commitment and reveal) and order requests, and the
/// copy of a seller region's corridors that matching takes when it starts (after the reveal window).
library OrderRules {
    /// @notice Largest quantity of one order, in MWh (keeps every sum far inside uint64).
    uint256 internal constant MAX_QUANTITY_MWH = 1e12;
    /// @notice Largest price, token/kWh with 18 decimals (10^6 tokens per kWh).
    uint256 internal constant MAX_PRICE = 1e24;
    /// @notice Largest bundling ratio (1000 × thermal per wind).
    uint32 internal constant MAX_RATIO_BPS = 10_000_000;
    /// @notice Longest listing period: a round cannot hold its participants' escrow for longer before matching.
    uint256 internal constant MAX_LISTING_SECONDS = 30 days;
    /// @notice Shortest reveal window: long enough for every owner's reveal to reach the chain.
    uint256 internal constant MIN_REVEAL_SECONDS = 10 minutes;
    /// @notice Longest reveal window: it too holds escrow before matching.
    uint256 internal constant MAX_REVEAL_SECONDS = 7 days;
    /// @notice How long after its reveal deadline an unapproved round may still be running before anyone may cancel it.
    uint256 internal constant STALL_SECONDS = 14 days;

    /// @notice Refuses a round configuration with a past or far deadline, a reveal window out of bounds, a rule off
    /// the allowlist or out-of-range costs.
    function checkRoundConfig(IDPLCMarket.RoundConfig calldata config, bool pricingAllowed) internal view {
        if (config.deadline <= block.timestamp) revert IDPLCMarket.MarketInvalidDeadline(config.deadline);
        uint256 latest = block.timestamp + MAX_LISTING_SECONDS;
        if (config.deadline > latest) revert IDPLCMarket.MarketDeadlineTooFar(config.deadline, latest);
        if (config.revealSeconds < MIN_REVEAL_SECONDS || config.revealSeconds > MAX_REVEAL_SECONDS) {
            revert IDPLCMarket.MarketInvalidRoundConfig("revealSeconds");
        }
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

    /// @notice Writes a sealed order: who listed it, in which round and region, its commitment and a consumer's
    /// escrow. A consumer must escrow something (its liability is at least 1 kWh at 1 wei); a seller nothing.
    function commit(
        IDPLCMarket.Order storage o,
        address owner,
        IDPLCRegistry.Kind kind,
        uint8 region,
        uint32 roundId,
        bytes32 commitment,
        uint256 escrow
    ) internal {
        if (commitment == bytes32(0)) revert IDPLCMarket.MarketInvalidOrder("commitment", 0);
        if (kind == IDPLCRegistry.Kind.Consumer ? escrow == 0 : escrow != 0) {
            revert IDPLCMarket.MarketInvalidOrder("escrow", escrow);
        }
        o.owner = owner;
        o.kind = kind;
        o.region = region;
        o.active = true;
        o.roundId = roundId;
        o.commitment = commitment;
        o.escrow = escrow;
    }

    /// @notice The hash `PAYMENT` commits to. The market, round and owner are in it so that a commitment (and, once
    /// revealed, its salt) cannot be copied into another account's, round's or market's order.
    function commitmentOf(
        address market,
        uint256 roundId,
        address owner,
        IDPLCMarket.OrderRequest calldata q,
        bytes32 salt
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(market, roundId, owner, q, salt));
    }

    /// @notice Checks a reveal of an active, unrevealed order of the round against its commitment, the order rules
    /// and (consumers) the escrow, then writes the order's fields. Escrow above the liability stays with the order
    /// and comes back with settlement's refunds.
    function reveal(
        IDPLCMarket.Order storage o,
        uint256 orderId,
        bytes32 commitment,
        IDPLCMarket.OrderRequest calldata q,
        uint64 minOrderMwh
    ) internal {
        if (o.revealed) revert IDPLCMarket.MarketOrderAlreadyRevealed(orderId);
        if (commitment != o.commitment) revert IDPLCMarket.MarketCommitmentMismatch(orderId, o.commitment, commitment);
        checkRequest(o.kind, q, minOrderMwh);
        if (o.kind == IDPLCRegistry.Kind.Consumer) {
            uint256 liability = q.price * q.quantityMwh * RoundBook.KWH_PER_MWH;
            if (o.escrow < liability) revert IDPLCMarket.MarketEscrowTooLow(orderId, o.escrow, liability);
        }
        o.revealed = true;
        o.price = uint128(q.price);
        o.envSubsidy = uint128(q.envPrice + q.subsidyPrice);
        o.quantityMwh = uint64(q.quantityMwh);
        o.greenDemandMwh = uint64(q.greenDemandMwh);
    }

    /// @notice Copies seller region `rs`'s corridors from the grid, once per round, when matching starts: every
    /// seller of the region is priced against the same parameters, and whatever the grid company set before the
    /// reveal window closed counts, whoever listed when.
    /// @return copied How many pairs it copied.
    function snapshotCorridors(
        RoundBook.Round storage r,
        IGridParameters grid,
        uint8 rs
    ) internal returns (uint256 copied) {
        r.snapshotRegions |= uint32(1) << rs;
        uint32 reach = grid.buyerMask(rs + 1);
        r.reach[rs] = reach;
        for (uint8 rb = 0; reach >> rb != 0; ++rb) {
            if (reach & (uint32(1) << rb) == 0) continue;
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
