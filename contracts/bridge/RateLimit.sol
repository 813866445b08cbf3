// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title RateLimit
/// @notice A fixed-window allowance: at most `limit` units per window of `periodSeconds`, windows being
/// `block.timestamp / periodSeconds`. Reconfiguring carries the amount used in the current window over into the
/// window current under the new length, so changing the period can never hand out a fresh allowance early.
library RateLimit {
    struct Window {
        uint256 limit;
        uint64 periodSeconds;
        uint256 period;
        uint256 used;
    }

    /// @dev The current window's index and the amount used in it.
    function current(Window storage w) internal view returns (uint256 period, uint256 used) {
        period = block.timestamp / w.periodSeconds;
        used = period == w.period ? w.used : 0;
    }

    /// @dev Uses `amount` of the current window. Returns false (changing nothing) when it exceeds what is left;
    /// `usedOrAvailable` is then the amount still available, else the amount used after this call.
    function consume(
        Window storage w,
        uint256 amount
    ) internal returns (bool ok, uint256 period, uint256 usedOrAvailable) {
        uint256 used;
        (period, used) = current(w);
        uint256 available = w.limit > used ? w.limit - used : 0;
        if (amount > available) return (false, period, available);
        // amount ≤ available = limit − used, so used + amount ≤ limit.
        unchecked {
            used += amount;
        }
        w.period = period;
        w.used = used;
        return (true, period, used);
    }

    /// @dev Sets limit and window length, keeping what the current window has used (see the library's notice).
    function configure(Window storage w, uint256 limit, uint64 periodSeconds) internal {
        (, uint256 used) = current(w);
        w.limit = limit;
        w.periodSeconds = periodSeconds;
        w.period = block.timestamp / periodSeconds;
        w.used = used;
    }
}
