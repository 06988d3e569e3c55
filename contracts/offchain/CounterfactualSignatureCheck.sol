// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

/// @title CounterfactualSignatureCheck
/// @notice Never deployed. Its creation code is run by `eth_call` (a "deployless" call) to ask whether a
/// smart-contract wallet that does not exist yet accepts a signature (EIP-6492): the wallet is created through its
/// factory inside the simulated call, then asked as EIP-1271 asks. Nothing is written: the call is a simulation.
/// @dev The constructor's return data is one byte: 0x01 when the wallet accepts the signature, 0x00 otherwise
/// (the factory failed, it made no code at `wallet`, or the wallet refused, reverted or answered anything else).
/// The backend keeps this contract's creation code (backend/chain/counterfactual.py); a test compiles this file
/// and compares the two.
contract CounterfactualSignatureCheck {
    /// @param wallet The address the signature claims (the counterfactual wallet).
    /// @param hash The digest the wallet is asked about.
    /// @param factory The contract the signer named to create the wallet.
    /// @param factoryCalldata The call to `factory` that creates it.
    /// @param signature The wallet's own signature (EIP-6492's inner signature).
    /// @param checkGas The gas `isValidSignature` may use (the wallet's code is anyone's).
    constructor(
        address wallet,
        bytes32 hash,
        address factory,
        bytes memory factoryCalldata,
        bytes memory signature,
        uint256 checkGas
    ) {
        bool valid = false;
        bool created = true;
        if (wallet.code.length == 0) {
            (created, ) = factory.call(factoryCalldata);
        }
        if (created && wallet.code.length != 0) {
            (bool answered, bytes memory answer) = wallet.staticcall{gas: checkGas}(
                abi.encodeCall(IERC1271.isValidSignature, (hash, signature))
            );
            valid = answered && answer.length >= 32 && bytes4(answer) == IERC1271.isValidSignature.selector;
        }
        assembly ("memory-safe") {
            mstore(0, valid)
            return(31, 1)
        }
    }
}
