// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IPricingRule} from "../interfaces/IPricingRule.sol";

/// @title PaperTablePricing
/// @notice The rule the paper's published results follow, kept so the paper can be reproduced: the buyer pays the
/// mid-point (F_B + F_S)/2 and the seller receives (3·F_S − F_B)/2 (floored at zero); the grid company keeps the
/// spread. Sellers may receive less than their ask under this rule; see the README.
contract PaperTablePricing is IPricingRule {
    /// @inheritdoc IPricingRule
    function prices(Quote calldata quote) external pure returns (uint256 buyerPrice, uint256 sellerPrice) {
        buyerPrice = (quote.bid + quote.ask) / 2;
        uint256 threeAsk = 3 * quote.ask;
        sellerPrice = threeAsk > quote.bid ? (threeAsk - quote.bid) / 2 : 0;
    }

    /// @inheritdoc IPricingRule
    function name() external pure returns (string memory) {
        return "paper-table";
    }
}
