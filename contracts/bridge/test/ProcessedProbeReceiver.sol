// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IBridgeGateway} from "../../interfaces/IBridgeGateway.sol";
import {IBridgeReceiver} from "../../interfaces/IBridgeReceiver.sol";

/// @title ProcessedProbeReceiver (tests only)
/// @notice A target that asks the delivering gateway, in the middle of the delivery, whether the message it is
/// receiving counts as processed. Anything the target can do during delivery (re-enter, call other contracts that
/// consult the gateway) must already see it processed, or the message can be delivered twice.
contract ProcessedProbeReceiver is IBridgeReceiver {
    address private _srcGateway;
    uint256 private _probes;
    bool private _sawProcessed;

    /// @param srcGateway The source gateway of the messages this target expects (`onBridgeMessage` does not carry it).
    constructor(address srcGateway) {
        _srcGateway = srcGateway;
    }

    /// @notice How many deliveries probed the gateway, and what the last probe saw.
    function observed() external view returns (uint256 probes, bool sawProcessed) {
        return (_probes, _sawProcessed);
    }

    /// @inheritdoc IBridgeReceiver
    function onBridgeMessage(uint256 srcChainId, address, uint256 nonce, bytes calldata) external returns (bytes4) {
        ++_probes;
        _sawProcessed = IBridgeGateway(msg.sender).processed(srcChainId, _srcGateway, nonce);
        return IBridgeReceiver.onBridgeMessage.selector;
    }
}
