// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IGridParameters} from "../interfaces/IGridParameters.sol";

/// @title GridParameters
/// @notice See {IGridParameters}.
contract GridParameters is AccessControl, IGridParameters {
    /// @notice Role of the grid company's operators.
    bytes32 public constant GRID_ROLE = keccak256("GRID_ROLE");

    uint8 private constant _MAX_REGIONS = 32;
    uint32 private constant _PPM = 1_000_000;
    uint128 private constant _MAX_PRICE = 1e24;

    address private _gridCompany;
    uint8 private _regionCount;
    mapping(bytes32 region => uint8 index) private _regionIndex;
    mapping(uint8 index => bytes32 region) private _regionCode;
    mapping(uint8 sellerIndex => mapping(uint8 buyerIndex => Pair params)) private _pairs;
    mapping(uint8 sellerIndex => uint32 mask) private _buyerMask;

    constructor(address admin, address gridCompany_) {
        if (gridCompany_ == address(0)) revert GridZeroAccount();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(GRID_ROLE, gridCompany_);
        _gridCompany = gridCompany_;
        emit GridCompanyChanged(address(0), gridCompany_);
    }

    /// @inheritdoc IGridParameters
    function setPair(
        bytes32 sellerRegion,
        bytes32 buyerRegion,
        uint32 lossPpm,
        uint128 transmissionPrice,
        uint64 capacityMwh
    ) external onlyRole(GRID_ROLE) {
        if (lossPpm >= _PPM) revert GridInvalidLossRate(lossPpm);
        if (transmissionPrice > _MAX_PRICE) revert GridInvalidPrice(transmissionPrice);
        if (capacityMwh == 0) revert GridZeroCapacity();
        uint8 s = _indexOrAdd(sellerRegion);
        uint8 b = _indexOrAdd(buyerRegion);
        _pairs[s][b] = Pair(true, lossPpm, transmissionPrice, capacityMwh);
        _buyerMask[s] |= uint32(1) << (b - 1);
        emit GridPairSet(sellerRegion, buyerRegion, lossPpm, transmissionPrice, capacityMwh);
    }

    /// @inheritdoc IGridParameters
    function removePair(bytes32 sellerRegion, bytes32 buyerRegion) external onlyRole(GRID_ROLE) {
        uint8 s = _regionIndex[sellerRegion];
        uint8 b = _regionIndex[buyerRegion];
        if (s == 0 || b == 0 || !_pairs[s][b].exists) revert GridUnknownPair(sellerRegion, buyerRegion);
        delete _pairs[s][b];
        _buyerMask[s] &= ~(uint32(1) << (b - 1));
        emit GridPairRemoved(sellerRegion, buyerRegion);
    }

    /// @inheritdoc IGridParameters
    function setGridCompany(address newCompany) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newCompany == address(0)) revert GridZeroAccount();
        address old = _gridCompany;
        _gridCompany = newCompany;
        _revokeRole(GRID_ROLE, old);
        _grantRole(GRID_ROLE, newCompany);
        emit GridCompanyChanged(old, newCompany);
    }

    /// @inheritdoc IGridParameters
    function gridCompany() external view returns (address) {
        return _gridCompany;
    }

    /// @inheritdoc IGridParameters
    function regionIndex(bytes32 region) external view returns (uint8) {
        return _regionIndex[region];
    }

    /// @inheritdoc IGridParameters
    function regionCode(uint8 index) external view returns (bytes32) {
        return _regionCode[index];
    }

    /// @inheritdoc IGridParameters
    function pair(bytes32 sellerRegion, bytes32 buyerRegion) external view returns (Pair memory) {
        return _pairs[_regionIndex[sellerRegion]][_regionIndex[buyerRegion]];
    }

    /// @inheritdoc IGridParameters
    function pairAt(uint8 sellerIndex, uint8 buyerIndex) external view returns (Pair memory) {
        return _pairs[sellerIndex][buyerIndex];
    }

    /// @inheritdoc IGridParameters
    function buyerMask(uint8 sellerIndex) external view returns (uint32) {
        return _buyerMask[sellerIndex];
    }

    function _indexOrAdd(bytes32 region) private returns (uint8 index) {
        if (region == bytes32(0)) revert GridEmptyRegion();
        index = _regionIndex[region];
        if (index != 0) return index;
        if (_regionCount == _MAX_REGIONS) revert GridTooManyRegions(region);
        // Cannot overflow: _regionCount < _MAX_REGIONS (32) here.
        unchecked {
            index = ++_regionCount;
        }
        _regionIndex[region] = index;
        _regionCode[index] = region;
        emit GridRegionAdded(region, index);
    }
}
