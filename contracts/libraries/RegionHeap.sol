// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title RegionHeap
/// @notice An indexed binary min-heap of at most 32 members in storage (the grid's region limit), each a region index
/// below 32 with a two-word key ordered by `(hi, lo)`. The low 8 bits of `lo` are the member's index, so keys of
/// distinct members differ; every member's position is kept in one packed word, so a member is found without a
/// search and a move costs one warm slot write for the position instead of a fresh mapping slot. Matching keeps one per buyer region (the seller regions' best
/// sellers) and one per phase (the buyer regions' best pairs), so a step reads a heap top instead of scanning every
/// region pair. `set` inserts a member or moves it to its new key in O(log n) slot writes; only this library writes
/// its struct.
library RegionHeap {
    /// @notice A member index is 32 or more (region indexes are below the grid's limit of 32).
    error RegionHeapMemberOutOfRange(uint8 member);

    struct Node {
        uint256 hi;
        uint256 lo;
    }

    struct Heap {
        Node[] nodes;
        uint256 positions; // byte `member`: its position + 1 (0: not in the heap)
    }

    /// @notice Number of members.
    function size(Heap storage heap) internal view returns (uint256) {
        return heap.nodes.length;
    }

    /// @notice Whether `member` is in the heap.
    function contains(Heap storage heap, uint8 member) internal view returns (bool) {
        return _position(heap, member) != 0;
    }

    /// @notice The smallest key and its member; callers check `size` first.
    function top(Heap storage heap) internal view returns (uint256 hi, uint256 lo, uint8 member) {
        Node storage n = heap.nodes[0];
        (hi, lo) = (n.hi, n.lo);
        member = uint8(lo);
    }

    /// @notice Inserts member `uint8(lo)` with key `(hi, lo)`, or moves it there if it is already in the heap.
    function set(Heap storage heap, uint256 hi, uint256 lo) internal {
        uint8 member = uint8(lo);
        if (member >= 32) revert RegionHeapMemberOutOfRange(member);
        uint256 pos = _position(heap, member);
        if (pos == 0) {
            heap.nodes.push();
            _siftUp(heap, heap.nodes.length - 1, hi, lo);
            return;
        }
        // Cannot underflow: pos ≥ 1 here.
        unchecked {
            --pos;
        }
        _move(heap, pos, hi, lo);
    }

    /// @notice Removes `member` if it is in the heap.
    function remove(Heap storage heap, uint8 member) internal {
        uint256 pos = _position(heap, member);
        if (pos == 0) return;
        heap.positions &= ~(uint256(0xFF) << (uint256(member) * 8));
        Node[] storage nodes = heap.nodes;
        uint256 lastIndex = nodes.length - 1;
        Node memory last = nodes[lastIndex];
        nodes.pop();
        // Cannot underflow: pos ≥ 1 here.
        unchecked {
            --pos;
        }
        if (pos != lastIndex) _move(heap, pos, last.hi, last.lo);
    }

    /// @dev Writes key `(hi, lo)` at `pos` (unless it is already there) and restores the heap order around it.
    function _move(Heap storage heap, uint256 pos, uint256 hi, uint256 lo) private {
        Node storage n = heap.nodes[pos];
        (uint256 oldHi, uint256 oldLo) = (n.hi, n.lo);
        if (oldHi == hi && oldLo == lo) return;
        if (_less(hi, lo, oldHi, oldLo)) _siftUp(heap, pos, hi, lo);
        else _siftDown(heap, pos, hi, lo);
    }

    /// @dev Moves the hole at `hole` towards the root until `(hi, lo)` fits, then writes it there.
    function _siftUp(Heap storage heap, uint256 hole, uint256 hi, uint256 lo) private {
        Node[] storage nodes = heap.nodes;
        while (hole > 0) {
            uint256 parent;
            // Cannot underflow: hole > 0.
            unchecked {
                parent = (hole - 1) / 2;
            }
            Node storage p = nodes[parent];
            if (!_less(hi, lo, p.hi, p.lo)) break;
            _place(heap, hole, p.hi, p.lo);
            hole = parent;
        }
        _place(heap, hole, hi, lo);
    }

    /// @dev Moves the hole at `hole` towards the leaves until `(hi, lo)` fits, then writes it there.
    function _siftDown(Heap storage heap, uint256 hole, uint256 hi, uint256 lo) private {
        Node[] storage nodes = heap.nodes;
        uint256 n = nodes.length;
        // Cannot overflow: hole < n ≤ 32 members, so 2·hole + 2 stays tiny.
        unchecked {
            while (true) {
                uint256 child = 2 * hole + 1;
                if (child >= n) break;
                Node storage c = nodes[child];
                (uint256 cHi, uint256 cLo) = (c.hi, c.lo);
                if (child + 1 < n) {
                    Node storage s = nodes[child + 1];
                    if (_less(s.hi, s.lo, cHi, cLo)) {
                        (cHi, cLo) = (s.hi, s.lo);
                        ++child;
                    }
                }
                if (!_less(cHi, cLo, hi, lo)) break;
                _place(heap, hole, cHi, cLo);
                hole = child;
            }
        }
        _place(heap, hole, hi, lo);
    }

    function _place(Heap storage heap, uint256 index, uint256 hi, uint256 lo) private {
        Node storage n = heap.nodes[index];
        n.hi = hi;
        n.lo = lo;
        // Cannot overflow: index < 32 and the member < 32, so the byte holds index + 1 and the shift stays below 256.
        unchecked {
            uint256 shift = uint256(uint8(lo)) * 8;
            heap.positions = (heap.positions & ~(uint256(0xFF) << shift)) | ((index + 1) << shift);
        }
    }

    /// @dev `member`'s position + 1, or 0 when it is not in the heap.
    function _position(Heap storage heap, uint8 member) private view returns (uint256) {
        return (heap.positions >> (uint256(member) * 8)) & 0xFF;
    }

    function _less(uint256 aHi, uint256 aLo, uint256 bHi, uint256 bLo) private pure returns (bool) {
        return aHi < bHi || (aHi == bHi && aLo < bLo);
    }
}
