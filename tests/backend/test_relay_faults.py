"""The generic sender under faults: the worker killed with SIGKILL just before and just after broadcasting a relayed
request, then restarted. The request ends on-chain exactly once, and the resident's nonce is used once."""

from __future__ import annotations

import time

import pytest
from conftest import COIN, RELAYER_INDEX
from residents_helpers import new_wallet, sign_in, sign_request
from test_residents import earn
from test_worker_faults import start_worker

from backend.chain.keys import dev_key
from backend.store.models import ChainOp, ChainTx


def relay_env(backend) -> dict:
    s = backend.settings
    return {"VB_DEV_RELAYER_KEY": dev_key(RELAYER_INDEX).key.hex(), "VB_DEV_ADMIN_KEY": s.dev_admin_key,
            "VB_DEV_PROVIDER_KEYS": s.dev_provider_keys}


def wait_op(backend, op_id: int, timeout: float = 90) -> ChainOp:
    deadline = time.monotonic() + timeout
    while True:
        with backend.sessions() as s:
            op = s.get(ChainOp, op_id)
            s.expunge_all()
        if op.state in ("confirmed", "failed"):
            return op
        assert time.monotonic() < deadline, op.state
        time.sleep(0.2)


@pytest.mark.parametrize("point", ["before_broadcast", "after_broadcast"])
def test_relay_survives_a_crash_at_the_broadcast(backend, coord1, point):
    alice, bob = new_wallet(), new_wallet()
    earn(backend, coord1, alice.address)
    me = sign_in(backend, alice)
    ref = "0x" + bytes.fromhex(point.encode().hex().ljust(64, "0")).hex()
    r = backend.http.post("/me/pay", json=sign_request(backend, alice, "pay", 0, payee=bob.address, amount=COIN,
                                                       request_ref=ref), headers=me)
    assert r.status_code == 202, r.text
    crashed = start_worker(backend, VB_FAULT=point, **relay_env(backend))
    out, _ = crashed.communicate(timeout=120)
    assert crashed.returncode == -9, out
    with backend.sessions() as s:
        op = s.get(ChainOp, r.json()["id"])
        assert op.state == "in_tx" and s.get(ChainTx, op.chain_tx_id).status == "signed"  # recorded before broadcast

    worker = start_worker(backend, **relay_env(backend))
    try:
        op = wait_op(backend, r.json()["id"])
    finally:
        worker.terminate()
        worker.communicate(timeout=30)
    assert op.state == "confirmed", op.error
    logs = backend.chain.redemption.events.ServicePaid.get_logs(from_block=0, argument_filters={"payer": alice.address})
    assert len(logs) == 1 and logs[0].args.amount == COIN
    assert backend.chain.redemption.functions.nonces(alice.address).call() == 1
    assert backend.chain.coin.functions.balanceOf(bob.address).call() == COIN


def _pending_relay(backend, coord1, ref_byte: str):
    alice, bob = new_wallet(), new_wallet()
    earn(backend, coord1, alice.address)
    me = sign_in(backend, alice)
    body = sign_request(backend, alice, "pay", 0, payee=bob.address, amount=COIN, request_ref="0x" + ref_byte * 32)
    r = backend.http.post("/me/pay", json=body, headers=me)
    assert r.status_code == 202, r.text
    return alice, bob, body, r.json()["id"]


def test_a_stuck_relay_is_replaced_with_a_higher_fee_and_mined_once(backend, coord1):
    web3 = backend.node.web3
    alice, bob, _, op_id = _pending_relay(backend, coord1, "a1")
    web3.provider.make_request("evm_setAutomine", [False])
    try:
        backend.sender.settings = backend.settings.model_copy(update={"stuck_after_s": 0.5})
        backend.sender.step()  # signed, recorded, broadcast; not mined
        with backend.sessions() as s:
            tx = s.get(ChainTx, s.get(ChainOp, op_id).chain_tx_id)
            first_hash, first_fee = tx.attempts[0].tx_hash, int(tx.attempts[0].max_fee)
        time.sleep(0.6)
        backend.sender.track()  # stuck: replaced with the relayer's key, same nonce
        with backend.sessions() as s:
            tx = s.get(ChainTx, tx.id)
            assert len(tx.attempts) == 2 and int(tx.attempts[1].max_fee) >= first_fee * 1.13 - 1
    finally:
        backend.sender.settings = backend.settings
        web3.provider.make_request("evm_setAutomine", [True])
        web3.provider.make_request("evm_mine", [])
    backend.drain()
    op = wait_op(backend, op_id)
    assert op.state == "confirmed" and op.tx_hash != first_hash
    assert len(backend.chain.redemption.events.ServicePaid.get_logs(from_block=0, argument_filters={"payer": alice.address})) == 1
    assert backend.chain.coin.functions.balanceOf(bob.address).call() == COIN


def test_a_request_relayed_first_by_someone_else_counts_once(backend, coord1):
    """Anyone may relay a signature: another relayer's copy is mined before ours, which then reverts. The payment
    happened once; the operation says what happened."""
    web3 = backend.node.web3
    alice, bob, body, op_id = _pending_relay(backend, coord1, "b2")
    web3.provider.make_request("evm_setAutomine", [False])
    try:
        backend.sender.step()  # ours: broadcast, pending
        other = web3.eth.accounts[6]
        backend.chain.redemption.functions.payForServiceBySig(
            alice.address, bob.address, COIN, bytes.fromhex("b2" * 32), body["deadline"], bytes.fromhex(body["signature"][2:])
        ).transact({"from": other, "maxPriorityFeePerGas": 50 * 10**9, "maxFeePerGas": 100 * 10**9})
    finally:
        web3.provider.make_request("evm_setAutomine", [True])
        web3.provider.make_request("evm_mine", [])
    backend.drain()
    op = wait_op(backend, op_id)
    assert op.state == "failed" and "relayed by someone else" in op.error
    logs = backend.chain.redemption.events.ServicePaid.get_logs(from_block=0, argument_filters={"payer": alice.address})
    assert len(logs) == 1 and backend.chain.coin.functions.balanceOf(bob.address).call() == COIN
