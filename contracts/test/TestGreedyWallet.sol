// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title TestGreedyWallet
/// @notice For the backend tests only (never deployed by scripts/deploy.py): an EIP-1271 wallet whose signature
/// check burns `rounds` hashes of gas before answering as TestSmartWallet does — what a resident could deploy to make
/// the relayer pay for gas nobody budgeted.
contract TestGreedyWallet is IERC1271 {
    address public immutable owner;
    uint256 public immutable rounds;

    constructor(address owner_, uint256 rounds_) {
        owner = owner_;
        rounds = rounds_;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        bytes32 x = hash;
        for (uint256 i = 0; i < rounds; i++) {
            x = keccak256(abi.encode(x, i));
        }
        if (x == bytes32(0)) return bytes4(0xffffffff); // never: keeps the loop from being optimised away
        return ECDSA.recover(hash, signature) == owner ? IERC1271.isValidSignature.selector : bytes4(0xffffffff);
    }
}
