"""Signatures of smart-contract wallets not deployed yet (EIP-6492), for sign-in.

A smart account (a passkey wallet, a Safe made on first use) can sign before its contract exists: it wraps its own
signature as abi.encode(factory, factoryCalldata, signature) followed by the 32-byte EIP-6492 suffix. The check
simulates, in one eth_call and without writing anything, the wallet's creation through that factory and then asks
the wallet (EIP-1271), with contracts/offchain/CounterfactualSignatureCheck.sol's creation code ("deployless").
A wallet that exists by now is asked directly about the inner signature, as EIP-6492 says.

Only sign-in takes these: the contracts ask a wallet by EIP-1271, so a relayed request needs the wallet deployed."""

from __future__ import annotations

from eth_abi import decode, encode

from backend.chain import reads
from backend.chain.client import ChainClient

SUFFIX = bytes.fromhex("6492" * 16)
# The gas the whole simulated check may use: the factory's creation of the wallet, then its isValidSignature
# (itself bounded by reads.SMART_WALLET_GAS). Anyone can ask, so the node's work per sign-in stays bounded.
CHECK_GAS = 1_500_000

# contracts/offchain/CounterfactualSignatureCheck.sol compiled by bench.solc_build.compile_files (solc 0.8.28,
# shanghai, optimizer 1000 runs); tests/backend/test_smart_wallet_residents.py compiles it and compares.
CHECK_CODE = bytes.fromhex(
    "608060405234801561000f575f5ffd5b5060405161039338038061039383398101604081905261002e91610269565b5f60016001600160a0"
    "1b0388163b820361009e57856001600160a01b03168560405161005a9190610300565b5f604051808303815f865af19150503d805f811461"
    "0093576040519150601f19603f3d011682016040523d82523d5f602084013e610098565b606091505b50909150505b8080156100b4575060"
    "01600160a01b0388163b15155b15610189575f5f896001600160a01b0316858a886040516024016100d992919061031b565b60408051601f"
    "198184030181529181526020820180516001600160e01b0316630b135d3f60e11b1790525161010e9190610300565b5f6040518083038186"
    "86fa925050503d805f8114610147576040519150601f19603f3d011682016040523d82523d5f602084013e61014c565b606091505b509150"
    "915081801561016057506020815110155b80156101845750630b135d3f60e11b61017882610354565b6001600160e01b031916145b935050"
    "505b815f526001601ff35b80516001600160a01b03811681146101a8575f5ffd5b919050565b634e487b7160e01b5f52604160045260245f"
    "fd5b5f5b838110156101db5781810151838201526020016101c3565b50505f910152565b5f82601f8301126101f2575f5ffd5b8151600160"
    "0160401b0381111561020b5761020b6101ad565b604051601f8201601f19908116603f011681016001600160401b03811182821017156102"
    "39576102396101ad565b604052818152838201602001851015610250575f5ffd5b6102618260208301602087016101c1565b949350505050"
    "565b5f5f5f5f5f5f60c0878903121561027e575f5ffd5b61028787610192565b95506020870151945061029c60408801610192565b606088"
    "01519094506001600160401b038111156102b7575f5ffd5b6102c389828a016101e3565b608089015190945090506001600160401b038111"
    "156102e0575f5ffd5b6102ec89828a016101e3565b92505060a087015190509295509295509295565b5f82516103118184602087016101c1"
    "565b9190910192915050565b828152604060208201525f825180604084015261033f8160608501602087016101c1565b601f01601f191691"
    "9091016060019392505050565b805160208201516001600160e01b031981169190600482101561038b576001600160e01b03196004839003"
    "60031b81901b82161692505b505091905056fe"
)


def wrapped(signature: bytes) -> bool:
    """Is this an EIP-6492 signature (a wallet's own, wrapped with how to create the wallet)?"""
    return len(signature) > len(SUFFIX) and signature.endswith(SUFFIX)


def unwrap(signature: bytes) -> tuple[str, bytes, bytes] | None:
    """(factory, factory calldata, the wallet's own signature), or None when the wrapping is not well formed."""
    try:
        factory, calldata, inner = decode(["address", "bytes", "bytes"], signature[: -len(SUFFIX)])
    except Exception:
        return None
    return factory, calldata, inner


def accepts(chain: ChainClient, account: str, digest: bytes, signature: bytes) -> bool:
    """Does the smart-contract wallet at `account` (deployed or not yet) accept `signature` over `digest`?"""
    if not wrapped(signature):
        return reads.is_valid_signature(chain, account, digest, signature)
    parts = unwrap(signature)
    if parts is None:
        return False
    factory, calldata, inner = parts
    if reads.has_code(chain, account):
        return reads.is_valid_signature(chain, account, digest, inner)
    data = CHECK_CODE + encode(["address", "bytes32", "address", "bytes", "bytes", "uint256"],
                               [account, digest, factory, calldata, inner, reads.SMART_WALLET_GAS])
    try:
        answer = chain.rpc("eth_call", [{"data": "0x" + data.hex(), "gas": hex(CHECK_GAS)}, "latest"])
    except Exception:
        return False
    return isinstance(answer, str) and answer.lower() == "0x01"
