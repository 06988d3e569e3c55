"""Fixtures for the contract suite: one deployment per module, each test isolated by a chain snapshot."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from backend.chain.attestation_pages import (  # noqa: E402
    activity_id,
    attest_batch_typed_data,
    page_of,
    page_records_from_chain,
    prove,
)
from scripts.anvil_sends import send_once_mined_on_anvil, stop_sending_once_mined  # noqa: E402
from scripts.core import COIN, DAY, deploy_core  # noqa: E402

HOUR = 60 * 60
VOLUNTEERING, CLASS, RECYCLING = 1, 2, 3
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


@pytest.fixture(scope="session", autouse=True)
def sends_return_once_mined(web3):
    """On Anvil, every transaction is mined and its receipt readable before Brownie starts waiting for it (Ganache's
    instamine already answers only then); see scripts/anvil_sends.py."""
    if not send_once_mined_on_anvil(web3):
        yield
        return
    yield
    stop_sending_once_mined(web3)


@pytest.fixture(scope="function", autouse=True)
def isolate(fn_isolation):
    pass


@pytest.fixture(scope="module")
def admin(accounts):
    return accounts[0]


@pytest.fixture(scope="module")
def coordinator(accounts):
    return accounts[1]


@pytest.fixture(scope="module")
def other_coordinator(accounts):
    """Coordinator of centre 2 only."""
    return accounts[2]


@pytest.fixture(scope="module")
def provider(accounts):
    return accounts[3]


@pytest.fixture(scope="module")
def charity(accounts):
    return accounts[4]


@pytest.fixture(scope="module")
def residents(accounts):
    return accounts[5:9]


@pytest.fixture(scope="module")
def rando(accounts):
    return accounts[9]


@pytest.fixture(scope="module")
def signer(accounts, admin):
    """A local account whose key the tests hold, to sign EIP-712 messages; funded for gas."""
    acct = accounts.add()
    admin.transfer(acct, "10 ether")
    return acct


@pytest.fixture(scope="module")
def core(module_isolation, admin, ServiceCoin, ActivityRegistry, Redemption):
    containers = SimpleNamespace(ServiceCoin=ServiceCoin, ActivityRegistry=ActivityRegistry, Redemption=Redemption)
    return deploy_core(containers, admin)


@pytest.fixture(scope="module")
def coin(core):
    return core.coin


@pytest.fixture(scope="module")
def registry(core, admin, coordinator, other_coordinator):
    """Registry with two centres (cap 10,000 coins a 30-day period), Seocho-style rules, one coordinator each."""
    reg = core.registry
    tx = {"from": admin}
    reg.addCentre(10_000 * COIN, 30 * DAY, tx)
    reg.addCentre(10_000 * COIN, 30 * DAY, tx)
    reg.addCoordinator(1, coordinator, tx)
    reg.addCoordinator(2, other_coordinator, tx)
    reg.setCategoryRule(VOLUNTEERING, 3 * COIN, 60, 8 * 60, True, tx)  # 3 coins per 60 minutes, 8 h max
    reg.setCategoryRule(CLASS, 1 * COIN, 1, 4, True, tx)  # 1 coin per class attended
    reg.setCategoryRule(RECYCLING, COIN // 10, 1, 100, True, tx)  # 0.1 coin per item
    return reg


@pytest.fixture(scope="module")
def redemption(core, admin, provider, charity):
    red = core.redemption
    red.grantRole(red.PROVIDER_ROLE(), provider, {"from": admin})
    red.grantRole(red.CHARITY_ROLE(), charity, {"from": admin})
    return red


@pytest.fixture
def bank(registry, coin, redemption, coordinator, chain, web3):
    return Bank(registry, coin, redemption, coordinator, chain, web3)


class Bank:
    """Builds activities with fresh serials and proves attestations from the chain's logs."""

    def __init__(self, registry, coin, redemption, coordinator, chain, web3):
        self.registry, self.coin, self.redemption = registry, coin, redemption
        self.coordinator, self.chain, self.web3 = coordinator, chain, web3
        self._next_serial = {1: 0, 2: 0}

    def activity(self, volunteer, units=60, category=VOLUNTEERING, centre=1, serial=None, time=None, evidence=None):
        if serial is None:
            serial = self._next_serial[centre]
        self._next_serial[centre] = max(self._next_serial[centre], serial + 1)
        return (
            activity_id(centre, serial, os.urandom(32)),
            str(volunteer),
            category,
            units,
            self.chain.time() - HOUR if time is None else time,
            evidence or os.urandom(32),
        )

    def attest(self, volunteer, units=60, category=VOLUNTEERING, sender=None, **kw):
        act = self.activity(volunteer, units, category, **kw)
        tx = self.registry.attest(act, {"from": sender or self.coordinator})
        return act, tx

    def unlock(self):
        """Lets time pass until every coin minted so far can move (two lock periods; the window is then shut)."""
        self.chain.sleep(2 * int(self.coin.lockPeriod()) + 1)
        self.chain.mine()

    def earn(self, volunteer, units=60, category=VOLUNTEERING, **kw):
        """Attests, then lets the coins unlock, for tests about spending them."""
        act, tx = self.attest(volunteer, units, category, **kw)
        self.unlock()
        return act, tx

    def records(self, activity_id_):
        centre, index, _ = page_of(bytes(activity_id_))
        return page_records_from_chain(self.web3, self.registry.address, centre, index)

    def record(self, activity_id_):
        return next(r for r in self.records(activity_id_) if r.id == bytes(activity_id_))

    def proof_args(self, activity_id_):
        """(attestation tuple, accBefore, laterLeaves) for revoke / verifyAttestation."""
        recs = self.records(activity_id_)
        rec = next(r for r in recs if r.id == bytes(activity_id_))
        proof = prove(recs, rec.id)
        return rec.as_tuple(), proof.acc_before, proof.later_leaves

    def revoke(self, activity_id_, sender=None, reason=b"\x11" * 32):
        att, acc, later = self.proof_args(activity_id_)
        return self.registry.revoke(att, acc, later, reason, {"from": sender or self.coordinator})


def sign_typed(private_key, contract, name, primary_type, fields, message, chain_id=None, verifying_contract=None):
    """Signs an EIP-712 message for `contract`'s domain (name, version "1"); returns 65 signature bytes."""
    from brownie import chain

    full = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            primary_type: [{"name": n, "type": t} for n, t in fields],
        },
        "primaryType": primary_type,
        "domain": {
            "name": name,
            "version": "1",
            "chainId": chain.id if chain_id is None else chain_id,
            "verifyingContract": verifying_contract or contract.address,
        },
        "message": message,
    }
    signed = Account.sign_message(encode_typed_data(full_message=full), private_key)
    return bytes(signed.signature)


def high_s(signature: bytes) -> bytes:
    """The malleable twin of a valid signature: s' = n - s with v flipped."""
    r, s, v = signature[:32], int.from_bytes(signature[32:64], "big"), signature[64]
    return r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])  # 27 <-> 28


ATTEST_FIELDS = [
    ("id", "bytes32"),
    ("volunteer", "address"),
    ("category", "uint16"),
    ("units", "uint32"),
    ("time", "uint40"),
    ("evidenceHash", "bytes32"),
    ("nonce", "uint256"),
    ("deadline", "uint256"),
]


# Redemption's signed requests (EIP-712 types under the domain "VolunteerBank Redemption", version 1).
REDEEM = [("resident", "address"), ("offerId", "uint256"), ("maxPrice", "uint256"), ("nonce", "uint256"), ("deadline", "uint256")]
DONATE = [("donor", "address"), ("charity", "address"), ("amount", "uint256"), ("nonce", "uint256"), ("deadline", "uint256")]
PAY = [
    ("payer", "address"),
    ("payee", "address"),
    ("amount", "uint256"),
    ("requestRef", "bytes32"),
    ("nonce", "uint256"),
    ("deadline", "uint256"),
]


def sign_attest(private_key, registry, activity, nonce, deadline, **kw):
    message = dict(zip([f for f, _ in ATTEST_FIELDS], list(activity) + [nonce, deadline]))
    return sign_typed(private_key, registry, "VolunteerBank ActivityRegistry", "Attest", ATTEST_FIELDS, message, **kw)


def sign_attest_batch(private_key, registry, centre_id, activities, nonce, deadline, chain_id=None,
                      verifying_contract=None):
    """A coordinator's signature of a sheet (attestBatchBySig), over the typed data the backend's mirror builds."""
    from brownie import chain

    data = attest_batch_typed_data(chain.id if chain_id is None else chain_id, verifying_contract or registry.address,
                                   centre_id, activities, nonce, deadline)
    return bytes(Account.sign_message(encode_typed_data(full_message=data), private_key).signature)


def error(name: str, *args) -> str:
    """A custom error as Brownie renders it: `Name: arg, arg` (addresses lowercase, bytes as reprs)."""

    def fmt(arg):
        if hasattr(arg, "address"):
            arg = arg.address
        if isinstance(arg, str) and arg.startswith("0x") and len(arg) == 42:
            return arg.lower()
        if isinstance(arg, (bytes, bytearray)):
            return str(bytes(arg))
        if isinstance(arg, str) and arg.startswith("0x"):
            return str(bytes.fromhex(arg[2:]))
        return str(arg)

    return f"{name}: {', '.join(fmt(a) for a in args)}"


def plain(value):
    """Brownie return values (Wei, HexString, EthAddress, ReturnValue) as plain ints, bytes, str, lists."""
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str) and value.startswith("0x"):
        return value if len(value) == 42 else bytes.fromhex(value[2:])
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return value
