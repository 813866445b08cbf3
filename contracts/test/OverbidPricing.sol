// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IPricingRule} from "../interfaces/IPricingRule.sol";

/// @title OverbidPricing
/// @notice Test-only: charges the buyer one wei above its bid (must be refused by the market).
contract OverbidPricing is IPricingRule {
    function prices(Quote calldata quote) external pure returns (uint256 buyerPrice, uint256 sellerPrice) {
        return (quote.bid + 1, 0);
    }

    function name() external pure returns (string memory) {
        return "overbid";
    }
}
