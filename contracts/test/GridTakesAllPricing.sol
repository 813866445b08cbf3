// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IPricingRule} from "../interfaces/IPricingRule.sol";

/// @title GridTakesAllPricing
/// @notice Test-only: a valid but extreme rule: the buyer pays its bid and the seller receives nothing.
contract GridTakesAllPricing is IPricingRule {
    function prices(Quote calldata quote) external pure returns (uint256 buyerPrice, uint256 sellerPrice) {
        return (quote.bid, 0);
    }

    function name() external pure returns (string memory) {
        return "grid-takes-all";
    }
}
