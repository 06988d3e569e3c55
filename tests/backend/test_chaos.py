"""The log reader and the chain writer through a fault-injecting RPC proxy (tests/chaos_proxy.py) in front of the
test's Anvil, as a hosted provider misbehaves: results cut short without a word, rate limits and timeouts, logs lagging
the state, broadcasts dropped or delayed, a revocation whose page cannot be read.

Each test shows the fault was injected (the proxy's counters) and that nothing was lost, failed or minted twice.
"""

from __future__ import annotations

import time

import pytest
from conftest import activity_body
from eth_account import Account
from sqlalchemy.orm import selectinload
from web3 import Web3

from backend.chain.attestation_pages import ACTIVITY_ATTESTED_TOPIC
from backend.chain.client import ChainClient
from backend.chain.keys import dev_key
from backend.chain.logs import LogReader, LogsIncomplete, logs_rpc
from backend.chain.writer import ChainWriter, activity_tuple
from backend.store.models import Activity, ChainOp, OutboxItem
from chaos_proxy import ChaosProxy
from test_log_reader import contracts, reference_logs, rpc


@pytest.fixture(scope="module")
def chaos(backend):
    p = ChaosProxy(backend.node.url)
    yield p
    p.close()





def record(backend, headers, count: int, centre: int = 1, approve: bool = True) -> list[int]:
    ids = []
    for _ in range(count):
        r = backend.http.post("/activities", headers=headers,
                              json=activity_body(Account.create().address, centre_id=centre, approve=approve))
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    return ids


def proxied_writer(backend, chaos) -> ChainWriter:
    """A chain writer whose every call goes through the proxy, with short timeouts and pauses."""
    settings = backend.settings.model_copy(update={"rpc_url": chaos.url, "rpc_timeout_s": 1.0})
    client = ChainClient(settings)
    client.logs.backoff_s, client.logs.max_backoff_s = 0.01, 0.05
    return ChainWriter(settings, backend.sessions, client, backend.writer.signers)


def drain(backend, writer: ChainWriter, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for centre in sorted(writer.signers):
            writer.dispatch(centre, flush=True)
        writer.track()
        with backend.sessions() as s:
            open_items = s.query(OutboxItem).filter(OutboxItem.state.in_(("queued", "in_tx"))).count()
            open_items += s.query(ChainOp).filter(ChainOp.state.in_(("queued", "in_tx"))).count()
        if not open_items:
            return
        time.sleep(0.05)
    raise AssertionError("the outbox did not drain")


def attestations_of(backend, activity: Activity) -> int:
    """ActivityAttested logs for the activity's record under any serial: its id's low 160 bits are the record's."""
    low = activity.chain_id_hex[-40:]
    return sum(1 for e in reference_logs(backend, backend.chain.deployment.deployment_block,
                                         backend.node.web3.eth.block_number, ["0x" + ACTIVITY_ATTESTED_TOPIC.hex()])
               if e["topics"][1].hex()[-40:] == low)


@pytest.fixture(scope="module")
def history(backend, coord1, coord2):
    """Attestations of both centres over a hundred-odd blocks (other modules' blocks come before on the shared node)."""
    first = backend.node.web3.eth.block_number + 1
    for round_ in range(4):
        record(backend, coord1, 3)
        record(backend, coord2, 2, centre=2)
        backend.drain()
        rpc(backend, "anvil_mine", hex(20 + 9 * round_))
    return first, backend.node.web3.eth.block_number


def reader_through(chaos, **options) -> LogReader:
    provider = Web3.HTTPProvider(chaos.url, request_kwargs={"timeout": 1.0})
    return LogReader(logs_rpc(provider), span=10_000, backoff_s=0.01, max_backoff_s=0.05, **options)


def cap_for(logs: list[dict]) -> int:
    """A result cap above the densest block (a single block is never cut) and below the whole."""
    per_block: dict[int, int] = {}
    for e in logs:
        per_block[e["blockNumber"]] = per_block.get(e["blockNumber"], 0) + 1
    return max(per_block.values()) + 1


def test_silently_truncated_answers_are_found_and_read_again_in_smaller_ranges(backend, history, chaos):
    start, head = history
    expected = reference_logs(backend, start, head)
    cap = cap_for(expected)
    assert len(expected) > 3 * cap

    # The fault is real: a reader that trusts the answer loses events without an error.
    chaos.reset(logs_max_results=cap, logs_truncate=True)
    assert len(reader_through(chaos).logs(start, head, contracts(backend))) == cap
    assert chaos.injected["logs_truncated"] == 1

    # Verifying each answer against its halves finds the cut, learns the cap and reads everything.
    chaos.reset(logs_max_results=cap, logs_truncate=True)
    reader = reader_through(chaos, verify=True)
    assert reader.logs(start, head, contracts(backend)) == expected
    assert chaos.injected["logs_truncated"] > 0 and reader.results_cap == cap and reader.stats["cut"] > 0
    # Once learnt, answers below the cap are complete by definition: a second read needs no halves.
    verified = reader.stats["verified"]
    assert reader.logs(start, head, contracts(backend)) == expected
    assert reader.stats["verified"] == verified

    # A provider's documented cap, configured: answers of that size are split, nothing else is asked twice.
    chaos.reset(logs_max_results=cap, logs_truncate=True)
    reader = reader_through(chaos, results_cap=cap)
    assert reader.logs(start, head, contracts(backend)) == expected
    assert reader.stats["verified"] == 0


def test_a_block_holding_as_many_logs_as_the_cap_is_read_from_its_receipts(backend, history, chaos):
    """A cap learnt (or configured) below what one block holds: no smaller range exists to ask for, so the block's
    logs come from its transactions' receipts, complete — not a refusal that stops the reader for good."""
    start, head = history
    expected = reference_logs(backend, start, head)
    per_block: dict[int, int] = {}
    for e in expected:
        per_block[e["blockNumber"]] = per_block.get(e["blockNumber"], 0) + 1
    densest = max(per_block, key=per_block.get)
    cap = per_block[densest] - 1
    assert cap >= 1
    chaos.reset(logs_max_results=cap, logs_truncate=True)
    reader = reader_through(chaos, results_cap=cap)
    assert reader.logs(densest, densest, contracts(backend)) == [e for e in expected if e["blockNumber"] == densest]
    assert reader.stats["from_receipts"] == 1
    assert reader.logs(start, head, contracts(backend)) == expected  # the whole range, each dense block the same way
    topics = [ACTIVITY_ATTESTED_TOPIC]
    assert reader.logs(densest, densest, backend.chain.registry.address, topics) == [
        e for e in expected if e["blockNumber"] == densest and e["topics"][0] == ACTIVITY_ATTESTED_TOPIC]


def test_range_and_result_refusals_shrink_the_span_and_it_grows_back(backend, history, chaos):
    start, head = history
    expected = reference_logs(backend, start, head)
    chaos.reset(logs_max_blocks=25, logs_max_results=cap_for(expected))
    reader = reader_through(chaos)
    assert reader.logs(start, head, contracts(backend)) == expected
    assert chaos.injected["logs_range_refused"] > 0 and reader.span <= 25
    chaos.reset()
    reader.logs(start, head, contracts(backend))
    reader.logs(start, head, contracts(backend))
    assert reader.span > 25  # the limit gone, the span grows again after successes


@pytest.mark.parametrize("kind", ["429", "timeout"])
def test_rate_limits_and_timeouts_on_logs_are_retried(backend, history, chaos, kind):
    start, head = history
    expected = reference_logs(backend, start, head)
    chaos.reset().fail("eth_getLogs", kind, count=3, seconds=1.5 if kind == "timeout" else 0)
    assert reader_through(chaos).logs(start, head, contracts(backend)) == expected
    assert chaos.injected[kind] == 3


def test_a_rate_limited_or_timed_out_estimate_fails_no_activity(backend, coord1, chaos):
    writer = proxied_writer(backend, chaos)
    ids = record(backend, coord1, 3)
    chaos.reset().fail("eth_estimateGas", "429", count=50)
    with pytest.raises(Exception):
        writer.dispatch(1, flush=True)
    chaos.reset().fail("eth_estimateGas", "timeout", count=50, seconds=1.5)
    with pytest.raises(Exception):
        writer.dispatch(1, flush=True)
    assert all(backend.activity(i).status == "approved" for i in ids)
    chaos.reset()
    drain(backend, writer)
    assert [backend.activity(i).status for i in ids] == ["confirmed"] * 3


def attest_behind_the_backs_of(backend, activity_id: int) -> str:
    """Attests the approved activity with its centre's key straight on the node, as a lost worker (or a database
    restored from before it was sent) leaves it: on-chain, and queued in the database."""
    with backend.sessions() as s:
        a = s.query(Activity).options(selectinload(Activity.resident)).filter_by(id=activity_id).one()
        act = activity_tuple(a)
    web3, key = backend.node.web3, dev_key(a.centre_id)
    tx = backend.chain.registry.functions.attest(act).build_transaction(
        {"from": key.address, "nonce": web3.eth.get_transaction_count(key.address, "pending"), "gas": 500_000})
    tx_hash = web3.eth.send_raw_transaction(key.sign_transaction(tx).raw_transaction)
    assert web3.eth.wait_for_transaction_receipt(tx_hash)["status"] == 1
    return "0x" + bytes(tx_hash).hex()


def test_logs_lagging_the_state_never_give_an_attested_activity_a_new_serial(backend, coord1, chaos):
    """isAttested says yes, the provider's logs do not show it yet: the old code called that a collision and gave a
    new serial, which then minted the same record a second time."""
    writer = proxied_writer(backend, chaos)
    [activity_id] = record(backend, coord1, 1)
    before = backend.activity(activity_id)
    tx_hash = attest_behind_the_backs_of(backend, activity_id)

    chaos.reset(logs_lag=5)
    with pytest.raises(LogsIncomplete):
        writer.dispatch(1, flush=True)
    assert chaos.injected["logs_lagged"] > 0
    after = backend.activity(activity_id)
    assert (after.serial, after.chain_id_hex, after.status) == (before.serial, before.chain_id_hex, "approved")

    chaos.reset()
    drain(backend, writer)
    after = backend.activity(activity_id)
    assert after.status == "confirmed" and after.tx_hash == tx_hash and after.serial == before.serial
    assert attestations_of(backend, after) == 1


def test_a_serial_taken_by_another_record_is_proven_before_a_new_serial(backend, coord1, chaos):
    """A real collision (the serial holds another id) still gets a new serial, and the record is attested once."""
    writer = proxied_writer(backend, chaos)
    [first, second] = record(backend, coord1, 2)
    # The second takes the first's serial in the database (as a database restored from a backup would reuse it).
    attest_behind_the_backs_of(backend, first)
    from backend.store.db import transaction
    from backend.store.activities import _assign_chain_id

    with transaction(backend.sessions) as s:  # the first's row as a restored database lacks it: no serial there
        a, b = s.get(Activity, first), s.get(Activity, second)
        serial, a.serial, a.status = a.serial, None, "rejected"
        s.query(OutboxItem).filter_by(activity_id=first).update({"state": "done"})
        s.flush()
        _assign_chain_id(b, bytes.fromhex(b.salt[2:]), serial)
    taken = backend.activity(second).serial
    chaos.reset()
    drain(backend, writer)
    b = backend.activity(second)
    assert b.status == "confirmed" and b.serial != taken and attestations_of(backend, b) == 1


def test_a_revocation_whose_page_cannot_be_read_holds_no_attestations(backend, coord1, coord2, chaos):
    [target] = record(backend, coord1, 1)
    backend.drain()
    r = backend.http.post(f"/activities/{target}/revoke", json={"reason": "recorded twice"}, headers=coord1)
    assert r.status_code in (200, 202), r.text
    later = record(backend, coord1, 2) + record(backend, coord2, 2, centre=2)

    writer = proxied_writer(backend, chaos)
    chaos.reset().fail("eth_getLogs", "429", count=10_000)  # the provider refuses every log read for now
    deadline = time.monotonic() + 30
    while any(backend.activity(i).status != "confirmed" for i in later):
        assert time.monotonic() < deadline, [backend.activity(i).status for i in later]
        writer.dispatch_work()
        writer.track()
    assert chaos.injected["429"] > 0
    assert backend.activity(target).status == "revoking"

    chaos.reset()
    time.sleep(0.2)  # the revocation's pause (twice the poll interval) is over
    drain(backend, writer)
    assert backend.activity(target).status == "revoked"


@pytest.mark.parametrize("kind", ["drop", "delay"])
def test_a_dropped_or_delayed_broadcast_is_sent_again_and_mined_once(backend, coord1, chaos, kind):
    writer = proxied_writer(backend, chaos)
    ids = record(backend, coord1, 2)
    chaos.reset().fail("eth_sendRawTransaction", kind, count=1, seconds=1.0)
    drain(backend, writer)
    assert chaos.injected[kind] == 1
    time.sleep(1.2 if kind == "delay" else 0)  # the delayed copy arrives after the resend: it must change nothing
    for i in ids:
        a = backend.activity(i)
        assert a.status == "confirmed" and attestations_of(backend, a) == 1


def test_two_writers_never_both_send_the_second_waits_as_a_standby(backend, coord1, chaos):
    """Two workers on one database: one holds the lease and sends; the other does nothing, and cannot record a
    transaction even when it tries directly; when the first stops renewing, the second takes over."""
    from backend.chain.lifecycle import now
    from backend.store.leases import LeaseLost
    from backend.store.models import ChainTx, Lease

    settings = backend.settings.model_copy(update={"lease_s": 2.0})
    first = ChainWriter(settings, backend.sessions, ChainClient(settings), backend.writer.signers)
    second = ChainWriter(settings, backend.sessions, ChainClient(settings), backend.writer.signers)
    with backend.sessions() as s:
        txs_before = s.query(ChainTx).count()
    ids = record(backend, coord1, 3)
    first.step()
    assert first.lease.held
    assert second.step() is False and not second.lease.held  # a standby
    with backend.sessions() as s:
        sent_by_first = s.query(ChainTx).count() - txs_before
    assert sent_by_first == 1  # the batch, by the holder

    # The standby cannot record a signed transaction even outside its loop: the database is the fence.
    more = record(backend, coord1, 1)
    with pytest.raises(LeaseLost):
        second.dispatch(1, flush=True)
    with backend.sessions() as s:
        assert s.query(ChainTx).count() - txs_before == sent_by_first
        assert s.query(OutboxItem).filter_by(activity_id=more[0]).one().state == "queued"

    # The holder stops (no more renewals): once its lease runs out the standby takes over and finishes the work.
    deadline = time.monotonic() + 30
    while any(backend.activity(i).status != "confirmed" for i in ids + more):
        assert time.monotonic() < deadline
        second.step()
        time.sleep(0.1)
    with backend.sessions() as s:
        lease = s.get(Lease, "chain writer")
        assert lease.holder == second.lease.holder and lease.expires_at > now()
    assert all(attestations_of(backend, backend.activity(i)) == 1 for i in ids + more)


def test_two_indexers_on_one_database_only_the_lease_holder_indexes_the_standby_takes_over(backend, coord1):
    """A standby worker's indexer indexes nothing while the holder renews its lease; when the holder stops, it takes
    over where the holder left off, and every event is in the database once."""
    from backend.chain.indexer import Indexer
    from backend.store.models import ChainEvent, KeyValue, Lease

    def cursor() -> int:
        with backend.sessions() as s:
            return int(s.get(KeyValue, "indexer.next_block").value)

    def indexed() -> list[tuple[str, int]]:
        with backend.sessions() as s:
            return sorted(s.query(ChainEvent.tx_hash, ChainEvent.log_index).all())

    backend.drain()
    holder = Indexer(backend.sessions, ChainClient(backend.settings), lease_s=2.0)
    standby = Indexer(backend.sessions, ChainClient(backend.settings), lease_s=2.0)
    record(backend, coord1, 2)
    drain(backend, backend.writer)  # on-chain, not indexed yet
    before = cursor()
    assert holder.step() is True and holder.lease.held  # the first to ask holds it
    assert standby.step() is False and not standby.lease.held
    assert cursor() > before
    while holder.step():
        pass
    while standby.step():  # a standby: nothing, however often it is stepped
        pass
    first_part = cursor()

    record(backend, coord1, 1)
    drain(backend, backend.writer)  # more events; the holder is gone (it stops renewing)
    deadline = time.monotonic() + 30
    while not standby.step():
        assert time.monotonic() < deadline, "the standby never took over"
        time.sleep(0.1)
    while standby.step():
        pass
    assert cursor() > first_part
    with backend.sessions() as s:
        assert s.get(Lease, "indexer").holder == standby.lease.holder
    assert holder.step() is False  # the old holder finds the lease taken: it is the standby now
    head = backend.node.web3.eth.block_number
    on_chain = sorted((e["transactionHash"], e["logIndex"]) for e in reference_logs(
        backend, backend.chain.deployment.deployment_block, head))
    assert indexed() == on_chain


def test_an_indexer_behind_two_backends_out_of_step_indexes_every_event_once(backend, coord1, chaos):
    """Behind a balancer, half the answers come from a backend 3 blocks behind: the head goes back and forth between
    calls. The indexer neither loses nor repeats an event, and never rolls back what is final."""
    from backend.chain.indexer import ChainMoved, Indexer
    from backend.store.models import ChainEvent

    backend.drain()
    record(backend, coord1, 6)
    drain(backend, backend.writer)  # on-chain, not indexed yet
    for _ in range(4):
        backend.node.web3.provider.make_request("evm_mine", [])
    head = backend.node.web3.eth.block_number
    chaos.reset(reorder=3)
    indexer = Indexer(backend.sessions, ChainClient(backend.settings.model_copy(update={"rpc_url": chaos.url})))
    deadline = time.monotonic() + 60
    while True:
        try:
            indexer.step()
        except ChainMoved:  # a step whose calls saw two heads is given up, as the worker's loop does, and tried again
            pass
        with backend.sessions() as s:
            if indexer.cursor(s) > head:
                break
        assert time.monotonic() < deadline, "the indexer did not reach the head"
    assert chaos.injected["reordered"] > 0
    chaos.reset()
    with backend.sessions() as s:
        indexed = sorted(s.query(ChainEvent.tx_hash, ChainEvent.log_index)
                         .filter(ChainEvent.block_number <= head).all())
    on_chain = sorted((e["transactionHash"], e["logIndex"]) for e in reference_logs(
        backend, backend.chain.deployment.deployment_block, head))
    assert indexed == on_chain
