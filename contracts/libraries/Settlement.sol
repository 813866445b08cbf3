// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IDPLCMarket} from "../interfaces/IDPLCMarket.sol";
import {IDPLCRegistry} from "../interfaces/IDPLCRegistry.sol";
import {RoundBook} from "./RoundBook.sol";

/// @title Settlement
/// @notice The paper's `TRANS()` in bounded steps: each trade once, in trade order (the consumer's escrow pays the
/// seller; the grid's share accrues and is paid once at the end), then each consumer order's leftover escrow is
/// refunded (an unrevealed order's in full, unless `refundUnrevealed` already returned it). Cursors make every trade and refund happen exactly once.
library Settlement {
    using SafeERC20 for IERC20;

    /// @notice Runs at most `budget` settlement or refund steps.
    /// @return done Whether all are done.
    /// @return paidOut Tokens this call sent to sellers and refunded to consumers.
    function run(
        RoundBook.Round storage r,
        mapping(uint256 => IDPLCMarket.Order) storage orders,
        IERC20 token,
        uint256 roundId,
        uint256 budget
    ) internal returns (bool done, uint256 paidOut) {
        uint256 tradeCount = r.trades.length;
        while (budget > 0 && r.settleCursor < tradeCount) {
            paidOut += _settle(r, orders, token, roundId, r.settleCursor);
            ++r.settleCursor;
            --budget;
        }
        if (r.refundCursor < r.firstOrderId) r.refundCursor = r.firstOrderId;
        while (budget > 0 && r.refundCursor < r.endOrderId) {
            paidOut += _refund(orders, token, roundId, r.refundCursor);
            ++r.refundCursor;
            --budget;
        }
        done = r.settleCursor == tradeCount && r.refundCursor == r.endOrderId;
    }

    function _settle(
        RoundBook.Round storage r,
        mapping(uint256 => IDPLCMarket.Order) storage orders,
        IERC20 token,
        uint256 roundId,
        uint256 tradeId
    ) private returns (uint256 received) {
        IDPLCMarket.Trade storage t = r.trades[tradeId];
        uint256 energyKwh = uint256(t.mwh) * RoundBook.KWH_PER_MWH;
        uint256 paid = uint256(t.buyerPrice) * energyKwh;
        received = uint256(t.sellerPrice) * energyKwh;
        // Matching guarantees sellerPrice ≤ buyerPrice; escrow (≥ bid × quantity, checked at reveal)
        // covers all of a consumer's trades.
        uint256 grid = paid - received;
        orders[t.buyerOrderId].escrow -= paid;
        r.gridFees += grid;
        t.settled = true;
        emit IDPLCMarket.MarketTradeSettled(roundId, tradeId, paid, received, grid);
        if (received > 0) token.safeTransfer(orders[t.sellerOrderId].owner, received);
    }

    function _refund(
        mapping(uint256 => IDPLCMarket.Order) storage orders,
        IERC20 token,
        uint256 roundId,
        uint256 orderId
    ) private returns (uint256 amount) {
        IDPLCMarket.Order storage o = orders[orderId];
        if (o.kind != IDPLCRegistry.Kind.Consumer) return 0;
        amount = o.escrow;
        if (amount == 0) return 0;
        o.escrow = 0;
        emit IDPLCMarket.MarketEscrowRefunded(roundId, orderId, o.owner, amount);
        token.safeTransfer(o.owner, amount);
    }
}
