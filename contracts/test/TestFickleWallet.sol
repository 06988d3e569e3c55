// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

/// @title TestFickleWallet
/// @notice For the backend tests only (never deployed by scripts/deploy.py): an EIP-1271 wallet that accepts any
/// signature in a call priced at zero (an estimate, an eth_call) and none in a real transaction — a signature that
/// passes every check before sending and reverts once sent.
contract TestFickleWallet is IERC1271 {
    /// @inheritdoc IERC1271
    function isValidSignature(bytes32, bytes calldata) external view returns (bytes4) {
        return tx.gasprice == 0 ? IERC1271.isValidSignature.selector : bytes4(0xffffffff);
    }
}
