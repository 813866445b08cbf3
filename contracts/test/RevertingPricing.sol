// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IPricingRule} from "../interfaces/IPricingRule.sol";

/// @title RevertingPricing
/// @notice Test-only: a rule that reverts on every quote, so matching of any book with a tradable pair fails for ever.
contract RevertingPricing is IPricingRule {
    error RevertingPricingBroken();

    function prices(Quote calldata) external pure returns (uint256, uint256) {
        revert RevertingPricingBroken();
    }

    function name() external pure returns (string memory) {
        return "reverting";
    }
}
