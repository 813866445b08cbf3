// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IPricingRule} from "../interfaces/IPricingRule.sol";

/// @title SurplusSplitPricing
/// @notice The paper's eq. 4–6 with the sign of eq. 6 corrected: each pair splits its net surplus after losses and
/// charges. Buyer price L_i = F_B − Δf/2; seller price L_j = F_S + X + (1 − ε*)·Δf/2 (both rounded toward the
/// counterparty's favour), so a buyer never pays above its bid, a seller never receives below its ask plus
/// certificate cost, and the grid company receives the (non-negative) difference.
contract SurplusSplitPricing is IPricingRule {
    uint256 private constant _PPM = 1_000_000;

    /// @inheritdoc IPricingRule
    function prices(Quote calldata quote) external pure returns (uint256 buyerPrice, uint256 sellerPrice) {
        buyerPrice = quote.bid - quote.surplus / 2;
        sellerPrice = quote.ask + quote.certCost + (quote.surplus * (_PPM - quote.lossPpm)) / (2 * _PPM);
    }

    /// @inheritdoc IPricingRule
    function name() external pure returns (string memory) {
        return "surplus-split";
    }
}
