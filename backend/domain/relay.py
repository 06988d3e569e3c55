"""Residents' signed requests (EIP-712) that the backend relays: their typed data and who signed them. No I/O.

The types are those of contracts/Redemption.sol (`Redeem`, `Donate`, `PayForService`) under the domain
("VolunteerBank Redemption", "1", chain id, the Redemption contract)."""

from __future__ import annotations

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak

from backend.domain.errors import Refusal

DOMAIN_NAME, DOMAIN_VERSION = "VolunteerBank Redemption", "1"
EIP712_DOMAIN = [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                 {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}]
TYPES = {
    "redeem": ("Redeem", [{"name": "resident", "type": "address"}, {"name": "offerId", "type": "uint256"},
                          {"name": "maxPrice", "type": "uint256"}, {"name": "nonce", "type": "uint256"},
                          {"name": "deadline", "type": "uint256"}]),
    "donate": ("Donate", [{"name": "donor", "type": "address"}, {"name": "charity", "type": "address"},
                          {"name": "amount", "type": "uint256"}, {"name": "nonce", "type": "uint256"},
                          {"name": "deadline", "type": "uint256"}]),
    "pay": ("PayForService", [{"name": "payer", "type": "address"}, {"name": "payee", "type": "address"},
                              {"name": "amount", "type": "uint256"}, {"name": "requestRef", "type": "bytes32"},
                              {"name": "nonce", "type": "uint256"}, {"name": "deadline", "type": "uint256"}]),
}
# Gas reserved when a request is accepted (a little above what each uses, see docs/gas.md); times the max fee per
# gas, it is what the request counts against the day's fee budgets until its receipt says what it really paid.
# A donation that is its address's first relayed request, on a fresh chain, writes new storage slots throughout
# (113,407 gas measured; 100,000 was too little and the operation failed before sending).
GAS_RESERVE = {"redeem": 110_000, "donate": 125_000, "pay": 90_000}
SMART_WALLET_GAS = 100_000  # added for a smart-contract wallet's isValidSignature (EIP-1271; chain.reads asks with it)


def typed_data(kind: str, chain_id: int, contract: str, message: dict) -> dict:
    """The JSON a wallet signs with eth_signTypedData_v4."""
    primary, fields = TYPES[kind]
    return {"types": {"EIP712Domain": EIP712_DOMAIN, primary: fields}, "primaryType": primary,
            "domain": {"name": DOMAIN_NAME, "version": DOMAIN_VERSION, "chainId": chain_id, "verifyingContract": contract},
            "message": message}


def for_wallet(data: dict) -> dict:
    """The typed data as JSON a browser can carry: integers as decimal strings, since JavaScript's numbers lose
    precision above 2**53 (an amount of 1 coin is 10**18). Wallets and eth-account read both forms alike."""
    message = {k: str(v) if isinstance(v, int) and not isinstance(v, bool) else v for k, v in data["message"].items()}
    return {**data, "message": message}


def digest_of(data: dict) -> bytes:
    """The EIP-712 hash of `data`: what a key signs, and what a smart-contract wallet is asked about (EIP-1271)."""
    signable = encode_typed_data(full_message=data)
    return keccak(b"\x19" + signable.version + signable.header + signable.body)


def signer_of(data: dict, signature: str, smart_wallet: str | None = None) -> str | None:
    """The key that signed `data`; a 422 if the signature is malformed (not hex, bad length, high s, …). With
    `smart_wallet` (the address the request is for), a signature that is no key's gives None instead: a
    smart-contract wallet's signature has its own form, and the wallet itself says whether it is valid."""
    try:
        raw = bytes.fromhex(signature.removeprefix("0x"))
    except ValueError:
        raise Refusal(422, "invalid_signature", "the signature is not hex") from None
    if len(raw) != 65:
        if smart_wallet is not None and raw:
            return None
        raise Refusal(422, "invalid_signature", length=len(raw))
    # The contract (OpenZeppelin ECDSA) refuses malleable signatures: so do we, before anything is sent.
    if int.from_bytes(raw[32:64], "big") > 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0:
        if smart_wallet is not None:
            return None
        raise Refusal(422, "invalid_signature", "the signature's s is in the upper half (malleable)")
    try:
        return Account.recover_message(encode_typed_data(full_message=data), signature=raw)
    except Exception as exc:
        if smart_wallet is not None:
            return None
        raise Refusal(422, "invalid_signature", error=str(exc)) from None


def signature_hash(signature: str) -> str:
    return "0x" + keccak(bytes.fromhex(signature.removeprefix("0x"))).hex()


REF_SALT_BYTES = 16


def request_ref(text: str, salt: bytes) -> str:
    """A payment's request reference from its off-chain description: keccak256(salt ‖ UTF-8 text). Only the hash goes
    on-chain; the random salt (16 bytes, kept by the caller: the resident, who may show it to the payee with the text)
    makes it impossible to tell from the chain which memo was paid for, even a short or guessable one, or that two
    payments had the same memo."""
    if len(salt) != REF_SALT_BYTES:
        raise ValueError(f"the salt of a request reference is {REF_SALT_BYTES} bytes, not {len(salt)}")
    return "0x" + keccak(salt + text.encode("utf-8")).hex()


_CALLS = {
    "redeem": ("redeemBySig", ["address", "uint256", "uint256", "uint256", "bytes"]),
    "donate": ("donateBySig", ["address", "address", "uint256", "uint256", "bytes"]),
    "pay": ("payForServiceBySig", ["address", "address", "uint256", "bytes32", "uint256", "bytes"]),
}


def calldata(kind: str, *args) -> str:
    """Calldata of the contract's …BySig function for `kind` (eth_abi directly: web3.py's encode_abi is slower)."""
    from eth_abi import encode

    name, types = _CALLS[kind]
    return "0x" + (keccak(text=f"{name}({','.join(types)})")[:4] + encode(types, list(args))).hex()
