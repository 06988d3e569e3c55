// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ActivityIds
/// @notice Layout of an activity id: `centreId (32 bits) | serial (64 bits) | digest (160 bits)`.
/// @dev The centre hands out serials (the backend keeps one counter per centre); a serial is attested at
/// most once, which makes a retried submission revert instead of minting twice. The digest is the low 160
/// bits of a salted hash of the off-chain record: without the salt, which never leaves the database, the id
/// cannot be linked back to the record.
library ActivityIds {
    function encode(uint32 centreId, uint64 serial, bytes32 recordHash) internal pure returns (bytes32) {
        return bytes32((uint256(centreId) << 224) | (uint256(serial) << 160) | uint256(uint160(uint256(recordHash))));
    }

    function centreOf(bytes32 id) internal pure returns (uint32) {
        return uint32(uint256(id) >> 224);
    }

    function serialOf(bytes32 id) internal pure returns (uint64) {
        return uint64(uint256(id) >> 160);
    }
}
