// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {PackedHeap} from "../libraries/PackedHeap.sol";

/// @title PackedHeapHarness
/// @notice Test-only: exposes the PackedHeap library over one storage heap.
contract PackedHeapHarness {
    using PackedHeap for PackedHeap.Heap;

    PackedHeap.Heap private _heap;

    function push(uint256 entry) external {
        _heap.push(entry);
    }

    function pushMany(uint256[] calldata entries) external {
        for (uint256 i = 0; i < entries.length; ++i) _heap.push(entries[i]);
    }

    function pop() external {
        _heap.pop();
    }

    /// @notice Heap-sorts the items in place, one `sortStep` per entry but the last.
    function sort() external {
        for (uint256 unsorted = _heap.size(); unsorted > 1; --unsorted) _heap.sortStep(unsorted);
    }

    /// @notice Pops every entry and returns them in pop order (read it with a static call).
    function drain() external returns (uint256[] memory out) {
        out = new uint256[](_heap.size());
        for (uint256 i = 0; i < out.length; ++i) {
            out[i] = _heap.top();
            _heap.pop();
        }
    }

    function top() external view returns (uint256) {
        return _heap.top();
    }

    function size() external view returns (uint256) {
        return _heap.size();
    }

    /// @notice The raw array, to check the heap property.
    function items() external view returns (uint256[] memory) {
        return _heap.items;
    }
}
