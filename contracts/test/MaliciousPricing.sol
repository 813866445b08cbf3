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
