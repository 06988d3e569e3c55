// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

/// @title Signatures
/// @notice Whether `signer` signed a digest: its ECDSA signature (OpenZeppelin's ECDSA: high-s and bad lengths
/// refused), or else, for a smart-contract wallet, EIP-1271 `isValidSignature` (an account without code accepts
/// nothing). Shared by every `...BySig` path of the registry and of Redemption.
/// @dev ECDSA first, unlike OpenZeppelin 5.1's SignatureChecker.isValidSignatureNow, which reads the signer's code
/// size before anything else: a cold account access (2,600 gas) on every relayed request of an EOA. The outcome
/// differs only for an account that has code and whose key signed (an EIP-7702 account): it is accepted here, as
/// its key's signature should be.
library Signatures {
    function isValidNow(address signer, bytes32 digest, bytes calldata signature) internal view returns (bool) {
        // The third value (the error's argument) is not needed: any error falls through to EIP-1271, which refuses.
        // slither-disable-next-line unused-return
        (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecover(digest, signature);
        if (err == ECDSA.RecoverError.NoError && recovered == signer) return true;
        return SignatureChecker.isValidERC1271SignatureNow(signer, digest, signature);
    }
}
