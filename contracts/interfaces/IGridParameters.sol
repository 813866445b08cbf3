// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Grid parameters (the grid company's side of the market)
/// @notice For each (seller region, buyer region) pair: the loss rate ε* and transmission price S* of Table 1, and a
/// corridor capacity per round. A pair without parameters cannot trade. Regions get compact indexes (at most 32) the
/// first time they appear. A market copies the pairs of each region with sellers when a round's matching starts
/// (after its listing deadline), so changes made before then count for that round and later changes for the next.
interface IGridParameters {
    /// @notice Parameters of one region pair.
    struct Pair {
        bool exists;
        uint32 lossPpm;
        uint128 transmissionPrice;
        uint64 capacityMwh;
    }

    /// @notice A region code got its index (1-based).
    event GridRegionAdded(bytes32 indexed region, uint8 index);
    /// @notice Parameters of a pair were set.
    event GridPairSet(
        bytes32 indexed sellerRegion,
        bytes32 indexed buyerRegion,
        uint32 lossPpm,
        uint128 transmissionPrice,
        uint64 capacityMwh
    );
    /// @notice A pair was removed: it can no longer trade.
    event GridPairRemoved(bytes32 indexed sellerRegion, bytes32 indexed buyerRegion);
    /// @notice Fees now go to `newCompany`.
    event GridCompanyChanged(address indexed oldCompany, address indexed newCompany);

    /// @notice Loss rates are parts per million and must stay below 100 %.
    error GridInvalidLossRate(uint32 lossPpm);
    /// @notice The transmission price is above the market's price bound.
    error GridInvalidPrice(uint128 transmissionPrice);
    /// @notice Capacity must be positive.
    error GridZeroCapacity();
    /// @notice Region codes must be non-empty.
    error GridEmptyRegion();
    /// @notice No more than 32 regions are supported.
    error GridTooManyRegions(bytes32 region);
    /// @notice The pair has no parameters.
    error GridUnknownPair(bytes32 sellerRegion, bytes32 buyerRegion);
    /// @notice The grid company must not be the zero address.
    error GridZeroAccount();

    /// @notice Sets a pair's parameters (capacity `type(uint64).max` = unlimited). Grid company role.
    function setPair(
        bytes32 sellerRegion,
        bytes32 buyerRegion,
        uint32 lossPpm,
        uint128 transmissionPrice,
        uint64 capacityMwh
    ) external;

    /// @notice Removes a pair. Grid company role.
    function removePair(bytes32 sellerRegion, bytes32 buyerRegion) external;

    /// @notice Changes the account that receives grid fees and moves the grid company's `GRID_ROLE` to it (the old
    /// company can no longer set pairs). Admin only.
    function setGridCompany(address newCompany) external;

    /// @notice The account that receives grid fees.
    function gridCompany() external view returns (address);

    /// @notice The 1-based index of `region`, 0 when unknown.
    function regionIndex(bytes32 region) external view returns (uint8);

    /// @notice The code of the region with 1-based index `index`.
    function regionCode(uint8 index) external view returns (bytes32);

    /// @notice Parameters by region codes.
    function pair(bytes32 sellerRegion, bytes32 buyerRegion) external view returns (Pair memory);

    /// @notice Parameters by 1-based region indexes.
    function pairAt(uint8 sellerIndex, uint8 buyerIndex) external view returns (Pair memory);

    /// @notice Bit `b - 1` is set when seller region index `sellerIndex` may sell to buyer region index `b`.
    function buyerMask(uint8 sellerIndex) external view returns (uint32);
}
