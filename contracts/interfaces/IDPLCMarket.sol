// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IPricingRule} from "./IPricingRule.sol";
import {IDPLCRegistry} from "./IDPLCRegistry.sol";
import {IGridParameters} from "./IGridParameters.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title The direct-purchase market (the paper's §III.C–D)
/// @notice One round at a time: the trading centre opens a round; approved participants list sealed orders
/// (`PAYMENT` commits a salted hash of the order, a consumer escrowing any amount that covers its liability) and may
/// withdraw them (`WITHDRAW`) until the listing deadline; during the reveal window that follows each owner reveals its
/// order (`revealOrder`), and orders left unrevealed drop out with their escrow refunded in full
/// (`refundUnrevealed`); then anyone runs the on-chain high-low matching over the revealed orders in bounded steps;
/// the dispatch centre approves the result or curtails trades (which re-runs matching); then anyone settles it in
/// bounded steps (`TRANS`). Until the result is approved the trading centre may cancel the round (for example when its
/// pricing rule makes matching revert), and anyone may once it has stalled `STALL_SECONDS` past its reveal deadline;
/// every consumer then pulls its escrow back in full with `refundCancelled` and a new round may open. The exact rules,
/// and what an observer learns in each phase, are in docs/market-rules.md.
interface IDPLCMarket {
    /// @notice The life cycle of a round. `Open` covers listing (before the deadline), the reveal window (from the
    /// deadline to the reveal deadline) and, after it, matching.
    /// `Cancelled` is final like `Closed`: no trade of the round settles and every escrow is refundable in full.
    enum RoundState {
        None,
        Open,
        Matched,
        Settling,
        Closed,
        Cancelled
    }

    /// @notice What the trading centre fixes when it opens a round.
    struct RoundConfig {
        uint64 deadline; // listing deadline (unix seconds); orders and withdrawals before it
        uint32 bundlingRatioBps; // thermal ≤ ratio × wind; 30000 = 3
        uint128 windCertCost; // X for wind sellers, token/kWh (18 decimals)
        uint128 thermalCertCost; // X for thermal sellers, token/kWh (18 decimals)
        IPricingRule pricing; // settlement pricing rule
        uint64 minOrderMwh; // smallest order quantity, whole MWh (≥ 1): bounds a keeper's matching steps per MWh
        uint32 revealSeconds; // length of the reveal window that follows the deadline
    }

    /// @notice A participant's order, sealed by `PAYMENT` and disclosed by `revealOrder`. Unused fields must be zero.
    struct OrderRequest {
        uint256 quantityMwh; // total quantity, whole MWh
        uint256 price; // bid (consumer) or ask (generator), token/kWh, 18 decimals
        uint256 greenDemandMwh; // consumer only: wind demand, ≤ quantity
        uint256 envPrice; // thermal only: environmental price
        uint256 subsidyPrice; // thermal only: cross-subsidy price
    }

    /// @notice A listed order. Until it is revealed only the owner, kind, region, commitment and escrow are known;
    /// price and quantities read 0.
    struct Order {
        address owner;
        IDPLCRegistry.Kind kind;
        uint8 region; // 0-based grid region index
        bool active; // false once withdrawn or refunded unrevealed
        bool revealed; // the owner disclosed the order matching its commitment in the reveal window
        uint32 roundId;
        uint32 heapMask; // which matching heaps hold the order (bookkeeping)
        uint128 price;
        uint128 envSubsidy; // W
        uint64 quantityMwh;
        uint64 greenDemandMwh;
        uint64 windFilledMwh; // consumers: wind bought; generators: energy sold
        uint64 thermalFilledMwh; // consumers: thermal bought
        uint256 escrow; // consumers: tokens still held for this order (bid × quantity can exceed uint128)
        bytes32 commitment; // orderCommitment(owner, roundId, request, salt), given to PAYMENT
    }

    /// @notice A matched trade; `mwh` may shrink under curtailment.
    struct Trade {
        uint64 buyerOrderId;
        uint64 sellerOrderId;
        uint64 mwh;
        bool thermal;
        bool settled;
        uint128 buyerPrice;
        uint128 sellerPrice;
    }

    /// @notice A round's public state.
    struct RoundView {
        RoundState state;
        bool listing; // Open and before the deadline
        bool revealing; // Open, at or after the deadline and before the reveal deadline
        uint64 deadline;
        uint64 revealDeadline; // deadline + revealSeconds: matching starts at it
        uint32 bundlingRatioBps;
        uint128 windCertCost;
        uint128 thermalCertCost;
        IPricingRule pricing;
        uint64 minOrderMwh;
        uint64 firstOrderId;
        uint64 endOrderId; // one past the last order listed in the round
        uint64 windTotalMwh;
        uint64 thermalTotalMwh;
        uint256 tradeCount;
        uint256 settledTrades;
        uint256 gridFees;
        bytes32 tieSeed; // XOR of the salts revealed so far: final once the reveal window closes
    }

    event MarketRoundOpened(uint256 indexed roundId, uint64 deadline, uint32 bundlingRatioBps, address pricing);
    /// @notice `owner` committed a sealed order; `escrow` is what a consumer deposited (0 for sellers).
    event MarketOrderListed(
        uint256 indexed roundId,
        uint256 indexed orderId,
        address indexed owner,
        IDPLCRegistry.Kind kind,
        bytes32 commitment,
        uint256 escrow
    );
    /// @notice The owner revealed its order; it takes part in matching.
    event MarketOrderRevealed(
        uint256 indexed roundId,
        uint256 indexed orderId,
        address indexed owner,
        uint64 quantityMwh,
        uint128 price
    );
    event MarketOrderWithdrawn(uint256 indexed roundId, uint256 indexed orderId, address indexed owner, uint256 refund);
    event MarketTradeMatched(
        uint256 indexed roundId,
        uint256 indexed tradeId,
        uint256 buyerOrderId,
        uint256 sellerOrderId,
        uint64 mwh,
        uint128 buyerPrice,
        uint128 sellerPrice
    );
    event MarketMatchingCompleted(uint256 indexed roundId, uint256 tradeCount, uint64 windMwh, uint64 thermalMwh);
    event MarketTradeCurtailed(uint256 indexed roundId, uint256 indexed tradeId, uint64 curtailedMwh, uint64 remainingMwh);
    event MarketMatchingApproved(uint256 indexed roundId, address indexed dispatcher);
    event MarketTradeSettled(
        uint256 indexed roundId,
        uint256 indexed tradeId,
        uint256 buyerPaid,
        uint256 sellerReceived,
        uint256 gridReceived
    );
    event MarketEscrowRefunded(uint256 indexed roundId, uint256 indexed orderId, address indexed owner, uint256 amount);
    event MarketRoundSettled(uint256 indexed roundId, uint256 gridFees);
    /// @notice The admin allowed or disallowed `rule` for rounds opened from now on.
    event MarketPricingRuleSet(address indexed rule, bool allowed);
    /// @notice The admin sent `amount` tokens that no order or fee accounts for (sent to the market directly) to `to`.
    event MarketSurplusSwept(address indexed to, uint256 amount);
    /// @notice The trading centre, or anyone once the round stalled, cancelled the round while it was in state
    /// `fromState`.
    event MarketRoundCancelled(uint256 indexed roundId, RoundState fromState);

    /// @notice The previous round is not closed yet.
    error MarketRoundInProgress(uint256 roundId);
    /// @notice The deadline must lie in the future.
    error MarketInvalidDeadline(uint64 deadline);
    /// @notice The deadline lies further ahead than the longest listing period allows (`latest` is the last valid one).
    error MarketDeadlineTooFar(uint64 deadline, uint256 latest);
    /// @notice The pricing rule is not on the admin's allowlist.
    error MarketPricingRuleNotAllowed(address rule);
    /// @notice Only a contract can be allowed as a pricing rule.
    error MarketPricingRuleNotContract(address rule);
    /// @notice The order's owner is still an approved participant (only a revoked owner's order can be removed).
    error MarketOwnerStillApproved(uint256 orderId, address owner);
    /// @notice The market holds no tokens beyond what it owes.
    error MarketNoSurplus();
    /// @notice The order holds no escrow to refund (a seller's order, already refunded, or withdrawn).
    error MarketNothingToRefund(uint256 orderId);
    /// @notice A reveal must come from the reveal window: this one came after it closed.
    error MarketRevealClosed(uint256 roundId, uint64 revealDeadline);
    /// @notice Matching starts only once the reveal window has closed.
    error MarketRevealOpen(uint256 roundId, uint64 revealDeadline);
    /// @notice The revealed order and salt do not hash to the order's commitment.
    error MarketCommitmentMismatch(uint256 orderId, bytes32 commitment, bytes32 revealed);
    /// @notice The order was revealed already (so it is not refundable as unrevealed either).
    error MarketOrderAlreadyRevealed(uint256 orderId);
    /// @notice A consumer's escrow does not cover its revealed liability, price × quantity × 1000.
    error MarketEscrowTooLow(uint256 orderId, uint256 escrow, uint256 liability);
    /// @notice Only the trading centre may cancel before `stalledAt` (the reveal deadline plus `STALL_SECONDS`).
    error MarketRoundNotStalled(uint256 roundId, uint256 stalledAt);
    /// @notice The round configuration has an invalid field.
    error MarketInvalidRoundConfig(bytes32 field);
    /// @notice The current round is not in the state this call needs.
    error MarketWrongRoundState(uint256 roundId, RoundState state);
    /// @notice Listing and withdrawal are allowed only before the deadline.
    error MarketListingClosed(uint256 roundId, uint64 deadline);
    /// @notice Reveals start only once the listing deadline has passed.
    error MarketListingOpen(uint256 roundId, uint64 deadline);
    /// @notice The caller is not an approved participant.
    error MarketNotApproved(address account);
    /// @notice The participant's region has no grid index.
    error MarketUnknownRegion(bytes32 region);
    /// @notice An order field (or a commitment's escrow) is zero, out of range or not allowed for this kind.
    error MarketInvalidOrder(bytes32 field, uint256 value);
    /// @notice The order is smaller than the round's minimum order size.
    error MarketOrderTooSmall(uint256 quantityMwh, uint64 minOrderMwh);
    /// @notice No such order.
    error MarketOrderNotFound(uint256 orderId);
    /// @notice Only the order's owner may withdraw it.
    error MarketNotOrderOwner(uint256 orderId, address caller);
    /// @notice The order belongs to an earlier round or was already withdrawn.
    error MarketOrderInactive(uint256 orderId);
    /// @notice No such trade in the current round.
    error MarketTradeNotFound(uint256 tradeId);
    /// @notice A curtailment must be between 1 and the trade's MWh.
    error MarketInvalidCurtailment(uint256 tradeId, uint64 mwh, uint64 available);
    /// @notice Curtailment lists must be non-empty and of equal length.
    error MarketCurtailmentMismatch(uint256 tradeIds, uint256 amounts);
    /// @notice The step budget must be positive.
    error MarketZeroSteps();
    /// @notice The pricing rule answered prices outside sellerPrice ≤ buyerPrice ≤ bid.
    error MarketInvalidPrices(uint256 tradeId, uint256 buyerPrice, uint256 sellerPrice);

    /// @notice Opens a new round once the previous one is closed or cancelled. Trading centre only. The pricing rule
    /// must be allowlisted, the deadline at most `MAX_LISTING_SECONDS` ahead and the reveal window between
    /// `MIN_REVEAL_SECONDS` and `MAX_REVEAL_SECONDS` long.
    function openRound(RoundConfig calldata config) external returns (uint256 roundId);

    /// @notice Lists a sealed order in the current round before its deadline (the paper's `PAYMENT()`, sealed):
    /// `commitment` is `orderCommitment(msg.sender, roundId, request, salt)` for a secret random salt, so nobody can
    /// read the price or quantity until the owner reveals them after the deadline. A consumer escrows `escrow` tokens,
    /// any amount at least its liability (price × quantity × 1000): choosing more than that keeps the escrow from
    /// revealing the bid. Sellers escrow nothing (`escrow` must be 0).
    function PAYMENT(bytes32 commitment, uint256 escrow) external returns (uint256 orderId);

    /// @notice Reveals an order in the reveal window (from the deadline to the reveal deadline). Owner only; the owner
    /// must still be approved. `request` and `salt` must hash to the order's commitment, the request must be a valid
    /// order of the owner's kind of at least the round's `minOrderMwh`, and a consumer's escrow must cover the
    /// revealed liability. A reveal that fails any of these reverts and leaves the order unrevealed: it drops out of
    /// the round and `refundUnrevealed` returns its escrow in full. The salt joins the round's tie seed.
    function revealOrder(uint256 orderId, OrderRequest calldata request, bytes32 salt) external;

    /// @notice Refunds, once the reveal window has closed, the escrow of an order that was never revealed, in full,
    /// to its owner; the order drops out of the round. Anyone may call.
    function refundUnrevealed(uint256 orderId) external;

    /// @notice Withdraws an order before the deadline (the paper's `WITHDRAW()`), refunding its escrow in full.
    function WITHDRAW(uint256 orderId) external;

    /// @notice Withdraws, before the deadline, an order whose owner is no longer approved (revoked in the registry),
    /// refunding its escrow in full to the owner. Anyone may call: a revoked participant's own transactions may no
    /// longer pass the ordering service's admission.
    function removeRevoked(uint256 orderId) external;

    /// @notice Runs at most `maxSteps` matching steps over the revealed orders; anyone may call once the reveal window
    /// has closed. Orders of equal converted value are ranked by `keccak256(abi.encode(tieSeed, commitment))`, never
    /// by order id: the seed, the XOR of every revealed salt, is unknown until the last reveal and does not depend on
    /// the order in which transactions were sequenced (docs/market-rules.md).
    /// @return done Whether matching finished (the round then awaits the dispatch centre).
    function matchOrders(uint256 maxSteps) external returns (bool done);

    /// @notice The dispatch centre approves the matched result (the security check passed).
    function approveMatching() external;

    /// @notice The dispatch centre curtails trades (blocking management); matching then runs again.
    function curtail(uint256[] calldata tradeIds, uint64[] calldata mwh) external;

    /// @notice Settles at most `maxSteps` trades or refunds (the paper's `TRANS()`); anyone may call.
    /// @return done Whether the round is fully settled and closed.
    function TRANS(uint256 maxSteps) external returns (bool done);

    /// @notice Allows or disallows a pricing rule for rounds opened from now on (a running round keeps its rule).
    /// Admin only.
    function setPricingRule(IPricingRule rule, bool allowed) external;

    /// @notice Cancels the current round while it is open (listing, revealing or matching) or matched, that is before
    /// the dispatch centre approved it: no trade of it settles. Trading centre only.
    function cancelRound() external;

    /// @notice Cancels the current round like `cancelRound` once it has stalled: still open or matched
    /// `STALL_SECONDS` after its reveal deadline (matching that reverts for ever, a dispatch centre that never
    /// answers, an absent trading centre). Anyone may call, so no escrow depends on an operator to leave.
    function cancelStalledRound() external;

    /// @notice Refunds a consumer order of a cancelled round its escrow in full, to its owner; anyone may call.
    function refundCancelled(uint256 orderId) external;

    /// @notice Sends the tokens the market holds beyond `escrowHeld()` (transferred to it outside `PAYMENT`) to `to`.
    /// Admin only.
    function sweepSurplus(address to) external;

    /// @notice Tokens the market owes: every order's escrow plus grid fees accrued and not yet paid. Its token balance
    /// is never below this.
    function escrowHeld() external view returns (uint256);

    /// @notice The commitment `PAYMENT` expects for `owner`'s `request` in round `roundId` with `salt`:
    /// `keccak256(abi.encode(address(this), roundId, owner, request, salt))`. Compute it locally: asking a node you do
    /// not run discloses the order to that node.
    function orderCommitment(
        address owner,
        uint256 roundId,
        OrderRequest calldata request,
        bytes32 salt
    ) external view returns (bytes32);

    /// @notice Whether `rule` may be named by a new round.
    function isPricingRuleAllowed(IPricingRule rule) external view returns (bool);

    /// @notice The settlement token, registry and grid parameters this market uses.
    function components() external view returns (IERC20 token, IDPLCRegistry registry, IGridParameters grid);

    /// @notice The current (latest) round id; 0 before the first round.
    function currentRound() external view returns (uint256);

    /// @notice A round's public state.
    function round(uint256 roundId) external view returns (RoundView memory);

    /// @notice An order by id.
    function order(uint256 orderId) external view returns (Order memory);

    /// @notice A trade of a round by its index.
    function trade(uint256 roundId, uint256 tradeId) external view returns (Trade memory);
}
