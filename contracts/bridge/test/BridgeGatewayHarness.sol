// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {BridgeGateway} from "../BridgeGateway.sol";

/// @title BridgeGatewayHarness (tests only)
/// @notice A gateway that believes it runs on `simulatedChainId`, so unit tests can put a "main chain" and a "side
/// chain" gateway in one Hardhat network. Everything else is the production gateway. Never deploy it for real: the
/// production gateway binds messages to `block.chainid`.
contract BridgeGatewayHarness is BridgeGateway {
    uint256 private immutable _simulatedChainId;

    constructor(
        address admin,
        address[] memory initialValidators,
        uint256 initialThreshold,
        uint256 simulatedChainId
    ) BridgeGateway(admin, initialValidators, initialThreshold) {
        _simulatedChainId = simulatedChainId;
    }

    function _chainId() internal view override returns (uint256) {
        return _simulatedChainId;
    }
}
