// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title CoinAccounts
/// @notice One storage word per holder: the balance, and the coins minted to the holder in the current and the
/// previous lock period, which cannot move yet.
/// @dev Layout:
///   bits   0-95   balance, in base units
///   bits  96-127  period of `recent` (block.timestamp / lockPeriod when it was last minted to)
///   bits 128-191  recent: coins minted in that period, in gwei, rounded up
///   bits 192-255  older: coins minted in the period before it, in gwei, rounded up
/// Coins minted in period p move from the start of period p + 2: at least one whole lock period after they
/// were minted, however late in period p that was. Packed with the balance, the lock costs no storage access
/// of its own: a mint writes, and a transfer reads, the word it writes and reads anyway.
library CoinAccounts {
    uint256 internal constant BALANCE_MASK = (1 << 96) - 1;
    uint256 private constant BUCKET_MASK = (1 << 64) - 1;
    uint256 private constant GWEI = 1e9;

    // Arithmetic below is unchecked: buckets are 64-bit fields multiplied by 1e9 (< 2^94), periods are 32-bit
    // fields compared with block.timestamp / lockPeriod, and balances are kept within 96 bits by the coin.

    function balance(uint256 word) internal pure returns (uint256) {
        return word & BALANCE_MASK;
    }

    /// @notice Coins of `word` that cannot move in period `now_`, in base units (at most the balance).
    function locked(uint256 word, uint256 now_) internal pure returns (uint256 amount) {
        unchecked {
            uint256 period = (word >> 96) & 0xffffffff;
            if (period == now_) {
                amount = (((word >> 128) & BUCKET_MASK) + (word >> 192)) * GWEI;
            } else if (period + 1 == now_) {
                amount = ((word >> 128) & BUCKET_MASK) * GWEI;
            } else {
                return 0;
            }
            uint256 held = word & BALANCE_MASK;
            if (amount > held) amount = held;
        }
    }

    /// @notice `word` with its lock buckets moved to period `now_`.
    function roll(uint256 word, uint256 now_) internal pure returns (uint256) {
        unchecked {
            uint256 period = (word >> 96) & 0xffffffff;
            if (period == now_) return word;
            uint256 older = period + 1 == now_ ? (word >> 128) & BUCKET_MASK : 0;
            return (word & BALANCE_MASK) | (now_ << 96) | (older << 192);
        }
    }

    /// @notice `word` with `amount` minted now: added to the balance and locked.
    /// @dev The caller checks the balance stays within 96 bits.
    function mintLocked(uint256 word, uint256 now_, uint256 amount) internal pure returns (uint256) {
        unchecked {
            word = roll(word, now_);
            uint256 recent = ((word >> 128) & BUCKET_MASK) + (amount + GWEI - 1) / GWEI;
            if (recent > BUCKET_MASK) recent = BUCKET_MASK; // locks at most what is held anyway
            return ((word & ~(BUCKET_MASK << 128)) | (recent << 128)) + amount;
        }
    }

    /// @notice `word` with up to `amount` coins minted in period `mintPeriod` no longer locked (they were clawed
    /// back).
    function unlock(uint256 word, uint256 now_, uint256 mintPeriod, uint256 amount) internal pure returns (uint256) {
        unchecked {
            word = roll(word, now_);
            uint256 shift;
            if (mintPeriod == now_) shift = 128;
            else if (mintPeriod + 1 == now_) shift = 192;
            else return word;
            uint256 bucket = (word >> shift) & BUCKET_MASK;
            uint256 less = (amount + GWEI - 1) / GWEI;
            bucket = bucket > less ? bucket - less : 0;
            return (word & ~(BUCKET_MASK << shift)) | (bucket << shift);
        }
    }
}
