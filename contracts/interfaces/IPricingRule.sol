// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title A settlement pricing rule (the paper's eq. 4–6 and variants)
/// @notice The market asks the round's rule for the prices of each matched pair. Prices are token per kWh with 18
/// decimals. The market refuses a rule's answer unless sellerPrice ≤ buyerPrice ≤ bid.
interface IPricingRule {
    /// @notice Everything a rule may use about one matched pair.
    struct Quote {
        uint256 bid; // F_B
        uint256 ask; // F_S
        uint256 certCost; // X
        uint256 lossPpm; // ε* in parts per million
        uint256 transmissionPrice; // S*
        uint256 envSubsidy; // W
        uint256 surplus; // Δf = q_ij > 0, the converted value
    }

    /// @notice The buyer's and seller's settlement prices for `quote`.
    function prices(Quote calldata quote) external pure returns (uint256 buyerPrice, uint256 sellerPrice);

    /// @notice A short name (`surplus-split`, `paper-table`).
    function name() external pure returns (string memory);
}
