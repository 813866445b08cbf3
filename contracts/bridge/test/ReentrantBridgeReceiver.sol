// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IBridgeReceiver} from "../../interfaces/IBridgeReceiver.sol";

/// @title ReentrantBridgeReceiver (tests only)
/// @notice A malicious target: once armed, it calls back into the delivering gateway during its next delivery (in
/// the tests, `execute` with the very message and signatures being delivered) to get the message delivered twice.
/// It either swallows the re-entry's failure, as an attacker who wants the outer delivery to land would, or bubbles
/// it up.
contract ReentrantBridgeReceiver is IBridgeReceiver {
    bytes private _reentry;
    bool private _bubble;
    uint256 private _deliveries;
    bool private _attempted;
    bool private _reentrySucceeded;
    bytes private _reentryError;

    /// @notice Makes the next delivery call the gateway with `data`; `bubble` rethrows the call's failure.
    function arm(bytes calldata data, bool bubble) external {
        _reentry = data;
        _bubble = bubble;
    }

    /// @notice How many times the gateway delivered, counting nested deliveries.
    function deliveries() external view returns (uint256) {
        return _deliveries;
    }

    /// @notice Whether the re-entry was tried, whether it succeeded, and its revert data if it failed.
    function reentry() external view returns (bool attempted, bool succeeded, bytes memory error) {
        return (_attempted, _reentrySucceeded, _reentryError);
    }

    /// @inheritdoc IBridgeReceiver
    function onBridgeMessage(uint256, address, uint256, bytes calldata) external returns (bytes4) {
        ++_deliveries;
        bytes memory data = _reentry;
        if (data.length > 0) {
            // One shot: a nested delivery that got through must not recurse again.
            delete _reentry;
            _attempted = true;
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory reason) = msg.sender.call(data);
            _reentrySucceeded = ok;
            if (!ok) {
                if (_bubble) {
                    assembly ("memory-safe") {
                        revert(add(reason, 0x20), mload(reason))
                    }
                }
                _reentryError = reason;
            }
        }
        return IBridgeReceiver.onBridgeMessage.selector;
    }
}
