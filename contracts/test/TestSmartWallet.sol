// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title TestSmartWallet
/// @notice For the contract tests only (never deployed by scripts/deploy.py): the smallest EIP-1271 smart-contract
/// wallet. It accepts a hash as signed when its owner (an EOA) made an ECDSA signature over that hash.
contract TestSmartWallet is IERC1271 {
    address public immutable owner;

    constructor(address owner_) {
        require(owner_ != address(0), "TestSmartWallet: zero owner");
        owner = owner_;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        // A malformed signature reverts (ECDSA.recover); SignatureChecker counts a revert as "not valid".
        return ECDSA.recover(hash, signature) == owner ? IERC1271.isValidSignature.selector : bytes4(0xffffffff);
    }
}
