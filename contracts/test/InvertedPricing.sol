// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IPricingRule} from "../interfaces/IPricingRule.sol";

/// @title InvertedPricing
/// @notice Test-only: pays the seller one wei more than the buyer pays (must be refused by the market).
contract InvertedPricing is IPricingRule {
    function prices(Quote calldata quote) external pure returns (uint256 buyerPrice, uint256 sellerPrice) {
        return (quote.bid, quote.bid + 1);
    }

    function name() external pure returns (string memory) {
        return "inverted";
    }
}
