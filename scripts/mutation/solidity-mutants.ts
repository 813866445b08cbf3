/**
 * Hand-written Solidity mutants: each is a bug someone could plausibly write or merge — a boundary moved by one, a
 * check or guard removed, a state change moved after an external call, the wrong variable. Each `find` must occur
 * exactly once in its file. `tests` are the suites that should kill it (fast files first: the run stops at the first
 * failure).
 */
export interface Edit {
  find: string;
  replace: string;
}

export interface SolidityMutant {
  id: string;
  /** Path from the repository root. */
  file: string;
  edits: Edit[];
  /** The bug this stands for. */
  reason: string;
  tests: readonly string[];
  /** Why no test can tell this mutant from the original, if so: it is then run but left out of the score. */
  equivalent?: string;
}

const t = (...files: string[]): string[] => files.map((f) => `test/${f}`);

const GATEWAY = t(
  "bridge/BridgeGateway.test.ts",
  "bridge/BridgeGateway.reentrancy.test.ts",
  "bridge/BridgeGateway.property.test.ts",
  "bridge/TokenPeg.test.ts",
  "bridge/SettlementReporter.test.ts",
);
const PEG = t("bridge/TokenPeg.test.ts", "bridge/BridgeGateway.test.ts", "bridge/bridge.property.test.ts");
/** The mint and release allowances (RateLimit): the gateway tests, the peg tests and the mint-limit property test. */
const LIMITS = t("bridge/BridgeGateway.test.ts", "bridge/TokenPeg.test.ts", "bridge/BridgeGateway.property.test.ts");
const REPORTER = t("bridge/SettlementReporter.test.ts", "sidechain/GreenCertificate.test.ts", "bridge/bridge.property.test.ts");
const MARKET = t(
  "market/DPLCMarket.listing.test.ts",
  "market/DPLCMarket.sealed.test.ts",
  "market/DPLCMarket.ties.test.ts",
  "market/DPLCMarket.escape.test.ts",
  "market/DPLCMarket.rounds.test.ts",
  "market/DPLCMarket.settlement.test.ts",
  "market/DPLCMarket.reentrancy.test.ts",
  "market/DPLCMarket.curtailment.test.ts",
  "market/DPLCMarket.matching.test.ts",
  "property/market.property.test.ts",
);
const HEAP = [...t("libraries/PackedHeap.test.ts"), ...MARKET];

const GW = "contracts/bridge/BridgeGateway.sol";
const RL = "contracts/bridge/RateLimit.sol";
const MARK_PROCESSED = "        done[message.nonce] = true;\n";
const DELIVER = "        _deliver(message);\n";

function one(id: string, file: string, find: string, replace: string, reason: string, tests: readonly string[]): SolidityMutant {
  return { id, file, edits: [{ find, replace }], reason, tests };
}

const bridge: SolidityMutant[] = [
  {
    id: "gateway-processed-after-delivery",
    file: GW,
    edits: [{ find: MARK_PROCESSED + "        emit", replace: "        emit" }, { find: DELIVER, replace: DELIVER + MARK_PROCESSED }],
    reason: "marks the message processed after the external call to the target (checks-effects-interactions broken)",
    tests: GATEWAY,
  },
  {
    id: "gateway-processed-after-delivery-unguarded",
    file: GW,
    edits: [
      { find: MARK_PROCESSED + "        emit", replace: "        emit" },
      { find: DELIVER, replace: DELIVER + MARK_PROCESSED },
      { find: "external nonReentrant whenNotPaused {", replace: "external whenNotPaused {" },
    ],
    reason: "the same without nonReentrant: a re-entering target gets the message delivered twice",
    tests: GATEWAY,
  },
  one("gateway-execute-unguarded", GW, "external nonReentrant whenNotPaused {", "external whenNotPaused {", "nonReentrant dropped from execute (nested deliveries possible)", GATEWAY),
  one("gateway-execute-not-paused", GW, "external nonReentrant whenNotPaused {", "external nonReentrant {", "pause does not stop deliveries", GATEWAY),
  one("gateway-send-not-paused", GW, "onlyRole(SENDER_ROLE) whenNotPaused returns", "onlyRole(SENDER_ROLE) returns", "pause does not stop outbound messages", GATEWAY),
  one("gateway-consume-not-paused", GW, "onlyRole(PEG_ROLE) whenNotPaused {", "onlyRole(PEG_ROLE) {", "pause does not stop mints through the limit", GATEWAY),
  one("gateway-threshold-strict", GW, "if (count < _threshold)", "if (count <= _threshold)", "boundary: exactly threshold signatures refused", GATEWAY),
  one("gateway-threshold-off-by-one", GW, "if (count < _threshold)", "if (count + 1 < _threshold)", "one signature short of the threshold accepted", GATEWAY),
  one("gateway-threshold-removed", GW, "        if (count < _threshold) revert BridgeGatewayTooFewSignatures(count, _threshold);\n", "", "threshold never checked: one validator (or none) suffices", GATEWAY),
  one("gateway-duplicate-check-removed", GW, "            if (signer == previous) revert BridgeGatewayDuplicateSigner(signer);\n", "", "one validator signing twice counts twice", GATEWAY),
  one("gateway-order-check-removed", GW, "            if (signer < previous) revert BridgeGatewaySignersUnordered(previous, signer);\n", "", "unordered signers: A,B,A counts A twice (the duplicate check only looks at neighbours)", GATEWAY),
  one("gateway-previous-not-updated", GW, "            previous = signer;\n", "", "wrong variable kept: duplicates and order never detected", GATEWAY),
  one("gateway-unknown-signer-accepted", GW, "            if (!_validators.contains(signer)) revert BridgeGatewayUnknownSigner(i, signer);\n", "", "any key's signature counts", GATEWAY),
  one("gateway-source-not-checked", GW, "srcGateway == address(0) || _remotes[message.srcChainId] != srcGateway", "srcGateway == address(0)", "messages from any source gateway accepted", GATEWAY),
  one("gateway-destination-chain-not-checked", GW, "        if (message.destChainId != local) revert BridgeGatewayWrongDestinationChain(message.destChainId, local);\n", "", "a message for another chain executes here", GATEWAY),
  one("gateway-ack-not-checked", GW, "        if (ack != IBridgeReceiver.onBridgeMessage.selector) revert BridgeGatewayInvalidReceiver(m.target);\n", "", "a target that does not acknowledge still consumes the message", GATEWAY),
  // The mint and release allowances live in the RateLimit library since the bridge rework (issue 14).
  one("gateway-mint-limit-boundary", RL, "if (amount > available) return", "if (amount >= available) return", "off by one: the last unit of the period's allowance refused", LIMITS),
  one("gateway-mint-limit-over-by-one", RL, "if (amount > available) return", "if (amount > available + 1) return", "off by one: one unit above the allowance accepted", LIMITS),
  one("gateway-mint-limit-removed", RL, "        if (amount > available) return (false, period, available);\n", "", "no mint limit", LIMITS),
  one("gateway-mint-period-never-renews", RL, "used = period == w.period ? w.used : 0;", "used = w.used;", "the allowance never renews in a new period", LIMITS),
  one("gateway-mint-used-not-accumulated", RL, "            used += amount;", "            used = amount;", "wrong variable: only the last mint counts against the limit", LIMITS),
  one("gateway-mint-period-change-resets", RL, "        w.period = block.timestamp / periodSeconds;\n        w.used = used;", "        w.period = block.timestamp / periodSeconds;\n        w.used = 0;", "a period change hands out a fresh allowance (issue 14's finding)", LIMITS),
  one("gateway-remove-validator-below-threshold", GW, "        if (_threshold > count) revert BridgeGatewayInvalidThreshold(_threshold, count);\n", "", "removing validators can leave the threshold unreachable", GATEWAY),
  one("gateway-zero-threshold", GW, "if (newThreshold == 0 || newThreshold > count)", "if (newThreshold > count)", "a threshold of zero executes unsigned messages", GATEWAY),
  one("vault-locked-not-decremented", "contracts/bridge/TokenVault.sol", "            _locked = held - amount;", "            _locked = held;", "release does not reduce the locked balance", PEG),
  one("vault-release-above-locked", "contracts/bridge/TokenVault.sol", "        if (amount > held) revert TokenVaultInsufficientLocked(amount, held);\n", "", "a compromised peer drains more than was locked (unchecked wraps)", PEG),
  one("vault-inbound-unchecked", "contracts/bridge/TokenVault.sol", "        _checkInbound(srcChainId, sender);\n", "", "anyone can call the vault's receiver and release funds", PEG),
  one("vault-lock-no-record", "contracts/bridge/TokenVault.sol", "        _locked += amount;\n", "", "locking does not count the locked amount", PEG),
  one("wrapped-mint-limit-skipped", "contracts/bridge/WrappedDPLC.sol", "        gateway().consumeMintLimit(amount);\n", "", "mints bypass the rate limit", PEG),
  one("wrapped-burn-keeps-tokens", "contracts/bridge/WrappedDPLC.sol", "        _burn(msg.sender, amount);\n", "", "burn sends a release without burning", PEG),
  one("app-peer-chain-unchecked", "contracts/bridge/BridgeApp.sol", "srcChainId != _peerChainId || ", "", "the peer's address on any chain is trusted", PEG),
  one("app-gateway-unchecked", "contracts/bridge/BridgeApp.sol", "        if (msg.sender != address(_gateway)) revert BridgeAppNotGateway(msg.sender);\n", "", "anyone can deliver to an app", PEG),
  one("app-peer-resettable", "contracts/bridge/BridgeApp.sol", "        if (_peer != address(0)) revert BridgeAppPeerAlreadySet(_peerChainId, _peer);\n", "", "the admin can repoint the peer after funds are locked", PEG),
  one("reporter-double-report", "contracts/bridge/SettlementReporter.sol", "        if (_reported[roundId][tradeId]) revert SettlementReporterAlreadyReported(roundId, tradeId);\n", "", "a trade reported twice yields certificates twice", REPORTER),
  one("reporter-unsettled-trade", "contracts/bridge/SettlementReporter.sol", "        if (!t.settled) revert SettlementReporterTradeNotSettled(roundId, tradeId);\n", "", "certificates for unpaid trades", REPORTER),
  one("reporter-kind-unchecked", "contracts/bridge/SettlementReporter.sol", "        if (t.thermal != thermal) {", "        if (false) {", "a thermal trade reported as wind gets green certificates", REPORTER),
  one("reporter-quota-open-round", "contracts/bridge/SettlementReporter.sol", "        if (r.state != IDPLCMarket.RoundState.Closed) revert SettlementReporterRoundNotClosed(roundId, r.state);\n", "", "quotas reported before the round closes", REPORTER),
  one("reporter-quota-twice", "contracts/bridge/SettlementReporter.sol", "        if (_quotaReported[orderId]) revert SettlementReporterQuotaAlreadyReported(orderId);\n", "", "a consumer's quota counted twice", REPORTER),
  one("gateway-replay-check-removed", GW, "        if (done[message.nonce]) revert BridgeGatewayAlreadyProcessed(message.srcChainId, srcGateway, message.nonce);\n", "", "a delivered message can be replayed", GATEWAY),
  one("vault-release-all-refused", "contracts/bridge/TokenVault.sol", "if (amount > held)", "if (amount >= held)", "boundary: the last locked unit can never be released", PEG),
  one("app-peer-address-unchecked", "contracts/bridge/BridgeApp.sol", " || sender != _peer", "", "any contract on the peer chain is trusted", PEG),
  one("reporter-quota-other-round", "contracts/bridge/SettlementReporter.sol", "        if (o.roundId != roundId) revert SettlementReporterOrderNotInRound(orderId, roundId);\n", "", "a quota reported under the wrong round", REPORTER),
  one("reporter-quota-floor", "contracts/bridge/SettlementReporter.sol", "return Math.ceilDiv(bought * _UNITS_PER_CERTIFICATE * _registry.greenQuotaPpm(o.owner), _PPM);", "return (bought * _UNITS_PER_CERTIFICATE * _registry.greenQuotaPpm(o.owner)) / _PPM;", "a fractional quota rounded down: consumers owe less than their ratio", REPORTER),
  one("reporter-quota-wind-only", "contracts/bridge/SettlementReporter.sol", "uint256 bought = uint256(o.windFilledMwh) + o.thermalFilledMwh;", "uint256 bought = uint256(o.windFilledMwh);", "the quota counts only the wind bought, so it is always met", REPORTER),
  one("reporter-quota-withdrawn", "contracts/bridge/SettlementReporter.sol", "        if (!o.active) revert SettlementReporterOrderWithdrawn(orderId);\n", "", "a withdrawn order still owes a quota", REPORTER),
  one("reporter-empty-trade", "contracts/bridge/SettlementReporter.sol", "        if (t.mwh == 0) revert SettlementReporterEmptyTrade(roundId, tradeId);\n", "", "a fully curtailed trade gets a certificate of zero", REPORTER),
];

const market: SolidityMutant[] = [
  one("market-trans-unguarded", "contracts/market/DPLCMarket.sol", "function TRANS(uint256 maxSteps) external nonReentrant returns", "function TRANS(uint256 maxSteps) external returns", "a reentrant token settles a trade twice", MARKET),
  one("market-withdraw-unguarded", "contracts/market/DPLCMarket.sol", "function WITHDRAW(uint256 orderId) external nonReentrant {", "function WITHDRAW(uint256 orderId) external {", "reentry from the refund transfer", MARKET),
  one("market-payment-unguarded", "contracts/market/DPLCMarket.sol", "function PAYMENT(bytes32 commitment, uint256 escrow) external nonReentrant returns", "function PAYMENT(bytes32 commitment, uint256 escrow) external returns", "reentry from the escrow transfer", MARKET),
  one("market-withdraw-escrow-kept", "contracts/market/DPLCMarket.sol", "        o.escrow = 0;\n        _held -= refund;\n", "        _held -= refund;\n", "a withdrawn order keeps its escrow on the books", MARKET),
  one("market-withdraw-any-owner", "contracts/market/DPLCMarket.sol", "        if (o.owner != msg.sender) revert MarketNotOrderOwner(orderId, msg.sender);\n        _withdraw(orderId, o);\n", "        _withdraw(orderId, o);\n", "anyone withdraws anyone's order (griefing: a listed order pulled out of the round)", MARKET),
  one("market-listing-deadline-inclusive", "contracts/market/DPLCMarket.sol", "if (block.timestamp >= r.deadline) revert MarketListingClosed", "if (block.timestamp > r.deadline) revert MarketListingClosed", "off by one: orders accepted at the deadline second", MARKET),
  one("market-match-before-deadline", "contracts/market/DPLCMarket.sol", "        if (block.timestamp < r.revealDeadline) revert MarketRevealOpen(roundId, r.revealDeadline);\n", "", "matching while listing or revealing is still open", MARKET),
  one("market-reveal-while-listing", "contracts/market/DPLCMarket.sol", "        if (block.timestamp < r.deadline) revert MarketListingOpen(roundId, r.deadline);\n", "", "a bid revealed while others can still list against it", MARKET),
  one("market-reveal-late", "contracts/market/DPLCMarket.sol", "if (block.timestamp >= r.revealDeadline) revert MarketRevealClosed", "if (block.timestamp > r.revealDeadline) revert MarketRevealClosed", "off by one: a reveal accepted at the reveal deadline", MARKET),
  one("market-reveal-revoked", "contracts/market/DPLCMarket.sol", "        if (!_registry.isApproved(msg.sender)) revert MarketNotApproved(msg.sender);\n        bytes32 commitment", "        bytes32 commitment", "a revoked participant's order still enters matching", MARKET),
  one("market-reveal-salt-not-seeded", "contracts/market/DPLCMarket.sol", "        r.tieSeed ^= salt;\n", "", "ties ranked by commitments alone: the last committer can aim its commitment at a good rank", MARKET),
  one("market-unrevealed-refund-early", "contracts/market/DPLCMarket.sol", "        if (r.state == RoundState.Open && block.timestamp < r.revealDeadline) {", "        if (false) {", "an order refunded before its owner could reveal (or a bid withdrawn after seeing others)", MARKET),
  one("market-unrevealed-refund-revealed", "contracts/market/DPLCMarket.sol", "        if (o.revealed) revert MarketOrderAlreadyRevealed(orderId);\n", "", "a revealed order's escrow refunded before it pays for its trades", MARKET),
  one("market-stall-cancel-anytime", "contracts/market/DPLCMarket.sol", "        if (block.timestamp < stalledAt) revert MarketRoundNotStalled(roundId, stalledAt);\n", "", "anyone cancels any unapproved round at once", MARKET),
  one("market-round-overlap", "contracts/market/DPLCMarket.sol", "previous != 0 && !_isFinal(_rounds[previous].state)", "false", "a new round opens over an unsettled one", MARKET),
  one("market-curtail-no-blocking", "contracts/market/DPLCMarket.sol", "            c.capacityMwh = c.usedMwh;\n", "", "a curtailed corridor gets re-filled on re-matching", MARKET),
  one("market-curtail-above-trade", "contracts/market/DPLCMarket.sol", "mwh[i] == 0 || mwh[i] > t.mwh", "mwh[i] == 0 || mwh[i] > t.mwh + 1", "off by one: curtailing more than the trade carries", MARKET),
  one("market-fees-not-paid", "contracts/market/DPLCMarket.sol", "            if (fees > 0) _token.safeTransfer(_grid.gridCompany(), fees);\n", "", "grid fees stay in the market", MARKET),
  one("market-withdraw-other-round", "contracts/market/DPLCMarket.sol", "if (!o.active || o.roundId != roundId) revert MarketOrderInactive(orderId);\n        _listingRound(roundId);", "if (!o.active) revert MarketOrderInactive(orderId);\n        _listingRound(roundId);", "an order of a settled round withdrawn and refunded again", MARKET),
  one("market-curtail-trade-bound", "contracts/market/DPLCMarket.sol", "            if (tradeId >= r.trades.length) revert MarketTradeNotFound(tradeId);\n", "", "curtailing a trade that does not exist", MARKET),
];

const libraries: SolidityMutant[] = [
  one("settlement-escrow-not-debited", "contracts/libraries/Settlement.sol", "        orders[t.buyerOrderId].escrow -= paid;\n", "", "the buyer's payment is refunded again", MARKET),
  one("settlement-fees-not-accrued", "contracts/libraries/Settlement.sol", "        r.gridFees += grid;\n", "", "the grid's share is never paid", MARKET),
  one("settlement-refund-not-zeroed", "contracts/libraries/Settlement.sol", "        o.escrow = 0;\n", "", "refunded escrow stays on the books", MARKET),
  one("settlement-done-before-refunds", "contracts/libraries/Settlement.sol", "done = r.settleCursor == tradeCount && r.refundCursor == r.endOrderId;", "done = r.settleCursor == tradeCount;", "the round closes before leftover escrow is refunded", MARKET),
  one("settlement-seller-paid-bid", "contracts/libraries/Settlement.sol", "received = uint256(t.sellerPrice) * energyKwh;", "received = uint256(t.buyerPrice) * energyKwh;", "wrong variable: the seller gets the buyer's price", MARKET),
  one("matching-thermal-cap-ignored", "contracts/libraries/Matching.sol", "        if (thermal) mwh = _min(mwh, thermalRoom(r));\n", "", "bundling cap not applied to a trade", MARKET),
  one("matching-corridor-cap-ignored", "contracts/libraries/Matching.sol", "        mwh = _min(mwh, c.capacityMwh - c.usedMwh);\n", "", "corridor capacity not applied to a trade", MARKET),
  one("matching-zero-surplus-trades", "contracts/libraries/Matching.sol", "if (sellerEntry == 0 || bid <= cost) {", "if (sellerEntry == 0 || bid < cost) {", "boundary: a pair with zero surplus trades", MARKET),
  one("matching-tie-break-reversed", "contracts/libraries/RoundBook.sol", "(uint256(tieRank(r, o)) << 64)", "(uint256(~tieRank(r, o)) << 64)", "ties go to the order of the higher tie rank", MARKET),
  one("matching-price-order-unchecked", "contracts/libraries/Matching.sol", "buyerPrice > best.bid || sellerPrice > buyerPrice", "buyerPrice > best.bid", "a pricing rule may pay the seller more than the buyer pays", MARKET),
  one("matching-price-above-bid", "contracts/libraries/Matching.sol", "buyerPrice > best.bid || sellerPrice > buyerPrice", "sellerPrice > buyerPrice", "a pricing rule may charge the buyer above the bid (escrow short)", MARKET),
  one("matching-trim-whole-trade", "contracts/libraries/Matching.sol", "excess < t.mwh ? uint64(excess) : t.mwh", "t.mwh", "trim removes the whole thermal trade instead of the excess", MARKET),
  one("matching-seller-not-filled", "contracts/libraries/Matching.sol", "            seller.windFilledMwh += mwh;\n", "", "a seller's energy is sold more than once", MARKET),
  one("roundbook-green-demand-ignored", "contracts/libraries/RoundBook.sol", "        return green < open ? green : open;", "        return open;", "phase 1 fills beyond the consumer's wind demand", MARKET),
  one("roundbook-cost-rounds-down", "contracts/libraries/RoundBook.sol", "Math.Rounding.Ceil", "Math.Rounding.Floor", "converted seller cost rounded in the seller's favour", MARKET),
  one("roundbook-release-keeps-corridor", "contracts/libraries/RoundBook.sol", "            c.usedMwh -= mwh;\n", "", "released energy stays booked on the corridor", MARKET),
  one("roundbook-seed-thermal-key-above-truth", "contracts/libraries/RoundBook.sol", "uint256 cost = wind ? sellerCost(c, cheapest >> 128, 0, 0) : (cheapest >> 128) + c.transmissionPrice;", "uint256 cost = sellerCost(c, cheapest >> 128, 0, 0);", "a thermal region enters a buyer region's heap above its best seller's cost (W divided by 1 − ε)", MARKET),
  one("roundbook-withdrawn-seller-sells", "contracts/libraries/RoundBook.sol", "return o.active ? o.quantityMwh - o.windFilledMwh : 0;", "return o.quantityMwh - o.windFilledMwh;", "a withdrawn seller still sells", MARKET),
  one("rules-green-demand-above-quantity", "contracts/libraries/OrderRules.sol", "_range(\"greenDemandMwh\", q.greenDemandMwh, 0, q.quantityMwh);", "_range(\"greenDemandMwh\", q.greenDemandMwh, 0, MAX_QUANTITY_MWH);", "wrong bound: wind demand above the order's quantity", MARKET),
  one("rules-escrow-green-only", "contracts/libraries/OrderRules.sol", "uint256 liability = q.price * q.quantityMwh * RoundBook.KWH_PER_MWH;", "uint256 liability = q.price * q.greenDemandMwh * RoundBook.KWH_PER_MWH;", "wrong variable: the escrow check covers only the wind demand", MARKET),
  one("rules-escrow-unchecked", "contracts/libraries/OrderRules.sol", "            if (o.escrow < liability) revert IDPLCMarket.MarketEscrowTooLow(orderId, o.escrow, liability);\n", "", "a consumer reveals a bid its escrow cannot pay", MARKET),
  one("rules-commitment-unchecked", "contracts/libraries/OrderRules.sol", "        if (commitment != o.commitment) revert IDPLCMarket.MarketCommitmentMismatch(orderId, o.commitment, commitment);\n", "", "a sealed order revealed as anything (sniping after the deadline)", MARKET),
  one("rules-deadline-now", "contracts/libraries/OrderRules.sol", "if (config.deadline <= block.timestamp)", "if (config.deadline < block.timestamp)", "off by one: a round whose deadline is now", MARKET),
  one("matching-load-skips-last-order", "contracts/libraries/Matching.sol", "                if (id == end) {\n", "                if (id + 1 >= end) {\n", "off by one: the round's last listed seller is never queued for matching", MARKET),
  one("heap-wrong-parent", "contracts/libraries/PackedHeap.sol", "parent = (hole - 1) / 2;", "parent = hole / 2;", "wrong index: sift-up compares with the wrong parent", HEAP),
  one("heap-wrong-child", "contracts/libraries/PackedHeap.sol", "                    if (r < c) {", "                    if (r > c) {", "sift-down follows the larger child", HEAP),
  one("heap-sift-down-early-stop", "contracts/libraries/PackedHeap.sol", "                if (last <= c) break;", "                if (last >= c) break;", "sift-down stops at the wrong comparison", HEAP),
  one("settlement-refund-cursor-from-zero", "contracts/libraries/Settlement.sol", "        if (r.refundCursor < r.firstOrderId) r.refundCursor = r.firstOrderId;\n", "", "refunds walk every earlier round's orders (steps wasted, rounds mixed)", MARKET),
  {
    ...one("settlement-zero-payment-skipped", "contracts/libraries/Settlement.sol", "if (received > 0)", "if (received > 1)", "boundary: a one-wei seller payment is kept by the market", MARKET),
    equivalent: "received = sellerPrice × MWh × 1000 is a multiple of 1000, so it is never exactly 1",
  },
  one("matching-full-corridor-considered", "contracts/libraries/Matching.sol", "if (c.usedMwh < c.capacityMwh) {", "if (c.usedMwh <= c.capacityMwh) {", "boundary: a full corridor yields empty trades", MARKET),
  one("matching-cap-rounds-up", "contracts/libraries/Matching.sol", "    function thermalRoom(RoundBook.Round storage r) internal view returns (uint64) {\n        uint256 cap = (uint256(r.windTotalMwh) * r.bundlingRatioBps) / 10_000;", "    function thermalRoom(RoundBook.Round storage r) internal view returns (uint64) {\n        uint256 cap = (uint256(r.windTotalMwh) * r.bundlingRatioBps + 9_999) / 10_000;", "bundling cap rounded up: thermal above ratio × wind", MARKET),
];

export const MUTANTS: readonly SolidityMutant[] = [...bridge, ...market, ...libraries];

/** The folder a mutant's score counts toward: `contracts/<folder>/…`. */
export function folderOf(m: SolidityMutant): string {
  return m.file.split("/")[1] ?? m.file;
}
