"""Residents whose wallet is a smart contract (EIP-1271: a Safe, a smart account): they sign in with SIWE and their
relayed requests go through, the wallet itself saying the signature is its own — as the contracts already accept.
The wallet is contracts/test/TestSmartWallet.sol (its owner's key signs for it), deployed on the test chain."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from conftest import COIN, ROOT
from residents_helpers import personal_sign, sign_request, siwe_text
from test_residents import earn

from backend.chain import counterfactual
from backend.chain.keys import dev_key
from backend.services.security import issue_resident_token
from bench.solc_build import compile_files
from eth_abi import encode
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


# ------------------------------------------------------------------------------------ wallets not deployed yet


@pytest.fixture(scope="module")
def wallet_factory(backend):
    """contracts/test/TestWalletFactory.sol on the test chain: creates TestSmartWallets at addresses known before."""
    built = compile_files([ROOT / "contracts" / "test" / "TestWalletFactory.sol"])["TestWalletFactory"]
    w3 = backend.node.web3
    tx = w3.eth.contract(abi=built["abi"], bytecode=built["bytecode"]).constructor().transact({"from": w3.eth.accounts[8]})
    return w3.eth.contract(address=w3.eth.wait_for_transaction_receipt(tx)["contractAddress"], abi=built["abi"])


@pytest.fixture
def undeployed_wallet(wallet_factory):
    """(a wallet's address before it exists, its owner's key, the factory call that creates it)."""
    owner, salt = Account.create(), os.urandom(32)
    address = wallet_factory.functions.walletOf(owner.address, salt).call()
    creation = bytes.fromhex(wallet_factory.encode_abi("createWallet", [owner.address, salt]).removeprefix("0x"))
    return address, owner, creation


def counterfactual_signature(factory: str, creation: bytes, inner: str) -> str:
    """EIP-6492: the wallet's own signature wrapped with how to create the wallet, then the suffix."""
    body = encode(["address", "bytes", "bytes"], [factory, creation, bytes.fromhex(inner.removeprefix("0x"))])
    return "0x" + (body + counterfactual.SUFFIX).hex()


def sign_in_wrapped(backend, address: str, signer, factory: str, creation: bytes):
    n = backend.http.get("/siwe/nonce").json()
    text = siwe_text(n["domain"], address, n["uri"], n["chain_id"], n["nonce"], expires=datetime.now(UTC) + timedelta(minutes=10))
    signature = counterfactual_signature(factory, creation, personal_sign(signer, text))
    return backend.http.post("/siwe/verify", json={"message": text, "signature": signature})


def test_a_wallet_not_deployed_yet_signs_in_by_eip6492(backend, wallet_factory, undeployed_wallet):
    address, owner, creation = undeployed_wallet
    r = sign_in_wrapped(backend, address, owner, wallet_factory.address, creation)
    assert r.status_code == 200, r.text
    assert r.json()["address"] == address
    # The check only simulated the wallet's creation: nothing was written on the chain.
    assert backend.node.web3.eth.get_code(address) == b""


def test_a_wrapped_signature_of_another_key_is_refused(backend, wallet_factory, undeployed_wallet):
    address, _, creation = undeployed_wallet
    r = sign_in_wrapped(backend, address, Account.create(), wallet_factory.address, creation)
    assert r.status_code == 401 and r.json()["error"] == "siwe_bad_signature"


def test_a_factory_call_that_creates_another_wallet_is_refused(backend, wallet_factory, undeployed_wallet):
    """The signer's key owns the wallet the factory call creates, but that is not the address that signs in."""
    address, owner, _ = undeployed_wallet
    other = bytes.fromhex(wallet_factory.encode_abi("createWallet", [owner.address, os.urandom(32)]).removeprefix("0x"))
    r = sign_in_wrapped(backend, address, owner, wallet_factory.address, other)
    assert r.status_code == 401 and r.json()["error"] == "siwe_bad_signature"


def test_a_malformed_wrapping_is_refused(backend, undeployed_wallet):
    address, owner, _ = undeployed_wallet
    n = backend.http.get("/siwe/nonce").json()
    text = siwe_text(n["domain"], address, n["uri"], n["chain_id"], n["nonce"])
    signature = personal_sign(owner, text) + counterfactual.SUFFIX.hex()  # the suffix without the wrapping
    r = backend.http.post("/siwe/verify", json={"message": text, "signature": signature})
    assert r.status_code == 401 and r.json()["error"] == "siwe_bad_signature"


def test_a_deployed_wallet_is_asked_about_its_earlier_wrapped_signature(backend, wallet_factory, undeployed_wallet):
    """Signed before the wallet existed, sent after: the wallet itself is asked about the inner signature."""
    address, owner, creation = undeployed_wallet
    w3 = backend.node.web3
    tx = w3.eth.send_transaction({"from": w3.eth.accounts[8], "to": wallet_factory.address, "data": "0x" + creation.hex()})
    w3.eth.wait_for_transaction_receipt(tx)
    assert w3.eth.get_code(address) != b""
    r = sign_in_wrapped(backend, address, owner, wallet_factory.address, creation)
    assert r.status_code == 200, r.text


def test_the_counterfactual_check_code_is_its_source_compiled():
    """backend/chain/counterfactual.py keeps contracts/offchain/CounterfactualSignatureCheck.sol's creation code."""
    path = ROOT / "contracts" / "offchain" / "CounterfactualSignatureCheck.sol"
    built = compile_files([path])["CounterfactualSignatureCheck"]
    assert bytes.fromhex(built["bytecode"].removeprefix("0x")) == counterfactual.CHECK_CODE, (
        "recompile: bench.solc_build.compile_files on that file, and paste its bytecode into CHECK_CODE")
