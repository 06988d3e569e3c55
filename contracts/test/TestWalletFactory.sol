// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TestSmartWallet} from "./TestSmartWallet.sol";

/// @title TestWalletFactory
/// @notice For the tests only (never deployed by scripts/deploy.py): creates TestSmartWallets at addresses known
/// before they exist (CREATE2), as smart-account factories do, so a wallet can sign before it is deployed (EIP-6492).
contract TestWalletFactory {
    /// @notice Emitted when a wallet is created.
    event WalletCreated(address indexed wallet, address indexed owner, bytes32 salt);

    /// @notice Creates the wallet of `owner` for `salt` (the address `walletOf` tells beforehand).
    function createWallet(address owner, bytes32 salt) external returns (address wallet) {
        wallet = address(new TestSmartWallet{salt: salt}(owner));
        emit WalletCreated(wallet, owner, salt);
    }

    /// @notice The address `createWallet(owner, salt)` creates.
    function walletOf(address owner, bytes32 salt) external view returns (address) {
        bytes32 code = keccak256(abi.encodePacked(type(TestSmartWallet).creationCode, abi.encode(owner)));
        return address(uint160(uint256(keccak256(abi.encodePacked(bytes1(0xff), address(this), salt, code)))));
    }
}
