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
    uint256 private constant GWEI = 1e9;

    function balance(uint256 word) internal pure returns (uint256) {
        return word & BALANCE_MASK;
    }

    /// @notice Coins of `word` that cannot move in period `now_`, in base units (at most the balance).
    function locked(uint256 word, uint256 now_) internal pure returns (uint256 amount) {
        uint256 period = uint32(word >> 96);
        if (period == now_) {
            amount = (uint64(word >> 128) + uint256(uint64(word >> 192))) * GWEI;
        } else if (period + 1 == now_) {
            amount = uint256(uint64(word >> 128)) * GWEI;
        }
        uint256 held = word & BALANCE_MASK;
        if (amount > held) amount = held;
    }

    /// @notice `word` with its lock buckets moved to period `now_`.
    function roll(uint256 word, uint256 now_) internal pure returns (uint256) {
        uint256 period = uint32(word >> 96);
        if (period == now_) return word;
        uint256 older = period + 1 == now_ ? uint64(word >> 128) : 0;
        return (word & BALANCE_MASK) | (now_ << 96) | (older << 192);
    }

    /// @notice `word` with `amount` minted now: added to the balance and locked.
    /// @dev The caller checks the balance stays within 96 bits.
    function mintLocked(uint256 word, uint256 now_, uint256 amount) internal pure returns (uint256) {
        word = roll(word, now_);
        uint256 recent = uint64(word >> 128) + _gweiUp(amount);
        if (recent > type(uint64).max) recent = type(uint64).max; // locks at most what is held anyway
        return ((word & ~(uint256(type(uint64).max) << 128)) | (recent << 128)) + amount;
    }

    /// @notice `word` with up to `amount` coins minted in period `mintPeriod` no longer locked (they were clawed
    /// back).
    function unlock(uint256 word, uint256 now_, uint256 mintPeriod, uint256 amount) internal pure returns (uint256) {
        word = roll(word, now_);
        uint256 shift;
        if (mintPeriod == now_) shift = 128;
        else if (mintPeriod + 1 == now_) shift = 192;
        else return word;
        uint256 bucket = uint64(word >> shift);
        uint256 less = _gweiUp(amount);
        bucket = bucket > less ? bucket - less : 0;
        return (word & ~(uint256(type(uint64).max) << shift)) | (bucket << shift);
    }

    function _gweiUp(uint256 amount) private pure returns (uint256) {
        return (amount + GWEI - 1) / GWEI;
    }
}
