"""Residents whose wallet is a smart contract (EIP-1271: a Safe, a smart account): they sign in with SIWE and their
relayed requests go through, the wallet itself saying the signature is its own — as the contracts already accept.
The wallet is contracts/test/TestSmartWallet.sol (its owner's key signs for it), deployed on the test chain."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from conftest import COIN, ROOT
from residents_helpers import personal_sign, sign_request, siwe_text
from test_residents import earn

from backend.chain.keys import dev_key
from backend.services.security import issue_resident_token
from bench.solc_build import compile_files
from eth_account import Account


@pytest.fixture(scope="module")
def smart_wallet(backend):
    """(the wallet's address, its owner's key)."""
    built = compile_files([ROOT / "contracts" / "test" / "TestSmartWallet.sol"])["TestSmartWallet"]
    owner = Account.create()
    w3 = backend.node.web3
    contract = w3.eth.contract(abi=built["abi"], bytecode=built["bytecode"])
    tx = contract.constructor(owner.address).transact({"from": w3.eth.accounts[8]})
    address = w3.eth.wait_for_transaction_receipt(tx)["contractAddress"]
    return address, owner


def sign_in_as(backend, address: str, signer) -> dict:
    n = backend.http.get("/siwe/nonce").json()
    text = siwe_text(n["domain"], address, n["uri"], n["chain_id"], n["nonce"], expires=datetime.now(UTC) + timedelta(minutes=10))
    return backend.http.post("/siwe/verify", json={"message": text, "signature": personal_sign(signer, text)})


def test_a_smart_wallet_signs_in_through_its_owner(backend, smart_wallet):
    address, owner = smart_wallet
    r = sign_in_as(backend, address, owner)
    assert r.status_code == 200, r.text
    assert r.json()["address"] == address


def test_a_smart_wallet_refuses_another_keys_signature(backend, smart_wallet):
    address, _ = smart_wallet
    r = sign_in_as(backend, address, Account.create())
    assert r.status_code == 401 and r.json()["error"] == "siwe_bad_signature"


def test_a_smart_wallets_relayed_donation_goes_through(backend, coord1, smart_wallet):
    address, owner = smart_wallet
    earn(backend, coord1, address)
    r = sign_in_as(backend, address, owner)
    me = {"Authorization": f"Bearer {r.json()['access_token']}"}
    charity = dev_key(5).address
    before = backend.chain.coin.functions.balanceOf(charity).call()
    wallet = SimpleNamespace(address=address)  # the request is the wallet's; its owner's key signs it
    body = sign_request(backend, wallet, "donate", 0, signer=owner, charity=charity, amount=COIN)
    r = backend.http.post("/me/donate", json=body, headers=me)
    assert r.status_code == 202, r.text
    backend.drain()
    op = backend.http.get(f"/me/operations/{r.json()['id']}", headers=me).json()
    assert op["state"] == "confirmed", op
    assert backend.chain.coin.functions.balanceOf(charity).call() == before + COIN

    # Signed by a key that is not the wallet's owner: refused before anything is sent.
    body = sign_request(backend, wallet, "donate", 1, signer=Account.create(), charity=charity, amount=COIN)
    r = backend.http.post("/me/donate", json=body, headers=me)
    assert r.status_code == 403 and r.json()["error"] == "wrong_signer"


@pytest.fixture(scope="module")
def greedy_wallet(backend):
    """A wallet whose signature check burns about a million gas: (its address, its owner's key)."""
    built = compile_files([ROOT / "contracts" / "test" / "TestGreedyWallet.sol"])["TestGreedyWallet"]
    owner = Account.create()
    w3 = backend.node.web3
    contract = w3.eth.contract(abi=built["abi"], bytecode=built["bytecode"])
    tx = contract.constructor(owner.address, 5_000).transact({"from": w3.eth.accounts[8]})
    return w3.eth.wait_for_transaction_receipt(tx)["contractAddress"], owner


def test_a_wallet_whose_signature_check_burns_gas_gets_nothing_relayed(backend, coord1, greedy_wallet):
    """Its check runs past the gas a relay reserves for it, so it is not valid: nothing reaches the relayer."""
    address, owner = greedy_wallet
    r = sign_in_as(backend, address, owner)
    assert r.status_code == 401 and r.json()["error"] == "siwe_bad_signature"
    earn(backend, coord1, address)
    wallet = SimpleNamespace(address=address)
    body = sign_request(backend, wallet, "donate", 0, signer=owner, charity=dev_key(5).address, amount=COIN)
    # A session as if it had signed in some other way: the relay still asks the wallet, with the same bound.
    token = issue_resident_token(backend.settings.jwt_secret, backend.settings.jwt_issuer, 600, address)
    r = backend.http.post("/me/donate", json=body, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403 and r.json()["error"] == "wrong_signer", r.text
