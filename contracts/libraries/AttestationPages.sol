// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title AttestationPages
/// @notice A page commits to up to 16 attestations in one storage word:
/// bits 0-15 "attested", bits 16-31 "revoked", bits 32-255 a hash chain over the page's leaves in the order
/// they were appended: `acc' = uint224(keccak256(abi.encode(acc, leaf)))`, starting from 0.
/// @dev Why: a fresh storage slot per attestation (22,100 gas) would cost more than everything else an
/// attestation does. Here 16 attestations share one slot, and a revocation proves its record by replaying
/// at most 15 later leaves. Forging a record means a second preimage of a 224-bit hash.
library AttestationPages {
    uint256 internal constant SLOTS = 16;
    uint256 private constant ACC_SHIFT = 32;

    function pageIndexOf(uint64 serial) internal pure returns (uint64) {
        return serial >> 4;
    }

    function slotOf(uint64 serial) internal pure returns (uint256) {
        return uint256(serial) & (SLOTS - 1);
    }

    function isAttested(uint256 page, uint256 slot) internal pure returns (bool) {
        return (page >> slot) & 1 == 1;
    }

    function isRevoked(uint256 page, uint256 slot) internal pure returns (bool) {
        return (page >> (slot + SLOTS)) & 1 == 1;
    }

    function accumulator(uint256 page) internal pure returns (bytes32) {
        return bytes32(page >> ACC_SHIFT);
    }

    /// @dev Marks `slot` attested and appends `leaf` to the chain. The caller checks the slot is free.
    function append(uint256 page, uint256 slot, bytes32 leaf) internal pure returns (uint256) {
        uint256 acc = chainStep(bytes32(page >> ACC_SHIFT), leaf);
        return (acc << ACC_SHIFT) | (page & 0xffffffff) | (uint256(1) << slot);
    }

    function markRevoked(uint256 page, uint256 slot) internal pure returns (uint256) {
        return page | (uint256(1) << (slot + SLOTS));
    }

    /// @dev Whether `leaf`, preceded by chain value `accBefore` and followed by `laterLeaves`, ends at the
    /// page's chain value.
    function proves(uint256 page, bytes32 accBefore, bytes32 leaf, bytes32[] calldata laterLeaves)
        internal
        pure
        returns (bool)
    {
        if (laterLeaves.length >= SLOTS) return false;
        uint256 acc = chainStep(accBefore, leaf);
        for (uint256 i = 0; i < laterLeaves.length; ++i) {
            acc = chainStep(bytes32(acc), laterLeaves[i]);
        }
        return acc == page >> ACC_SHIFT;
    }

    /// @dev One step of the chain, truncated to 224 bits so that it fits beside the flags.
    function chainStep(bytes32 acc, bytes32 leaf) internal pure returns (uint256 next) {
        assembly ("memory-safe") {
            mstore(0x00, acc)
            mstore(0x20, leaf)
            next := shr(32, shl(32, keccak256(0x00, 0x40)))
        }
    }
}
