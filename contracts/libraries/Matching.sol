// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IDPLCMarket} from "../interfaces/IDPLCMarket.sol";
import {IDPLCRegistry} from "../interfaces/IDPLCRegistry.sol";
import {IGridParameters} from "../interfaces/IGridParameters.sol";
import {IPricingRule} from "../interfaces/IPricingRule.sol";
import {OrderRules} from "./OrderRules.sol";
import {PackedHeap} from "./PackedHeap.sol";
import {RegionHeap} from "./RegionHeap.sol";
import {RoundBook} from "./RoundBook.sol";

/// @title Matching
/// @notice The paper's high-low matching (eq. 1–3) in bounded steps, as docs/market-rules.md states it: first the
/// load stage fixes the round's corridors (a copy of each seller region's grid pairs) and queues the revealed orders
/// (consumers by bid, sellers once each by F_S + X + W, read per region pair at their converted cost); then phase 1 matches wind demand with wind sellers, then over-cap thermal trades are trimmed (only after a curtailment), then
/// phase 2 matches the remaining demand with thermal sellers under the bundling cap. Each call spends at most a
/// budget of steps (one per region copied, order loaded, trade, trim, phase change or dropped heap
/// entry), so no call outgrows a block.
library Matching {
    using PackedHeap for PackedHeap.Heap;
    using RegionHeap for RegionHeap.Heap;
    using RoundBook for RoundBook.Round;

    uint8 internal constant STAGE_WIND = 1;
    uint8 internal constant STAGE_TRIM = 2;
    uint8 internal constant STAGE_THERMAL = 3;
    uint8 internal constant STAGE_DONE = 4;
    uint8 internal constant STAGE_LOAD = 5;

    /// @notice The best pair found by a scan.
    struct Candidate {
        uint64 buyerId;
        uint64 sellerId;
        uint256 bid;
        uint256 cost;
        uint8 rs;
        uint8 rb;
    }

    /// @notice Runs matching from the round's current stage for at most `budget` steps. External, so the library is
    /// deployed once and linked: the market's code would otherwise outgrow the 24,576-byte limit (EIP-170); a call
    /// costs one DELEGATECALL more per `matchOrders`.
    /// @return done Whether all stages finished.
    function run(
        RoundBook.Round storage r,
        mapping(uint256 => IDPLCMarket.Order) storage orders,
        IGridParameters grid,
        uint256 roundId,
        uint256 budget
    ) external returns (bool done) {
        uint8 stage = r.matchPhase;
        while (budget > 0 && stage != STAGE_DONE) {
            if (stage == STAGE_LOAD) {
                (stage, budget) = _load(r, orders, grid, budget);
                continue;
            }
            if (stage == STAGE_TRIM) {
                (stage, budget) = _trim(r, orders, budget);
                continue;
            }
            uint8 phase = stage == STAGE_WIND ? RoundBook.PHASE_WIND : RoundBook.PHASE_THERMAL;
            Candidate memory best;
            bool complete;
            (best, complete, budget) = _scan(r, orders, phase, budget);
            if (!complete) break;
            if (best.buyerId == 0) {
                stage = stage == STAGE_WIND ? STAGE_TRIM : STAGE_DONE;
                if (stage == STAGE_TRIM) r.trimCursor = uint64(r.trades.length);
            } else {
                _record(r, orders, roundId, phase, best);
            }
            // Cannot underflow: the loop runs only while budget > 0 and _scan leaves it ≥ 0.
            unchecked {
                if (budget > 0) --budget;
            }
        }
        r.matchPhase = stage;
        return stage == STAGE_DONE;
    }

    /// @notice Thermal energy still allowed under the bundling cap.
    function thermalRoom(RoundBook.Round storage r) internal view returns (uint64) {
        uint256 cap = (uint256(r.windTotalMwh) * r.bundlingRatioBps) / 10_000;
        if (cap <= r.thermalTotalMwh) return 0;
        uint256 room = cap - r.thermalTotalMwh;
        return room > type(uint64).max ? type(uint64).max : uint64(room);
    }

    /// @dev Finds the pair with the greatest converted value over all region pairs (ties: the lower buyer (tie rank,
    /// id), then the lower seller (tie rank, id)) from the top of the phase's buyer-region heap: a region whose key,
    /// recomputed from its best buyer and best seller, is unchanged is the answer, since every other key is at least
    /// as good as its region's true pair; otherwise the region moves to its new key (or leaves, having no profitable
    /// pair) and the next top is read (1 budget each). `complete` is false when the budget ran out first.
    function _scan(
        RoundBook.Round storage r,
        mapping(uint256 => IDPLCMarket.Order) storage orders,
        uint8 phase,
        uint256 budget
    ) private returns (Candidate memory best, bool complete, uint256 left) {
        left = budget;
        if (phase == RoundBook.PHASE_THERMAL && thermalRoom(r) == 0) return (best, true, left);
        RegionHeap.Heap storage pairs = r.bestPairs(phase);
        while (pairs.size() > 0) {
            (uint256 hi, uint256 lo, uint8 rb) = pairs.top();
            uint256 buyerEntry;
            uint256 sellerEntry;
            uint8 rs;
            (buyerEntry, left) = _topBuyer(r, orders, phase, rb, left);
            if (left == 0) return (best, false, 0);
            if (buyerEntry != 0) {
                (sellerEntry, rs, left) = _bestSeller(r, orders, phase, rb, left);
                if (left == 0) return (best, false, 0);
            }
            uint256 bid = RoundBook.BID_FLIP - (buyerEntry >> 128);
            uint256 cost = sellerEntry >> 128;
            if (sellerEntry == 0 || bid <= cost) {
                pairs.remove(rb);
            } else {
                (uint256 newHi, uint256 newLo) = _pairKey(buyerEntry, sellerEntry, bid - cost, rb);
                if (newHi == hi && newLo == lo) {
                    best = Candidate(uint64(buyerEntry), uint64(sellerEntry), bid, cost, rs, rb);
                    return (best, true, left);
                }
                pairs.set(newHi, newLo);
            }
            if (--left == 0) return (best, false, 0);
        }
        return (best, true, left);
    }

    /// @dev The best seller entry for buyer region `rb` over every seller region whose corridor to it has room, read
    /// from the top of the region's seller-region heap like `_scan` reads the buyer regions (1 budget per move).
    function _bestSeller(
        RoundBook.Round storage r,
        mapping(uint256 => IDPLCMarket.Order) storage orders,
        uint8 phase,
        uint8 rb,
        uint256 budget
    ) private returns (uint256 entry, uint8 rs, uint256 left) {
        RegionHeap.Heap storage sellers = r.bestSellers(phase, rb);
        left = budget;
        while (sellers.size() > 0) {
            uint256 key;
            (key, , rs) = sellers.top();
            RoundBook.Corridor storage c = r.corridor(rs, rb);
            entry = 0;
            if (c.usedMwh < c.capacityMwh) {
                (entry, left) = phase == RoundBook.PHASE_WIND
                    ? _topWind(r, orders, rs, c, left)
                    : _topThermal(r, orders, rs, rb, left);
                if (left == 0) return (0, 0, 0);
            }
            if (entry == 0) sellers.remove(rs);
            else if (entry == key) return (entry, rs, left);
            else sellers.set(entry, rs);
            if (--left == 0) return (0, 0, 0);
        }
        return (0, 0, left);
    }

    /// @dev A buyer region's key in the pair heap: smaller for a greater converted value `q`, then for the lower
    /// buyer (tie rank, id), then for the lower seller; the low 8 bits name the region. Real keys exceed the
    /// placeholder 0 because q ≤ bid ≤ 10^24 < 2^128 − 1.
    function _pairKey(
        uint256 buyerEntry,
        uint256 sellerEntry,
        uint256 q,
        uint8 rb
    ) private pure returns (uint256 hi, uint256 lo) {
        // Cannot underflow: 1 ≤ q < BID_FLIP − 1. Cannot overflow: the seller's tie bits take 128 bits, shifted by 8.
        unchecked {
            hi = ((RoundBook.BID_FLIP - 1 - q) << 128) | uint128(buyerEntry);
            lo = (uint256(uint128(sellerEntry)) << 8) | rb;
        }
    }

    /// @dev The top entry of a buyer heap whose order still has demand, dropping stale ones (1 budget each).
    function _topBuyer(
        RoundBook.Round storage r,
        mapping(uint256 => IDPLCMarket.Order) storage orders,
        uint8 phase,
        uint8 rb,
        uint256 budget
    ) private returns (uint256 entry, uint256 left) {
        PackedHeap.Heap storage heap = r.buyerHeap(phase, rb);
        left = budget;
        while (heap.size() > 0) {
            entry = heap.top();
            IDPLCMarket.Order storage o = orders[uint64(entry)];
            if (RoundBook.demand(o, phase) > 0) return (entry, left);
            heap.pop();
            o.heapMask &= ~uint32(phase);
            if (--left == 0) return (0, 0);
        }
        return (0, left);
    }

    /// @dev Pair (rs → rb)'s best wind seller with supply: the top of region rs's shared heap (dropping stale entries,
    /// 1 budget each), its key turned into cost_j(r_b) over corridor `c`, which keeps the heap's order.
    function _topWind(
        RoundBook.Round storage r,
        mapping(uint256 => IDPLCMarket.Order) storage orders,
        uint8 rs,
        RoundBook.Corridor storage c,
        uint256 budget
    ) private returns (uint256 entry, uint256 left) {
        (entry, left) = _liveTop(r.windHeap(rs), orders, RoundBook.IN_SHARED_HEAP, budget);
        if (entry != 0) entry = (RoundBook.sellerCost(c, entry >> 128, 0, 0) << 128) | uint128(entry);
    }

    /// @dev Pair (rs → rb)'s best thermal seller with supply: the top of the pair's heap once no seller of the run
    /// still unread can beat it. The next unread seller's run key + S bounds every unread seller's cost_j(r_b) from
    /// below, so the heap reads (1 budget each) until its top is below that bound or the run is read.
    function _topThermal(
        RoundBook.Round storage r,
        mapping(uint256 => IDPLCMarket.Order) storage orders,
        uint8 rs,
        uint8 rb,
        uint256 budget
    ) private returns (uint256 entry, uint256 left) {
        RoundBook.Corridor storage c = r.corridor(rs, rb);
        left = budget;
        while (true) {
            (entry, left) = _liveTop(r.pairHeap(rs, rb), orders, uint32(1) << rb, left);
            if (left == 0) return (entry, left);
            uint256 next = _nextUnread(r, rs, c);
            if (next == 0 || (entry != 0 && entry >> 128 < (next >> 128) + c.transmissionPrice)) return (entry, left);
            IDPLCMarket.Order storage o = orders[uint64(next)];
            if (RoundBook.supply(o) > 0 && o.heapMask & (uint32(1) << rb) == 0) r.pushPair(o, rb, next);
            // Cannot overflow: runRead stays ≤ the run's length. Cannot underflow: left > 0 after _liveTop.
            unchecked {
                ++c.runRead;
                if (--left == 0) return (0, 0);
            }
        }
    }

    /// @dev The next entry of region rs's thermal run that pair `c`'s heap has not read, or 0 once it read them all.
    function _nextUnread(
        RoundBook.Round storage r,
        uint8 rs,
        RoundBook.Corridor storage c
    ) private view returns (uint256) {
        uint256[] storage items = r.thermalRun(rs).items;
        uint256 read = c.runRead;
        // Cannot underflow: read ≤ items.length, and read < items.length when indexing.
        unchecked {
            return read == items.length ? 0 : items[items.length - 1 - read];
        }
    }

    /// @dev The top entry of an order heap whose seller still has supply, dropping stale ones (1 budget each, and the
    /// seller's `maskBit` cleared).
    function _liveTop(
        PackedHeap.Heap storage heap,
        mapping(uint256 => IDPLCMarket.Order) storage orders,
        uint32 maskBit,
        uint256 budget
    ) private returns (uint256 entry, uint256 left) {
        left = budget;
        while (heap.size() > 0) {
            entry = heap.top();
            IDPLCMarket.Order storage o = orders[uint64(entry)];
            if (RoundBook.supply(o) > 0) return (entry, left);
            heap.pop();
            o.heapMask &= ~maskBit;
            if (--left == 0) return (0, 0);
        }
        return (0, left);
    }

    /// @dev Records a trade of the largest quantity the pair, its corridor and the bundling cap allow.
    function _record(
        RoundBook.Round storage r,
        mapping(uint256 => IDPLCMarket.Order) storage orders,
        uint256 roundId,
        uint8 phase,
        Candidate memory best
    ) private {
        IDPLCMarket.Order storage buyer = orders[best.buyerId];
        IDPLCMarket.Order storage seller = orders[best.sellerId];
        RoundBook.Corridor storage c = r.corridor(best.rs, best.rb);
        uint64 mwh = _min(RoundBook.demand(buyer, phase), RoundBook.supply(seller));
        mwh = _min(mwh, c.capacityMwh - c.usedMwh);
        bool thermal = phase == RoundBook.PHASE_THERMAL;
        if (thermal) mwh = _min(mwh, thermalRoom(r));
        (uint128 buyerPrice, uint128 sellerPrice) = _price(r, c, seller, best);
        uint256 tradeId = r.trades.length;
        r.trades.push(IDPLCMarket.Trade(best.buyerId, best.sellerId, mwh, thermal, false, buyerPrice, sellerPrice));
        // Cannot overflow: each fill stays ≤ its order's quantity (mwh ≤ demand, supply), each corridor's use ≤ its
        // capacity (a uint64), and round totals ≤ the sum of listed quantities (≤ 10^12 MWh each, < 2^24 orders).
        unchecked {
            if (thermal) {
                buyer.thermalFilledMwh += mwh;
                r.thermalTotalMwh += mwh;
            } else {
                buyer.windFilledMwh += mwh;
                r.windTotalMwh += mwh;
            }
            seller.windFilledMwh += mwh;
            c.usedMwh += mwh;
        }
        emit IDPLCMarket.MarketTradeMatched(
            roundId,
            tradeId,
            best.buyerId,
            best.sellerId,
            mwh,
            buyerPrice,
            sellerPrice
        );
    }

    /// @dev Asks the round's pricing rule and checks sellerPrice ≤ buyerPrice ≤ bid, which keeps escrow sufficient
    /// and the grid's share non-negative whatever rule is plugged in.
    function _price(
        RoundBook.Round storage r,
        RoundBook.Corridor storage c,
        IDPLCMarket.Order storage seller,
        Candidate memory best
    ) private view returns (uint128, uint128) {
        IPricingRule.Quote memory quote = IPricingRule.Quote({
            bid: best.bid,
            ask: seller.price,
            certCost: RoundBook.certCost(r, seller.kind),
            lossPpm: c.lossPpm,
            transmissionPrice: c.transmissionPrice,
            envSubsidy: seller.envSubsidy,
            surplus: best.bid - best.cost
        });
        (uint256 buyerPrice, uint256 sellerPrice) = r.pricing.prices(quote);
        if (buyerPrice > best.bid || sellerPrice > buyerPrice) {
            revert IDPLCMarket.MarketInvalidPrices(r.trades.length, buyerPrice, sellerPrice);
        }
        return (uint128(buyerPrice), uint128(sellerPrice));
    }

    /// @dev The load stage: copies the corridors of every region with sellers (one step per region and one per pair
    /// copied), then puts every revealed, active order of the round into its heaps: a consumer into its phase heaps, a
    /// seller once into its region's wind heap or thermal run (RoundBook), then sorts the thermal runs (one step per
    /// entry), so a step stays about one heap operation however many regions there are. Queuing happens only now,
    /// after the reveal window, because the entries' tie ranks need the final tie seed.
    function _load(
        RoundBook.Round storage r,
        mapping(uint256 => IDPLCMarket.Order) storage orders,
        IGridParameters grid,
        uint256 budget
    ) private returns (uint8 stage, uint256 left) {
        left = budget;
        uint64 end = r.endOrderId;
        while (left > 0) {
            uint32 uncopied = (r.windRegions | r.thermalRegions) & ~r.snapshotRegions;
            uint256 cost = 1;
            if (uncopied != 0) {
                uint8 rs = _lowest(uncopied);
                // A region copies at most 32 pairs at once, so a call may overspend its budget by that much.
                cost += OrderRules.snapshotCorridors(r, grid, rs);
            } else {
                uint64 id = r.loadCursor;
                if (id == end) {
                    if (_sortStep(r)) {
                        // One step per seller region and kind, plus one per buyer region it enters (32 at most).
                        (bool seeded, uint256 entered) = _seedStep(r);
                        if (seeded) return (STAGE_WIND, left);
                        cost += entered;
                    }
                } else {
                    IDPLCMarket.Order storage o = orders[id];
                    if (o.active && o.revealed) {
                        // Two heaps at most for a consumer; one for a seller.
                        if (o.kind == IDPLCRegistry.Kind.Consumer) {
                            r.pushBuyer(o, id);
                            cost += 2;
                        } else {
                            r.queueSeller(o, id);
                            cost += 1;
                        }
                    }
                    r.loadCursor = id + 1;
                }
            }
            // Cannot underflow: the subtraction happens only when left > cost.
            unchecked {
                left = left > cost ? left - cost : 0;
            }
        }
        return (STAGE_LOAD, 0);
    }

    /// @dev One step of sorting the thermal runs, once every order is queued: moves the smallest entry of the first
    /// region's unsorted part into place. @return done Whether every run is sorted (then nothing was done).
    function _sortStep(RoundBook.Round storage r) private returns (bool done) {
        uint32 unsorted = r.thermalRegions & ~r.sortedRegions;
        if (unsorted == 0) return true;
        uint8 rs = _lowest(unsorted);
        PackedHeap.Heap storage thermalRun = r.thermalRun(rs);
        uint64 sorted = r.runSorted[rs];
        uint256 left = thermalRun.size() - sorted;
        if (left <= 1) {
            r.sortedRegions |= uint32(1) << rs;
        } else {
            thermalRun.sortStep(left);
            r.runSorted[rs] = sorted + 1;
        }
        return false;
    }

    /// @dev One step of seeding, once every run is sorted: the lowest seller region not yet seeded, wind before
    /// thermal, enters the seller-region heaps of the buyer regions it reaches (RoundBook.seedRegion).
    /// @return done Whether every region is seeded (then nothing was done). @return entered Buyer regions entered.
    function _seedStep(RoundBook.Round storage r) private returns (bool done, uint256 entered) {
        uint32 wind = r.windRegions & ~r.seededWind;
        uint32 thermal = r.thermalRegions & ~r.seededThermal;
        if (wind == 0 && thermal == 0) return (true, 0);
        uint8 rs = _lowest(wind != 0 ? wind : thermal);
        if (wind != 0) r.seededWind |= uint32(1) << rs;
        else r.seededThermal |= uint32(1) << rs;
        return (false, r.seedRegion(wind != 0 ? RoundBook.PHASE_WIND : RoundBook.PHASE_THERMAL, rs));
    }

    /// @dev Trims the latest thermal trades until thermal total fits the cap (after a wind curtailment).
    function _trim(
        RoundBook.Round storage r,
        mapping(uint256 => IDPLCMarket.Order) storage orders,
        uint256 budget
    ) private returns (uint8 stage, uint256 left) {
        left = budget;
        uint256 cap = (uint256(r.windTotalMwh) * r.bundlingRatioBps) / 10_000;
        while (left > 0) {
            if (r.thermalTotalMwh <= cap) return (STAGE_THERMAL, left);
            // Cannot underflow: thermal total > cap ≥ 0 means a thermal trade with MWh lies below the cursor.
            unchecked {
                --left;
                IDPLCMarket.Trade storage t = r.trades[--r.trimCursor];
                if (!t.thermal || t.mwh == 0) continue;
                uint256 excess = r.thermalTotalMwh - cap;
                RoundBook.release(r, orders, t, excess < t.mwh ? uint64(excess) : t.mwh);
            }
        }
        return (STAGE_TRIM, 0);
    }

    /// @dev The lowest region whose bit is set in `mask` (≠ 0).
    function _lowest(uint32 mask) private pure returns (uint8 rs) {
        while (mask & (uint32(1) << rs) == 0) ++rs;
    }

    function _min(uint64 a, uint64 b) private pure returns (uint64) {
        return a < b ? a : b;
    }
}
