// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title PackedHeap
/// @notice A binary min-heap of packed `uint256` entries in storage. Callers pack `(key << 64) | id`, so one
/// comparison orders by key and breaks ties by the lower id, and one storage slot holds each entry. Push and pop
/// cost O(log n) slot writes; the hole technique writes each moved slot once.
library PackedHeap {
    struct Heap {
        uint256[] items;
    }

    /// @notice Number of entries.
    function size(Heap storage heap) internal view returns (uint256) {
        return heap.items.length;
    }

    /// @notice The smallest entry; callers check `size` first.
    function top(Heap storage heap) internal view returns (uint256) {
        return heap.items[0];
    }

    /// @notice Inserts `entry`.
    function push(Heap storage heap, uint256 entry) internal {
        uint256[] storage items = heap.items;
        uint256 hole = items.length;
        items.push(entry);
        while (hole > 0) {
            // Cannot underflow: hole > 0.
            uint256 parent;
            unchecked {
                parent = (hole - 1) / 2;
            }
            uint256 p = items[parent];
            if (p <= entry) break;
            items[hole] = p;
            hole = parent;
        }
        items[hole] = entry;
    }

    /// @notice Removes the smallest entry; callers check `size` first.
    function pop(Heap storage heap) internal {
        uint256[] storage items = heap.items;
        uint256 last = items[items.length - 1];
        items.pop();
        if (items.length > 0) _siftDown(items, items.length, last);
    }

    /// @notice One step of an in-place heap sort: the first `unsorted` items form a heap; its smallest entry moves to
    /// position `unsorted − 1` and the rest stays a heap. After `size − 1` steps the items are in descending order,
    /// so the smallest is last. Callers pass 2 ≤ `unsorted` ≤ `size`.
    function sortStep(Heap storage heap, uint256 unsorted) internal {
        uint256[] storage items = heap.items;
        // Cannot underflow: unsorted ≥ 2.
        unchecked {
            uint256 last = items[unsorted - 1];
            items[unsorted - 1] = items[0];
            _siftDown(items, unsorted - 1, last);
        }
    }

    /// @dev Moves the hole at the root towards the leaves of the heap `items[0 .. n)` until `entry` fits there.
    function _siftDown(uint256[] storage items, uint256 n, uint256 entry) private {
        uint256 hole = 0;
        // Cannot overflow: hole < n ≤ 2^64 entries, so 2·hole + 2 stays far below 2^256.
        unchecked {
            while (true) {
                uint256 child = 2 * hole + 1;
                if (child >= n) break;
                uint256 c = items[child];
                if (child + 1 < n) {
                    uint256 r = items[child + 1];
                    if (r < c) {
                        c = r;
                        ++child;
                    }
                }
                if (entry <= c) break;
                items[hole] = c;
                hole = child;
            }
        }
        items[hole] = entry;
    }
}
