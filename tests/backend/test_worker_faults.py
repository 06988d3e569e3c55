"""The chain writer under faults: killed with SIGKILL around the broadcast and restarted; a transaction left
pending and replaced. Each ends with every approved activity attested exactly once and the supply the rules give."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from conftest import ROOT, activity_body, new_resident
from nodes import command_env
from sqlalchemy import select

from backend.chain.attestation_pages import ACTIVITY_ATTESTED_TOPIC
from backend.store.models import Activity, ChainTx


def worker_env(backend, **extra) -> dict:
    s = backend.settings
    return command_env(DATABASE_URL=s.database_url, VB_RPC_URL=s.rpc_url, VB_DEPLOYMENTS_DIR=str(s.deployments_dir),
                       VB_DEV_CENTRE_KEYS=s.dev_centre_keys, VB_KEYSTORE_DIR=str(s.keystore_dir),
                       VB_BATCH_MAX_WAIT_S="0", VB_POLL_INTERVAL_S="0.05",
                       VB_LEASE_S="1", **extra)  # a killed worker's lease runs out within a second


def start_worker(backend, **extra) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "backend.worker"], cwd=ROOT, env=worker_env(backend, **extra),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def queue(backend, headers, n: int) -> tuple[list[int], int]:
    ids, total = [], 0
    for _ in range(n):
        r = backend.http.post("/activities", json=activity_body(new_resident(backend), approve=True, units=60), headers=headers)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
        total += int(r.json()["reward"])
    return ids, total


def attested_logs(backend, chain_id_hex: str) -> int:
    return len(backend.node.web3.eth.get_logs({
        "address": backend.chain.registry.address, "fromBlock": 0, "toBlock": "latest",
        "topics": [ACTIVITY_ATTESTED_TOPIC, bytes.fromhex(chain_id_hex[2:])]}))


def wait_confirmed(backend, ids: list[int], timeout: float = 90) -> list[Activity]:
    deadline = time.monotonic() + timeout
    while True:
        with backend.sessions() as s:
            rows = list(s.scalars(select(Activity).where(Activity.id.in_(ids))))
            s.expunge_all()
        if all(a.status == "confirmed" for a in rows):
            return rows
        assert time.monotonic() < deadline, {a.id: a.status for a in rows}
        time.sleep(0.2)


def assert_exactly_once(backend, rows: list[Activity], supply_before: int, total: int) -> None:
    for a in rows:
        assert attested_logs(backend, a.chain_id_hex) == 1, a.id
    assert backend.chain.coin.functions.totalSupply().call() - supply_before == total


@pytest.mark.parametrize("point", ["after_broadcast", "before_broadcast"])
def test_worker_killed_at_the_broadcast_then_restarted(backend, coord1, point):
    supply = backend.chain.coin.functions.totalSupply().call()
    ids, total = queue(backend, coord1, 12)
    crashed = start_worker(backend, VB_FAULT=point)
    out, _ = crashed.communicate(timeout=120)
    assert crashed.returncode == -9, out  # SIGKILL, no clean-up
    with backend.sessions() as s:
        statuses = [t.status for t in s.scalars(select(ChainTx).order_by(ChainTx.id.desc())).all()]
    assert statuses[0] == "signed"  # recorded before the broadcast, the status update never happened

    worker = start_worker(backend)
    try:
        rows = wait_confirmed(backend, ids)
    finally:
        worker.terminate()
        worker.wait(30)
    assert worker.returncode == 0
    assert_exactly_once(backend, rows, supply, total)


def test_a_pending_transaction_is_replaced_with_a_higher_fee(backend, coord1):
    web3 = backend.node.web3
    supply = backend.chain.coin.functions.totalSupply().call()
    ids, total = queue(backend, coord1, 5)
    web3.provider.make_request("evm_setAutomine", [False])
    try:
        backend.writer.settings = backend.settings.model_copy(update={"stuck_after_s": 0.5})
        backend.writer.dispatch(1, flush=True)
        with backend.sessions() as s:
            tx = s.scalars(select(ChainTx).order_by(ChainTx.id.desc())).first()
            first_hash, first_fee = tx.attempts[0].tx_hash, int(tx.attempts[0].max_fee)
        time.sleep(0.6)
        backend.writer.track()  # stuck: replaced
        with backend.sessions() as s:
            tx = s.get(ChainTx, tx.id)
            assert len(tx.attempts) == 2
            second_fee = int(tx.attempts[1].max_fee)
            assert second_fee >= first_fee * 1.13 - 1 and tx.attempts[1].tx_hash != first_hash
            assert tx.nonce == s.get(ChainTx, tx.id).nonce
    finally:
        web3.provider.make_request("evm_setAutomine", [True])
        web3.provider.make_request("evm_mine", [])
        backend.writer.settings = backend.settings
    backend.drain()
    rows = wait_confirmed(backend, ids)
    mined = {a.tx_hash for a in rows}
    assert len(mined) == 1 and first_hash not in mined  # the replacement was mined, the original dropped
    assert_exactly_once(backend, rows, supply, total)


def test_a_replacement_sent_by_another_process_is_recognised(backend, coord1):
    """The same nonce and data, signed with the centre's key elsewhere (another process, an operator), mined
    instead of ours: the writer finds none of its hashes mined, sees the nonce used, and asks the registry."""
    from backend.chain.lifecycle import _decode_raw

    web3 = backend.node.web3
    supply = backend.chain.coin.functions.totalSupply().call()
    ids, total = queue(backend, coord1, 3)
    web3.provider.make_request("evm_setAutomine", [False])
    try:
        backend.writer.dispatch(1, flush=True)
        with backend.sessions() as s:
            tx = s.scalars(select(ChainTx).order_by(ChainTx.id.desc())).first()
            fields = _decode_raw(tx.attempts[0].raw_tx)
        fields.update(maxFeePerGas=fields["maxFeePerGas"] * 2, maxPriorityFeePerGas=fields["maxPriorityFeePerGas"] * 2)
        foreign = backend.writer.signers[1].sign_transaction(fields)
        web3.eth.send_raw_transaction(foreign.raw_transaction)
    finally:
        web3.provider.make_request("evm_setAutomine", [True])
        web3.provider.make_request("evm_mine", [])
    backend.drain()
    rows = wait_confirmed(backend, ids, timeout=10)
    foreign_hash = "0x" + bytes(foreign.hash).hex()
    assert {a.tx_hash for a in rows} == {foreign_hash}  # the transaction that actually attested them
    with backend.sessions() as s:
        assert s.get(ChainTx, tx.id).status == "dropped"
    assert_exactly_once(backend, rows, supply, total)
