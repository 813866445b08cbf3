// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IDPLCMarket} from "../interfaces/IDPLCMarket.sol";
import {IDPLCRegistry} from "../interfaces/IDPLCRegistry.sol";
import {IPricingRule} from "../interfaces/IPricingRule.sol";
import {PackedHeap} from "./PackedHeap.sol";
import {RegionHeap} from "./RegionHeap.sol";

/// @title RoundBook
/// @notice The storage of one market round and the order-book operations on it. Buyers of a region wait in one
/// priority heap per matching phase (highest bid first). Sellers of a region are queued once, whatever the number of
/// buyer regions they reach, keyed by F_S + X + W (their cost over a lossless, free corridor):
/// - wind sellers (W = 0) in one heap per region, shared by every buyer region: cost_j(r_b) is strictly increasing in
///   F_S + X for any fixed pair, so this order is each pair's order exactly;
/// - thermal sellers in one sorted run per region (heap-sorted in place at load). W is added after the loss division,
///   so pairs of different loss rates order thermal sellers differently; each pair's own heap (exact cost) is filled
///   from the run lazily, in run order, only as far as its best seller needs: an unread seller costs at least its
///   run key + S over the pair, since 10^6 / (10^6 − ε) ≥ 1.
/// The best pair of two regions is then a heap top, so a matching step reads a few heap tops instead of a matrix.
/// Entries of exhausted or withdrawn orders are dropped lazily when they reach the top.
/// Above the order heaps sit region heaps (RegionHeap): per phase and buyer region, the seller regions keyed by their
/// best seller's entry, and per phase, the buyer regions keyed by their best pair. A region's key may be stale but is
/// never worse than its true value (a trade only exhausts orders and fills corridors); whatever can make a region
/// better (a buyer region's first consumer, a released trade) puts it back with the best possible key, 0, so matching
/// re-reads it. Matching then trusts a top only once its key is recomputed unchanged.
/// A heap entry packs `(key << 128) | (rank << 64) | orderId`: orders of equal key are ordered by their tie rank
/// (`tieRank`), which the transaction orderer cannot steer, and only a 64-bit rank collision falls back to the id.
library RoundBook {
    using PackedHeap for PackedHeap.Heap;
    using RegionHeap for RegionHeap.Heap;

    /// @notice Grid parameters of a region pair, fixed for the round when matching starts, and the energy the round
    /// sends over it.
    struct Corridor {
        uint32 lossPpm;
        uint128 transmissionPrice;
        uint64 capacityMwh;
        uint64 usedMwh;
        uint64 runRead; // thermal: how many entries of the seller region's run this pair's heap has read
    }

    /// @notice Everything a round stores.
    struct Round {
        IDPLCMarket.RoundState state;
        uint8 matchPhase; // see Matching
        uint32 buyerRegions; // bit rb: consumers listed in region rb
        uint32 windRegions; // bit rs: wind sellers listed in region rs
        uint32 thermalRegions; // bit rs: thermal sellers listed in region rs
        uint32 snapshotRegions; // bit rs: corridors of seller region rs copied from the grid (matching's load stage)
        uint32 bundlingRatioBps;
        uint64 deadline;
        uint64 revealDeadline;
        uint64 minOrderMwh;
        IPricingRule pricing;
        uint32 sortedRegions; // bit rs: region rs's thermal run is sorted (load stage); beside pricing, in its slot
        uint32 seededWind; // bit rs: wind sellers of region rs entered the buyer regions' heaps (load stage); same slot
        uint32 seededThermal; // bit rs: same for thermal sellers; same slot
        uint128 windCertCost;
        uint128 thermalCertCost;
        uint64 firstOrderId;
        uint64 endOrderId;
        uint64 windTotalMwh;
        uint64 thermalTotalMwh;
        uint64 loadCursor; // next order the load stage looks at
        uint64 trimCursor;
        uint64 settleCursor;
        uint64 refundCursor;
        uint256 gridFees;
        bytes32 tieSeed; // XOR of the revealed salts
        IDPLCMarket.Trade[] trades;
        mapping(uint8 sellerRegion => uint32 buyerRegions) reach;
        mapping(uint8 sellerRegion => uint64 sorted) runSorted; // entries at the end of the run already in place
        mapping(uint256 pairKey => Corridor corridor) corridors;
        mapping(uint256 heapId => PackedHeap.Heap heap) heaps;
        mapping(uint256 heapId => RegionHeap.Heap heap) regionHeaps;
    }

    uint256 internal constant PPM = 1_000_000;
    uint256 internal constant KWH_PER_MWH = 1000;
    uint256 internal constant BID_FLIP = 1 << 128;
    uint8 internal constant PHASE_WIND = 1;
    uint8 internal constant PHASE_THERMAL = 2;
    /// @dev A wind seller's heap-mask bit: in its region's shared heap. (A thermal seller's bit r_b: in that pair's heap.)
    uint32 internal constant IN_SHARED_HEAP = 1;
    uint8 private constant NO_REGION = 0xFF;

    /// @notice Heap of consumers in region `rb` for `phase`.
    function buyerHeap(Round storage r, uint8 phase, uint8 rb) internal view returns (PackedHeap.Heap storage) {
        return r.heaps[(uint256(phase) << 16) | (0xFF << 8) | rb];
    }

    /// @notice Wind sellers of region `rs`, keyed by F_S + X: every buyer region's order (see above).
    function windHeap(Round storage r, uint8 rs) internal view returns (PackedHeap.Heap storage) {
        return r.heaps[(uint256(PHASE_WIND) << 16) | (uint256(rs) << 8) | NO_REGION];
    }

    /// @notice Thermal sellers of region `rs`, keyed by F_S + X + W: a heap while orders load, then sorted in place
    /// (descending, so the cheapest is last) before matching.
    function thermalRun(Round storage r, uint8 rs) internal view returns (PackedHeap.Heap storage) {
        return r.heaps[(uint256(PHASE_THERMAL) << 16) | (uint256(rs) << 8) | NO_REGION];
    }

    /// @notice Heap of thermal sellers in region `rs` read from its run for buyer region `rb`, keyed by cost_j(r_b).
    function pairHeap(Round storage r, uint8 rs, uint8 rb) internal view returns (PackedHeap.Heap storage) {
        return r.heaps[(uint256(PHASE_THERMAL) << 16) | (uint256(rs) << 8) | rb];
    }

    /// @notice Seller regions that reach buyer region `rb` in `phase`, keyed by their best seller's heap entry.
    function bestSellers(Round storage r, uint8 phase, uint8 rb) internal view returns (RegionHeap.Heap storage) {
        return r.regionHeaps[(uint256(phase) << 16) | rb];
    }

    /// @notice Buyer regions in `phase`, keyed by their best pair (see Matching).
    function bestPairs(Round storage r, uint8 phase) internal view returns (RegionHeap.Heap storage) {
        return r.regionHeaps[(uint256(phase) << 16) | 0xFFFF];
    }

    /// @notice Makes matching re-read the seller order's region in every buyer region it reaches, and those buyer
    /// regions' best pairs.
    function touchSeller(Round storage r, IDPLCMarket.Order storage o) internal {
        _enterRegion(r, o.kind == IDPLCRegistry.Kind.Wind ? PHASE_WIND : PHASE_THERMAL, o.region);
    }

    /// @notice The corridor from seller region `rs` to buyer region `rb`.
    function corridor(Round storage r, uint8 rs, uint8 rb) internal view returns (Corridor storage) {
        return r.corridors[(uint256(rs) << 8) | rb];
    }

    /// @notice A consumer's open demand in `phase` (docs/market-rules.md).
    function demand(IDPLCMarket.Order storage o, uint8 phase) internal view returns (uint64) {
        if (!o.active) return 0;
        uint64 open = o.quantityMwh - o.windFilledMwh - o.thermalFilledMwh;
        if (phase == PHASE_THERMAL) return open;
        uint64 green = o.greenDemandMwh - o.windFilledMwh;
        return green < open ? green : open;
    }

    /// @notice A seller's unsold energy.
    function supply(IDPLCMarket.Order storage o) internal view returns (uint64) {
        return o.active ? o.quantityMwh - o.windFilledMwh : 0;
    }

    /// @notice The certificate cost X of a seller kind in this round.
    function certCost(Round storage r, IDPLCRegistry.Kind kind) internal view returns (uint256) {
        return kind == IDPLCRegistry.Kind.Wind ? r.windCertCost : r.thermalCertCost;
    }

    /// @notice cost_j(r_b) = ceil((F_S + X)·10^6 / (10^6 − ε)) + S + W.
    function sellerCost(Corridor storage c, uint256 ask, uint256 x, uint256 w) internal view returns (uint256) {
        return Math.mulDiv(ask + x, PPM, PPM - c.lossPpm, Math.Rounding.Ceil) + c.transmissionPrice + w;
    }

    /// @notice An order's rank among orders of equal converted value (lower first): the low 64 bits of
    /// `keccak256(abi.encode(tieSeed, commitment))`. Neither input depends on the order id or on the sequence of
    /// transactions, and the seed is unknown until every salt is revealed, so whoever orders transactions cannot pick
    /// the winner of a tie, and no participant can aim its commitment at a good rank.
    function tieRank(Round storage r, IDPLCMarket.Order storage o) internal view returns (uint64) {
        return uint64(uint256(keccak256(abi.encode(r.tieSeed, o.commitment))));
    }

    /// @notice A heap entry: `key`, then the order's tie rank, then its id.
    function entry(Round storage r, IDPLCMarket.Order storage o, uint256 key, uint256 orderId) internal view returns (uint256) {
        return (key << 128) | (uint256(tieRank(r, o)) << 64) | orderId;
    }

    /// @notice Puts a consumer order into the phase heaps it is not already in.
    function pushBuyer(Round storage r, IDPLCMarket.Order storage o, uint256 orderId) internal {
        uint32 mask = o.heapMask;
        // Cannot underflow: a revealed price is ≥ 1 and ≤ 10^24 < BID_FLIP; the key stays below 2^128.
        uint256 item = entry(r, o, BID_FLIP - o.price, orderId);
        if (o.greenDemandMwh > 0 && mask & 1 == 0) {
            _pushBuyer(r, PHASE_WIND, o.region, item);
            mask |= 1;
        }
        if (mask & 2 == 0) {
            _pushBuyer(r, PHASE_THERMAL, o.region, item);
            mask |= 2;
        }
        o.heapMask = mask;
    }

    /// @notice Queues a seller order at load: one entry in its region's wind heap or thermal run, whatever the number
    /// of buyer regions it reaches. Its region enters the buyer regions' seller-region heaps once every order is queued
    /// (`seedRegion`); after load, whatever re-queues a seller also puts its region back (`touchSeller`).
    function queueSeller(Round storage r, IDPLCMarket.Order storage o, uint256 orderId) internal {
        bool wind = o.kind == IDPLCRegistry.Kind.Wind;
        PackedHeap.Heap storage heap = wind ? windHeap(r, o.region) : thermalRun(r, o.region);
        heap.push(entry(r, o, runKey(r, o), orderId));
        if (wind) o.heapMask |= IN_SHARED_HEAP;
    }

    /// @notice At the end of the load stage (every order queued, thermal runs sorted): seller region `rs` enters the
    /// `phase` seller-region heap of every buyer region it reaches, keyed by its cheapest seller over that pair — the
    /// wind heap's top at its cost_j(r_b), exact whenever the top has supply (the cost keeps the heap's order); for
    /// thermal, the run's cheapest key + S, a bound no seller of the run beats (10^6 / (10^6 − ε) ≥ 1), which the
    /// first read of the pair turns into the exact key. Either is never worse than the truth, as every key must be,
    /// and close to it, so the entry does not climb to the root as a key of 0 would, and a wind entry needs no re-key.
    /// @return entered How many buyer regions.
    function seedRegion(Round storage r, uint8 phase, uint8 rs) internal returns (uint256 entered) {
        bool wind = phase == PHASE_WIND;
        uint256[] storage items = (wind ? windHeap(r, rs) : thermalRun(r, rs)).items;
        uint256 n = items.length;
        if (n == 0) return 0;
        // The wind heap's top, or the sorted run's last entry: the region's cheapest by F_S + X + W.
        uint256 cheapest = wind ? items[0] : items[n - 1];
        uint32 reach = r.reach[rs];
        for (uint8 rb = 0; reach >> rb != 0; ++rb) {
            if (reach & (uint32(1) << rb) == 0) continue;
            Corridor storage c = corridor(r, rs, rb);
            uint256 cost = wind ? sellerCost(c, cheapest >> 128, 0, 0) : (cheapest >> 128) + c.transmissionPrice;
            bestSellers(r, phase, rb).set((cost << 128) | uint128(cheapest), rs);
            ++entered;
        }
    }

    /// @notice A seller's key in its wind heap or thermal run: F_S + X + W, its cost over a lossless, free corridor.
    function runKey(Round storage r, IDPLCMarket.Order storage o) internal view returns (uint256) {
        // Cannot overflow: each term is below 2^128.
        unchecked {
            return uint256(o.price) + certCost(r, o.kind) + o.envSubsidy;
        }
    }

    /// @notice Puts thermal seller `o` into the heap of pair (its region, `rb`) at its exact cost_j(r_b); `tie` holds
    /// its tie rank and id (an entry's low 128 bits).
    function pushPair(Round storage r, IDPLCMarket.Order storage o, uint8 rb, uint256 tie) internal {
        // The cost stays below 2^102 (prices and W ≤ 10^24, ε < 10^6 ppm), so the key fits its 128 bits.
        uint256 cost = sellerCost(corridor(r, o.region, rb), o.price, certCost(r, o.kind), o.envSubsidy);
        pairHeap(r, o.region, rb).push((cost << 128) | uint128(tie));
        o.heapMask |= uint32(1) << rb;
    }

    /// @notice Gives `mwh` of a trade back to both sides (curtailment or thermal trim) and re-queues them.
    function release(
        Round storage r,
        mapping(uint256 => IDPLCMarket.Order) storage orders,
        IDPLCMarket.Trade storage t,
        uint64 mwh
    ) internal returns (Corridor storage c) {
        IDPLCMarket.Order storage buyer = orders[t.buyerOrderId];
        IDPLCMarket.Order storage seller = orders[t.sellerOrderId];
        // Cannot underflow: mwh ≤ t.mwh, and t.mwh is counted in each of these totals.
        unchecked {
            t.mwh -= mwh;
            if (t.thermal) {
                buyer.thermalFilledMwh -= mwh;
                r.thermalTotalMwh -= mwh;
            } else {
                buyer.windFilledMwh -= mwh;
                r.windTotalMwh -= mwh;
            }
            seller.windFilledMwh -= mwh;
            c = corridor(r, seller.region, buyer.region);
            c.usedMwh -= mwh;
        }
        pushBuyer(r, buyer, t.buyerOrderId);
        _requeueSeller(r, seller, t.sellerOrderId);
        // Both orders (and the corridor) may now pair better than their regions' keys say, even where their old
        // entries never left the heaps: put every region they touch back with key 0 (matching re-reads it).
        touchSeller(r, seller);
        // The buyer's region, in both phases (a wind release raises thermal demand too); the freed corridor serves
        // both phases, so the other phase's sellers of the region may use it again.
        for (uint8 phase = PHASE_WIND; phase <= PHASE_THERMAL; ++phase) _touchPair(r, phase, seller.region, buyer.region);
    }

    /// @dev Puts seller region `rs` back into buyer region `rb`'s heap and `rb` into the pair heap, both with key 0.
    function _touchPair(Round storage r, uint8 phase, uint8 rs, uint8 rb) private {
        bestSellers(r, phase, rb).set(0, rs);
        bestPairs(r, phase).set(0, rb);
    }

    /// @dev Puts a seller given energy back where matching looks for it: a wind seller into its region's heap; a
    /// thermal seller into each pair heap that has started reading the run and does not hold it (one that has not
    /// started will read it from the run), so every pair heap again holds each seller with supply it has read past.
    function _requeueSeller(Round storage r, IDPLCMarket.Order storage o, uint256 orderId) private {
        if (o.kind == IDPLCRegistry.Kind.Wind) {
            // Its region re-enters every buyer region's heap through `touchSeller` (release).
            if (o.heapMask & IN_SHARED_HEAP == 0) queueSeller(r, o, orderId);
            return;
        }
        uint256 item = entry(r, o, 0, orderId);
        uint8 rs = o.region;
        uint32 reach = r.reach[rs];
        for (uint8 rb = 0; reach >> rb != 0; ++rb) {
            uint32 bit = uint32(1) << rb;
            if (reach & bit == 0 || o.heapMask & bit != 0 || corridor(r, rs, rb).runRead == 0) continue;
            pushPair(r, o, rb, item);
        }
    }

    /// @dev Seller region `rs` enters the `phase` seller-region heap of every buyer region it reaches with key 0, and
    /// those buyer regions the phase's pair heap with key 0 too.
    function _enterRegion(Round storage r, uint8 phase, uint8 rs) private {
        uint32 reach = r.reach[rs];
        for (uint8 rb = 0; reach >> rb != 0; ++rb) {
            if (reach & (uint32(1) << rb) == 0) continue;
            _touchPair(r, phase, rs, rb);
        }
    }

    /// @dev Pushes a consumer's entry; a buyer region enters its phase's region heap with its first consumer.
    function _pushBuyer(Round storage r, uint8 phase, uint8 rb, uint256 item) private {
        PackedHeap.Heap storage heap = buyerHeap(r, phase, rb);
        if (heap.size() == 0) bestPairs(r, phase).set(0, rb);
        heap.push(item);
    }
}
