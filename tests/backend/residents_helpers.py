"""Helpers of the resident tests: a wallet signing in with SIWE and signing EIP-712 requests, written from the
standards (EIP-4361 text, the contract's type strings), not from the backend's own code."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data

COIN = 10**18


def siwe_text(domain: str, address: str, uri: str, chain_id: int, nonce: str, *, issued: datetime | None = None,
              expires: datetime | None = None, statement: str = "Sign in to the Volunteer Bank.") -> str:
    issued = issued or datetime.now(UTC)
    lines = [f"{domain} wants you to sign in with your Ethereum account:", address, "", statement, "",
             f"URI: {uri}", "Version: 1", f"Chain ID: {chain_id}", f"Nonce: {nonce}",
             f"Issued At: {issued.strftime('%Y-%m-%dT%H:%M:%SZ')}"]
    if expires is not None:
        lines.append(f"Expiration Time: {expires.strftime('%Y-%m-%dT%H:%M:%SZ')}")
    return "\n".join(lines)


def personal_sign(account, text: str) -> str:
    return "0x" + account.sign_message(encode_defunct(text=text)).signature.hex().removeprefix("0x")


def sign_in(backend, account, **overrides) -> dict:
    n = backend.http.get("/siwe/nonce").json()
    fields = {"domain": n["domain"], "uri": n["uri"], "chain_id": n["chain_id"], "nonce": n["nonce"]}
    fields.update(overrides)
    text = siwe_text(fields["domain"], account.address, fields["uri"], fields["chain_id"], fields["nonce"],
                     expires=datetime.now(UTC) + timedelta(minutes=10))
    r = backend.http.post("/siwe/verify", json={"message": text, "signature": personal_sign(account, text)})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


TYPES = {
    "redeem": ("Redeem", "resident", [("resident", "address"), ("offerId", "uint256"), ("maxPrice", "uint256"),
                                      ("nonce", "uint256"), ("deadline", "uint256")]),
    "donate": ("Donate", "donor", [("donor", "address"), ("charity", "address"), ("amount", "uint256"),
                                   ("nonce", "uint256"), ("deadline", "uint256")]),
    "pay": ("PayForService", "payer", [("payer", "address"), ("payee", "address"), ("amount", "uint256"),
                                       ("requestRef", "bytes32"), ("nonce", "uint256"), ("deadline", "uint256")]),
}


def sign_request(backend, account, kind: str, nonce: int, deadline: int | None = None, signer=None, **fields) -> dict:
    """A signed request body for POST /me/{kind}: the wallet's eth_signTypedData_v4 over the contract's types."""
    primary, who, spec = TYPES[kind]
    deadline = deadline if deadline is not None else backend.chain_time() + 3600
    message = {who: account.address, "nonce": nonce, "deadline": deadline}
    names = {"offerId": "offer_id", "maxPrice": "max_price", "charity": "charity", "amount": "amount",
             "payee": "payee", "requestRef": "request_ref"}
    for name, _ in spec:
        if name in names and names[name] in fields:
            value = fields[names[name]]
            message[name] = int(value) if name in ("maxPrice", "amount") else value
    data = {"types": {"EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                                       {"name": "chainId", "type": "uint256"},
                                       {"name": "verifyingContract", "type": "address"}],
                      primary: [{"name": n, "type": t} for n, t in spec]},
            "primaryType": primary,
            "domain": {"name": "VolunteerBank Redemption", "version": "1", "chainId": backend.chain.chain_id,
                       "verifyingContract": backend.chain.redemption.address},
            "message": message}
    signature = (signer or account).sign_message(encode_typed_data(full_message=data)).signature
    body = {k: (str(v) if k in ("max_price", "amount") else v) for k, v in fields.items()}
    body.update(nonce=nonce, deadline=deadline, signature="0x" + bytes(signature).hex())
    return body


def new_wallet():
    return Account.create()
