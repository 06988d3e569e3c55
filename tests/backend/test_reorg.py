"""A reorganisation under the writer and the indexer (Anvil's snapshot/revert replaces the newest blocks): a
confirmed-looking transaction that vanishes is sent again; the indexer drops what it saw and indexes anew, from the
fork point however long its step was, and never keeps logs read from another branch than its headers (a reorganisation
made between two of its calls through tests/chaos_proxy.py)."""

from __future__ import annotations

import pytest
from chaos_proxy import ChaosProxy
from conftest import COIN, activity_body, new_resident
from nodes import start_node
from sqlalchemy import select
from test_chaos import attest_behind_the_backs_of, proxied_writer
from test_node_restart import manifest_dir  # noqa: F401  (deploys to this module's node)
from test_worker_faults import assert_exactly_once, attested_logs, queue, wait_confirmed

from backend.chain.client import ChainClient
from backend.chain.indexer import ChainMoved, Indexer
from backend.store.models import ChainTx, KeyValue

CONFIRM_WAIT_S = 60  # a wait, not a deadline: on a machine busy with other test streams ten seconds ran out


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
        rows = wait_confirmed(backend, ids, timeout=CONFIRM_WAIT_S)
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


# ---------------------------------------------------------------------------- the indexer's view of the chain

@pytest.fixture(scope="module")
def chaos(backend):
    p = ChaosProxy(backend.node.url)
    yield p
    p.close()


def approved(backend, coord1) -> tuple[int, str]:
    """An approved activity of a fresh volunteer, queued and not sent: (its id, the volunteer's address)."""
    volunteer = new_resident(backend)
    r = backend.http.post("/activities", json=activity_body(volunteer, approve=True), headers=coord1)
    assert r.status_code == 201, r.text
    return r.json()["id"], volunteer


def index(indexer) -> None:
    while indexer.step():
        pass


def cursor(backend) -> int:
    with backend.sessions() as s:
        return int(s.get(KeyValue, "indexer.next_block").value)


def balance(backend, address: str) -> str:
    return backend.http.get(f"/balances/{address}").json()["balance"]


def test_a_reorganisation_under_a_long_step_rolls_back_from_its_fork_point_only(backend, coord1):
    backend.drain()
    activity_id, volunteer = approved(backend, coord1)
    rpc(backend, "anvil_mine", hex(497))
    snapshot = rpc(backend, "evm_snapshot")
    fork = backend.node.web3.eth.block_number + 1
    attest_behind_the_backs_of(backend, activity_id)  # block `fork`
    rpc(backend, "anvil_mine", "0x2")
    head = backend.node.web3.eth.block_number
    start = cursor(backend)
    assert head - start + 1 >= 500
    assert backend.indexer.step() and cursor(backend) == head + 1  # the 500-odd blocks in one step
    assert balance(backend, volunteer) != "0"

    rpc(backend, "evm_revert", snapshot)  # the newest three blocks replaced by four others
    rpc(backend, "anvil_mine", "0x4")
    assert backend.indexer.step()  # the rollback
    assert cursor(backend) == fork  # not the deployment block, not the step's start
    index(backend.indexer)
    assert balance(backend, volunteer) == "0"
    assert backend.http.get(f"/history/{volunteer}").json() == []
    backend.drain()  # the activity, no longer on-chain, is sent by the writer: attested once
    assert balance(backend, volunteer) != "0"
    assert attested_logs(backend, backend.activity(activity_id).chain_id_hex) == 1


def proxied_indexer(backend, chaos) -> Indexer:
    return Indexer(backend.sessions, ChainClient(backend.settings.model_copy(update={"rpc_url": chaos.url})))


def test_a_reorganisation_just_after_a_steps_logs_were_read_keeps_nothing_of_them(backend, coord1, chaos):
    """Logs read from one branch, then the chain switches: reading the last block's hash after the logs (as the
    indexer did) would store the new branch's hash with the old branch's events, and never notice."""
    backend.drain()
    indexer = proxied_indexer(backend, chaos)
    activity_id, volunteer = approved(backend, coord1)
    snapshot = rpc(backend, "evm_snapshot")
    attest_behind_the_backs_of(backend, activity_id)
    before = cursor(backend)

    def reorganise():
        rpc(backend, "evm_revert", snapshot)
        rpc(backend, "anvil_mine", "0x2")  # the same heights, without the attestation

    chaos.reset().around("eth_getLogs", "after", reorganise)
    with pytest.raises(ChainMoved):
        indexer.step()
    assert chaos.injected["after_eth_getLogs"] == 1
    assert cursor(backend) == before and backend.http.get(f"/history/{volunteer}").json() == []
    index(indexer)
    assert balance(backend, volunteer) == "0" and cursor(backend) == backend.node.web3.eth.block_number + 1
    backend.drain()
    assert balance(backend, volunteer) != "0"


def test_a_log_whose_block_hash_is_not_its_headers_is_never_inserted(backend, coord1, chaos):
    """The chain switches between the step's headers and its logs, and the new branch has an event at the same
    height: the log carries the new block's hash, not the header's."""
    backend.drain()
    indexer = proxied_indexer(backend, chaos)
    first, first_volunteer = approved(backend, coord1)
    second, second_volunteer = approved(backend, coord1)
    snapshot = rpc(backend, "evm_snapshot")
    attest_behind_the_backs_of(backend, first)
    before = cursor(backend)

    def reorganise():
        rpc(backend, "evm_revert", snapshot)
        attest_behind_the_backs_of(backend, second)  # another attestation at the same height

    chaos.reset().around("eth_getLogs", "before", reorganise)
    with pytest.raises(ChainMoved, match="carries hash"):
        indexer.step()
    assert cursor(backend) == before
    assert backend.http.get(f"/history/{second_volunteer}").json() == []
    index(indexer)
    assert balance(backend, first_volunteer) == "0" and balance(backend, second_volunteer) != "0"
    backend.drain()
    assert balance(backend, first_volunteer) != "0"


def test_a_confirmed_batch_reorganised_out_before_it_is_final_is_sent_again_with_its_serials(backend, coord1):
    """Confirmed at the network's depth (1 here) but not final (Anvil's finalized block is 64 below its head): the
    block leaves the chain, the batch is followed again and the same signed transaction mined again — no new serial,
    no second mint, no new nonce."""
    backend.drain()
    supply = backend.chain.coin.functions.totalSupply().call()
    with backend.sessions() as s:
        txs_before = s.query(ChainTx).count()
    snapshot = rpc(backend, "evm_snapshot")
    ids, total = queue(backend, coord1, 3)
    backend.writer.dispatch(1, flush=True)
    backend.writer.track()
    rows = wait_confirmed(backend, ids, timeout=CONFIRM_WAIT_S)
    serials = {a.id: a.serial for a in rows}
    with backend.sessions() as s:
        tx = s.scalars(select(ChainTx).order_by(ChainTx.id.desc())).first()
        tx_id, first_block = tx.id, tx.block_number
        assert (tx.status, tx.final) == ("confirmed", False)

    assert rpc(backend, "evm_revert", snapshot)
    rpc(backend, "anvil_mine", "0x2")
    backend.writer.track()  # its block is gone: reopened, and the same bytes broadcast again
    assert {backend.activity(i).status for i in ids} <= {"submitted", "confirmed"}
    backend.writer.track()
    rows = wait_confirmed(backend, ids, timeout=CONFIRM_WAIT_S)
    assert {a.id: a.serial for a in rows} == serials
    assert_exactly_once(backend, rows, supply, total)
    with backend.sessions() as s:
        assert s.query(ChainTx).count() == txs_before + 1  # the same chain transaction, the same nonce
        tx = s.get(ChainTx, tx_id)
        assert tx.status == "confirmed" and tx.block_number != first_block and not tx.final

    rpc(backend, "anvil_mine", hex(70))  # past Anvil's finalized block
    backend.writer.track()
    with backend.sessions() as s:
        assert s.get(ChainTx, tx_id).final


def test_with_depth_finality_a_batch_is_final_at_its_confirmations(backend, coord1):
    backend.writer.settings = backend.settings.model_copy(update={"finality": "depth"})
    try:
        ids, _ = queue(backend, coord1, 1)
        backend.drain()
        backend.writer.track()
        with backend.sessions() as s:
            assert s.scalars(select(ChainTx).order_by(ChainTx.id.desc())).first().final
    finally:
        backend.writer.settings = backend.settings


def test_logs_lagging_the_state_are_never_passed_by(backend, coord1, chaos):
    """A provider whose log index trails its state answers the newest blocks' range without their logs, and no error:
    the block's header (its logsBloom) says it may hold our logs, so the indexer asks for it by hash; the provider
    does not know it yet, and the step waits instead of passing the block by."""
    backend.drain()
    indexer = proxied_indexer(backend, chaos)
    activity_id, volunteer = approved(backend, coord1)
    attest_behind_the_backs_of(backend, activity_id)
    before = cursor(backend)
    chaos.reset(logs_lag=3)
    with pytest.raises(ValueError, match="unknown block"):
        indexer.step()
    assert chaos.injected["logs_lagged"] >= 2 and cursor(backend) == before
    rpc(backend, "anvil_mine", "0x3")  # the log index reaches the block
    index(indexer)
    assert balance(backend, volunteer) != "0"
    chaos.reset()
    backend.drain()  # the writer recognises the activity as attested


def test_a_block_missing_from_a_lagging_range_is_read_by_its_hash(backend, coord1, chaos):
    backend.drain()
    indexer = proxied_indexer(backend, chaos)
    activity_id, volunteer = approved(backend, coord1)
    attest_behind_the_backs_of(backend, activity_id)
    chaos.reset(logs_lag=3, logs_lag_by_hash=False)
    assert indexer.step() and cursor(backend) == backend.node.web3.eth.block_number + 1
    assert chaos.injected["logs_lagged"] >= 1
    assert balance(backend, volunteer) != "0"
    chaos.reset()
    backend.drain()


def test_a_confirmed_operation_reorganised_out_before_it_is_final_is_sent_again(backend):
    """The sender's side of the re-check: a provider's offer, confirmed, its block replaced; it is followed again,
    the same transaction mined again, and the offer exists once."""
    gym = backend.login("gym")
    backend.drain()
    offers_before = backend.chain.redemption.functions.offerCount().call()
    snapshot = rpc(backend, "evm_snapshot")
    r = backend.http.post("/provider/offers", json={"title": "Pool day pass", "price": str(COIN), "capacity": 5},
                          headers=gym)
    assert r.status_code == 202, r.text
    op_id = r.json()["id"]
    backend.drain()
    first = backend.http.get(f"/operations/{op_id}", headers=gym).json()
    assert first["state"] == "confirmed", first

    assert rpc(backend, "evm_revert", snapshot)
    rpc(backend, "anvil_mine", "0x2")
    assert backend.chain.redemption.functions.offerCount().call() == offers_before  # gone from the chain
    backend.sender.step()  # reopened: in flight again, the same bytes sent again
    backend.drain()
    again = backend.http.get(f"/operations/{op_id}", headers=gym).json()
    assert again["state"] == "confirmed" and again["result"] == first["result"]
    assert backend.chain.redemption.functions.offerCount().call() == offers_before + 1


def test_a_newer_intact_block_does_not_vouch_for_an_older_confirmation_of_another_branch(backend, coord1, coord2,
                                                                                           chaos):
    """Two senders: the writer's batch confirmed on one branch; the chain replaced, and the re-check's look at its block
    answered by a backend that had not seen it yet (so not reopened then); meanwhile another centre's batch confirmed on
    the new branch, higher up. That newer block is intact, but it says nothing of a row written on the old branch: the
    first batch is still found gone, sent again, and never made final while absent."""
    writer = proxied_writer(backend, chaos)
    backend.drain()
    supply = backend.chain.coin.functions.totalSupply().call()
    snapshot = rpc(backend, "evm_snapshot")
    first, first_total = queue(backend, coord1, 2)
    writer.dispatch(1, flush=True)
    writer.track()
    wait_confirmed(backend, first, timeout=CONFIRM_WAIT_S)
    with backend.sessions() as s:
        old = s.scalars(select(ChainTx).order_by(ChainTx.id.desc())).first()
        old_id, old_block = old.id, old.block_number

    assert rpc(backend, "evm_revert", snapshot)
    rpc(backend, "anvil_mine", "0x3")  # the new branch is longer than the old block's height
    second, second_total = [], 0
    for _ in range(2):
        r = backend.http.post("/activities", headers=coord2, json=activity_body(
            new_resident(backend), centre_id=2, approve=True, units=60))
        assert r.status_code == 201, r.text
        second.append(r.json()["id"])
        second_total += int(r.json()["reward"])
    writer.dispatch(2, flush=True)  # centre 2 signs with its own key: mined at once, above the old block
    # The re-check asks for the finalized block, then for the old block's: that second answer comes from a backend
    # that has not seen it yet.
    chaos.reset().around("eth_getBlockByNumber", "after", lambda: chaos.fail("eth_getBlockByNumber", "behind"))
    writer.track()
    wait_confirmed(backend, second, timeout=CONFIRM_WAIT_S)
    with backend.sessions() as s:
        newer = s.scalars(select(ChainTx).order_by(ChainTx.id.desc())).first()
        assert newer.block_number > old_block and s.get(ChainTx, old_id).status == "confirmed"

    writer.track()  # the old row is checked on its own: gone, reopened, its bytes sent again
    writer.track()
    rows = wait_confirmed(backend, first + second, timeout=CONFIRM_WAIT_S)
    assert_exactly_once(backend, rows, supply, first_total + second_total)
    rpc(backend, "anvil_mine", hex(70))
    writer.track()
    with backend.sessions() as s:
        row = s.get(ChainTx, old_id)
        assert row.final and row.block_number != old_block
        assert backend.node.web3.eth.get_transaction_receipt(row.tx_hash)["blockNumber"] == row.block_number
