"""A reorganisation under the writer and the indexer (Anvil's snapshot/revert replaces the newest blocks): a
confirmed-looking transaction that vanishes is sent again; the indexer drops what it saw and indexes anew."""

from __future__ import annotations

import pytest
from conftest import COIN
from nodes import start_node
from sqlalchemy import select
from test_node_restart import manifest_dir  # noqa: F401  (deploys to this module's node)
from test_worker_faults import assert_exactly_once, queue, wait_confirmed

from backend.store.models import ChainTx


@pytest.fixture(scope="module")
def node():
    n = start_node("anvil")
    yield n
    n.stop()


def rpc(backend, method, *params):
    return backend.node.web3.provider.make_request(method, list(params))["result"]


def test_a_mined_batch_reorganised_out_is_sent_again(backend, coord1):
    backend.writer.settings = backend.settings.model_copy(update={"confirmations": 3})
    try:
        supply = backend.chain.coin.functions.totalSupply().call()
        snapshot = rpc(backend, "evm_snapshot")
        ids, total = queue(backend, coord1, 4)
        backend.writer.dispatch(1, flush=True)
        backend.writer.track()
        with backend.sessions() as s:
            tx = s.scalars(select(ChainTx).order_by(ChainTx.id.desc())).first()
            assert tx.status == "mined"  # 1 confirmation of 3
        assert rpc(backend, "evm_revert", snapshot)  # the block with our transaction is gone
        rpc(backend, "anvil_mine", "0x1")  # another block at that height
        backend.writer.track()  # no receipt any more: sent again, same nonce and signature
        rpc(backend, "anvil_mine", "0x3")
        backend.writer.track()
        rows = wait_confirmed(backend, ids, timeout=10)
        assert_exactly_once(backend, rows, supply, total)
    finally:
        backend.writer.settings = backend.settings


def test_the_indexer_drops_reorganised_events(backend, coord1):
    backend.drain()
    volunteer_ids, _ = queue(backend, coord1, 1)
    snapshot = rpc(backend, "evm_snapshot")
    backend.drain()  # confirmed (1 confirmation) and indexed
    with backend.sessions() as s:
        from backend.store.models import Activity

        volunteer = s.get(Activity, volunteer_ids[0]).resident.address
    assert backend.http.get(f"/balances/{volunteer}").json()["balance"] == str(3 * COIN)
    rpc(backend, "evm_revert", snapshot)
    rpc(backend, "anvil_mine", "0x2")
    while backend.indexer.step():
        pass
    assert backend.http.get(f"/balances/{volunteer}").json()["balance"] == "0"
    assert backend.http.get(f"/history/{volunteer}").json() == []
