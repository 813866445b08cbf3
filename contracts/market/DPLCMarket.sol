// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IDPLCMarket} from "../interfaces/IDPLCMarket.sol";
import {IDPLCRegistry} from "../interfaces/IDPLCRegistry.sol";
import {IGridParameters} from "../interfaces/IGridParameters.sol";
import {IPricingRule} from "../interfaces/IPricingRule.sol";
import {RoundBook} from "../libraries/RoundBook.sol";
import {Matching} from "../libraries/Matching.sol";
import {Settlement} from "../libraries/Settlement.sol";
import {OrderRules} from "../libraries/OrderRules.sol";

/// @title DPLCMarket
/// @notice See {IDPLCMarket}. The contract holds consumers' escrow and delegates the order book, matching and
/// settlement to libraries over its storage.
contract DPLCMarket is AccessControl, ReentrancyGuard, IDPLCMarket {
    using SafeERC20 for IERC20;
    using RoundBook for RoundBook.Round;

    /// @notice Role of the trading centre (opens rounds).
    bytes32 public constant TRADING_CENTRE_ROLE = keccak256("TRADING_CENTRE_ROLE");
    /// @notice Role of the dispatch centre (security check).
    bytes32 public constant DISPATCH_ROLE = keccak256("DISPATCH_ROLE");
    /// @notice Longest listing period of a round, in seconds.
    uint256 public constant MAX_LISTING_SECONDS = OrderRules.MAX_LISTING_SECONDS;
    /// @notice Shortest reveal window of a round, in seconds.
    uint256 public constant MIN_REVEAL_SECONDS = OrderRules.MIN_REVEAL_SECONDS;
    /// @notice Longest reveal window of a round, in seconds.
    uint256 public constant MAX_REVEAL_SECONDS = OrderRules.MAX_REVEAL_SECONDS;
    /// @notice Seconds after its reveal deadline from which anyone may cancel a round not yet approved.
    uint256 public constant STALL_SECONDS = OrderRules.STALL_SECONDS;

    IERC20 private immutable _token;
    IDPLCRegistry private immutable _registry;
    IGridParameters private immutable _grid;

    uint256 private _currentRound;
    uint64 private _nextOrderId = 1;
    mapping(uint256 roundId => RoundBook.Round round) private _rounds;
    mapping(uint256 orderId => Order order) private _orders;
    mapping(IPricingRule rule => bool allowed) private _pricingAllowed;
    uint256 private _held;

    constructor(IERC20 token_, IDPLCRegistry registry_, IGridParameters grid_, address admin) {
        _token = token_;
        _registry = registry_;
        _grid = grid_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc IDPLCMarket
    function components() external view returns (IERC20 token, IDPLCRegistry registry, IGridParameters grid) {
        return (_token, _registry, _grid);
    }

    /// @inheritdoc IDPLCMarket
    function openRound(RoundConfig calldata config) external onlyRole(TRADING_CENTRE_ROLE) returns (uint256 roundId) {
        uint256 previous = _currentRound;
        if (previous != 0 && !_isFinal(_rounds[previous].state)) revert MarketRoundInProgress(previous);
        OrderRules.checkRoundConfig(config, _pricingAllowed[config.pricing]);
        roundId = previous + 1;
        _currentRound = roundId;
        RoundBook.Round storage r = _rounds[roundId];
        r.state = RoundState.Open;
        r.matchPhase = Matching.STAGE_LOAD;
        r.deadline = config.deadline;
        r.revealDeadline = config.deadline + config.revealSeconds;
        r.minOrderMwh = config.minOrderMwh;
        r.bundlingRatioBps = config.bundlingRatioBps;
        r.windCertCost = config.windCertCost;
        r.thermalCertCost = config.thermalCertCost;
        r.pricing = config.pricing;
        r.firstOrderId = _nextOrderId;
        r.endOrderId = _nextOrderId;
        r.loadCursor = _nextOrderId;
        emit MarketRoundOpened(roundId, config.deadline, config.bundlingRatioBps, address(config.pricing));
    }

    /// @inheritdoc IDPLCMarket
    function setPricingRule(IPricingRule rule, bool allowed) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (allowed && address(rule).code.length == 0) revert MarketPricingRuleNotContract(address(rule));
        _pricingAllowed[rule] = allowed;
        emit MarketPricingRuleSet(address(rule), allowed);
    }

    /// @inheritdoc IDPLCMarket
    function cancelRound() external onlyRole(TRADING_CENTRE_ROLE) {
        _cancel(_currentRound);
    }

    /// @inheritdoc IDPLCMarket
    function cancelStalledRound() external {
        uint256 roundId = _currentRound;
        uint256 stalledAt = uint256(_rounds[roundId].revealDeadline) + STALL_SECONDS;
        if (block.timestamp < stalledAt) revert MarketRoundNotStalled(roundId, stalledAt);
        _cancel(roundId);
    }

    /// @inheritdoc IDPLCMarket
    function refundCancelled(uint256 orderId) external nonReentrant {
        Order storage o = _existingOrder(orderId);
        uint256 roundId = o.roundId;
        RoundState state = _rounds[roundId].state;
        if (state != RoundState.Cancelled) revert MarketWrongRoundState(roundId, state);
        // No trade of a cancelled round settled, so the escrow is still all the owner paid in (or 0 if withdrawn).
        _refundInFull(roundId, orderId, o);
    }

    /// @inheritdoc IDPLCMarket
    function PAYMENT(bytes32 commitment, uint256 escrow) external nonReentrant returns (uint256 orderId) {
        uint256 roundId = _currentRound;
        RoundBook.Round storage r = _listingRound(roundId);
        IDPLCRegistry.Participant memory p = _registry.participant(msg.sender);
        if (p.status != IDPLCRegistry.Status.Approved) revert MarketNotApproved(msg.sender);
        uint8 regionIndex = _grid.regionIndex(p.region);
        if (regionIndex == 0) revert MarketUnknownRegion(p.region);

        orderId = _nextOrderId++;
        r.endOrderId = _nextOrderId;
        OrderRules.commit(_orders[orderId], msg.sender, p.kind, regionIndex - 1, uint32(roundId), commitment, escrow);
        emit MarketOrderListed(roundId, orderId, msg.sender, p.kind, commitment, escrow);
        if (escrow > 0) {
            _held += escrow;
            _token.safeTransferFrom(msg.sender, address(this), escrow);
        }
    }

    /// @inheritdoc IDPLCMarket
    function revealOrder(uint256 orderId, OrderRequest calldata request, bytes32 salt) external {
        Order storage o = _existingOrder(orderId);
        if (o.owner != msg.sender) revert MarketNotOrderOwner(orderId, msg.sender);
        uint256 roundId = _currentRound;
        if (!o.active || o.roundId != roundId) revert MarketOrderInactive(orderId);
        RoundBook.Round storage r = _requireState(roundId, RoundState.Open);
        if (block.timestamp < r.deadline) revert MarketListingOpen(roundId, r.deadline);
        if (block.timestamp >= r.revealDeadline) revert MarketRevealClosed(roundId, r.revealDeadline);
        if (!_registry.isApproved(msg.sender)) revert MarketNotApproved(msg.sender);
        bytes32 commitment = OrderRules.commitmentOf(address(this), roundId, msg.sender, request, salt);
        OrderRules.reveal(o, orderId, commitment, request, r.minOrderMwh);
        uint32 bit = uint32(1) << o.region;
        if (o.kind == IDPLCRegistry.Kind.Consumer) r.buyerRegions |= bit;
        else if (o.kind == IDPLCRegistry.Kind.Wind) r.windRegions |= bit;
        else r.thermalRegions |= bit;
        r.tieSeed ^= salt;
        emit MarketOrderRevealed(roundId, orderId, msg.sender, o.quantityMwh, o.price);
    }

    /// @inheritdoc IDPLCMarket
    function refundUnrevealed(uint256 orderId) external nonReentrant {
        Order storage o = _existingOrder(orderId);
        uint256 roundId = o.roundId;
        RoundBook.Round storage r = _rounds[roundId];
        // Before the reveal deadline the owner may still reveal; a cancelled round's orders go through refundCancelled
        // too, but either way the escrow leaves exactly once.
        if (r.state == RoundState.Open && block.timestamp < r.revealDeadline) {
            revert MarketRevealOpen(roundId, r.revealDeadline);
        }
        if (o.revealed) revert MarketOrderAlreadyRevealed(orderId);
        _refundInFull(roundId, orderId, o);
    }

    /// @inheritdoc IDPLCMarket
    function WITHDRAW(uint256 orderId) external nonReentrant {
        Order storage o = _existingOrder(orderId);
        if (o.owner != msg.sender) revert MarketNotOrderOwner(orderId, msg.sender);
        _withdraw(orderId, o);
    }

    /// @inheritdoc IDPLCMarket
    function removeRevoked(uint256 orderId) external nonReentrant {
        Order storage o = _existingOrder(orderId);
        if (_registry.isApproved(o.owner)) revert MarketOwnerStillApproved(orderId, o.owner);
        _withdraw(orderId, o);
    }

    /// @inheritdoc IDPLCMarket
    function matchOrders(uint256 maxSteps) external returns (bool done) {
        if (maxSteps == 0) revert MarketZeroSteps();
        uint256 roundId = _currentRound;
        RoundBook.Round storage r = _requireState(roundId, RoundState.Open);
        if (block.timestamp < r.revealDeadline) revert MarketRevealOpen(roundId, r.revealDeadline);
        done = Matching.run(r, _orders, _grid, roundId, maxSteps);
        if (done) {
            r.state = RoundState.Matched;
            emit MarketMatchingCompleted(roundId, r.trades.length, r.windTotalMwh, r.thermalTotalMwh);
        }
    }

    /// @inheritdoc IDPLCMarket
    function approveMatching() external onlyRole(DISPATCH_ROLE) {
        uint256 roundId = _currentRound;
        _requireState(roundId, RoundState.Matched).state = RoundState.Settling;
        emit MarketMatchingApproved(roundId, msg.sender);
    }

    /// @inheritdoc IDPLCMarket
    function curtail(uint256[] calldata tradeIds, uint64[] calldata mwh) external onlyRole(DISPATCH_ROLE) {
        if (tradeIds.length == 0 || tradeIds.length != mwh.length) {
            revert MarketCurtailmentMismatch(tradeIds.length, mwh.length);
        }
        uint256 roundId = _currentRound;
        RoundBook.Round storage r = _requireState(roundId, RoundState.Matched);
        for (uint256 i = 0; i < tradeIds.length; ++i) {
            uint256 tradeId = tradeIds[i];
            if (tradeId >= r.trades.length) revert MarketTradeNotFound(tradeId);
            Trade storage t = r.trades[tradeId];
            if (mwh[i] == 0 || mwh[i] > t.mwh) revert MarketInvalidCurtailment(tradeId, mwh[i], t.mwh);
            RoundBook.Corridor storage c = r.release(_orders, t, mwh[i]);
            // Blocking management: the corridor carries no more than it now does for the rest of the round.
            c.capacityMwh = c.usedMwh;
            emit MarketTradeCurtailed(roundId, tradeId, mwh[i], t.mwh);
        }
        r.state = RoundState.Open;
        r.matchPhase = Matching.STAGE_WIND;
    }

    /// @inheritdoc IDPLCMarket
    function TRANS(uint256 maxSteps) external nonReentrant returns (bool done) {
        if (maxSteps == 0) revert MarketZeroSteps();
        uint256 roundId = _currentRound;
        RoundBook.Round storage r = _requireState(roundId, RoundState.Settling);
        uint256 paidOut;
        (done, paidOut) = Settlement.run(r, _orders, _token, roundId, maxSteps);
        _held -= paidOut;
        if (done) {
            r.state = RoundState.Closed;
            uint256 fees = r.gridFees;
            _held -= fees;
            emit MarketRoundSettled(roundId, fees);
            if (fees > 0) _token.safeTransfer(_grid.gridCompany(), fees);
        }
    }

    /// @inheritdoc IDPLCMarket
    function sweepSurplus(address to) external onlyRole(DEFAULT_ADMIN_ROLE) nonReentrant {
        uint256 surplus = _token.balanceOf(address(this)) - _held;
        if (surplus == 0) revert MarketNoSurplus();
        emit MarketSurplusSwept(to, surplus);
        _token.safeTransfer(to, surplus);
    }

    /// @inheritdoc IDPLCMarket
    function escrowHeld() external view returns (uint256) {
        return _held;
    }

    /// @inheritdoc IDPLCMarket
    function orderCommitment(
        address owner,
        uint256 roundId,
        OrderRequest calldata request,
        bytes32 salt
    ) external view returns (bytes32) {
        return OrderRules.commitmentOf(address(this), roundId, owner, request, salt);
    }

    /// @inheritdoc IDPLCMarket
    function isPricingRuleAllowed(IPricingRule rule) external view returns (bool) {
        return _pricingAllowed[rule];
    }

    /// @inheritdoc IDPLCMarket
    function currentRound() external view returns (uint256) {
        return _currentRound;
    }

    /// @inheritdoc IDPLCMarket
    function round(uint256 roundId) external view returns (RoundView memory v) {
        RoundBook.Round storage r = _rounds[roundId];
        v.state = r.state;
        bool open = r.state == RoundState.Open;
        v.listing = open && block.timestamp < r.deadline;
        v.revealing = open && block.timestamp >= r.deadline && block.timestamp < r.revealDeadline;
        v.deadline = r.deadline;
        v.revealDeadline = r.revealDeadline;
        v.bundlingRatioBps = r.bundlingRatioBps;
        v.windCertCost = r.windCertCost;
        v.thermalCertCost = r.thermalCertCost;
        v.pricing = r.pricing;
        v.minOrderMwh = r.minOrderMwh;
        v.firstOrderId = r.firstOrderId;
        v.endOrderId = r.endOrderId;
        v.windTotalMwh = r.windTotalMwh;
        v.thermalTotalMwh = r.thermalTotalMwh;
        v.tradeCount = r.trades.length;
        v.settledTrades = r.settleCursor;
        v.gridFees = r.gridFees;
        v.tieSeed = r.tieSeed;
    }

    /// @inheritdoc IDPLCMarket
    function order(uint256 orderId) external view returns (Order memory) {
        return _existingOrder(orderId);
    }

    /// @inheritdoc IDPLCMarket
    function trade(uint256 roundId, uint256 tradeId) external view returns (Trade memory) {
        RoundBook.Round storage r = _rounds[roundId];
        if (tradeId >= r.trades.length) revert MarketTradeNotFound(tradeId);
        return r.trades[tradeId];
    }

    function _requireState(uint256 roundId, RoundState state) private view returns (RoundBook.Round storage r) {
        r = _rounds[roundId];
        if (r.state != state) revert MarketWrongRoundState(roundId, r.state);
    }

    function _existingOrder(uint256 orderId) private view returns (Order storage o) {
        o = _orders[orderId];
        if (o.owner == address(0)) revert MarketOrderNotFound(orderId);
    }

    /// @dev Takes an active order of the listing round out of it and refunds its escrow in full to its owner.
    function _withdraw(uint256 orderId, Order storage o) private {
        uint256 roundId = _currentRound;
        if (!o.active || o.roundId != roundId) revert MarketOrderInactive(orderId);
        _listingRound(roundId);
        uint256 refund = o.escrow;
        address owner = o.owner;
        o.active = false;
        o.escrow = 0;
        _held -= refund;
        emit MarketOrderWithdrawn(roundId, orderId, owner, refund);
        if (refund > 0) _token.safeTransfer(owner, refund);
    }

    /// @dev Returns an order's whole escrow to its owner and takes the order out of its round.
    function _refundInFull(uint256 roundId, uint256 orderId, Order storage o) private {
        uint256 amount = o.escrow;
        if (amount == 0) revert MarketNothingToRefund(orderId);
        o.escrow = 0;
        o.active = false;
        _held -= amount;
        emit MarketEscrowRefunded(roundId, orderId, o.owner, amount);
        _token.safeTransfer(o.owner, amount);
    }

    /// @dev Ends an unapproved round: settling has begun to pay sellers, so only an open or matched round can still be
    /// undone in full.
    function _cancel(uint256 roundId) private {
        RoundBook.Round storage r = _rounds[roundId];
        RoundState from = r.state;
        if (from != RoundState.Open && from != RoundState.Matched) revert MarketWrongRoundState(roundId, from);
        r.state = RoundState.Cancelled;
        emit MarketRoundCancelled(roundId, from);
    }

    function _isFinal(RoundState state) private pure returns (bool) {
        return state == RoundState.Closed || state == RoundState.Cancelled;
    }

    function _listingRound(uint256 roundId) private view returns (RoundBook.Round storage r) {
        r = _requireState(roundId, RoundState.Open);
        if (block.timestamp >= r.deadline) revert MarketListingClosed(roundId, r.deadline);
    }
}
