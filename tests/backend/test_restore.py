"""A database restored from a backup, against a chain that moved on: the worker rebuilds the activities' chain state
from the registry's events before it sends anything; activities the backup holds as queued but the chain attested
are confirmed, not sent again; an activity entered again by hand takes its attestation instead of minting twice;
serials go on after the chain's highest; approvals wait (`restoring`) until the rebuild is done, and a provider's
lagging logs hold the rebuild, not mislead it. The real worker and `python -m backend.restore` as processes, the real
database (the SQLite file copied with SQLite's backup API; on PostgreSQL a copy of the database), the real chain."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time

import pytest
from conftest import ROOT, activity_body, new_resident
from sqlalchemy import create_engine, select, text

from backend.store.models import Activity, KeyValue, UnmatchedAttestation
from backend.store.restore import RESTORE_MARK
from backend.store.chain_marks import RESTORING
from chaos_proxy import ChaosProxy
from test_worker_faults import attested_logs, start_worker, worker_env


# ------------------------------------------------------------------ a backup and its restore


def _database_name(url: str) -> str:
    return url.rsplit("/", 1)[1]


def _recreate(url: str, name: str, template: str) -> None:
    """CREATE DATABASE name TEMPLATE template, on the test server, with every other session of both ended."""
    admin = create_engine(os.environ["VB_TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname IN (:a, :b) AND pid <> pg_backend_pid()"), {"a": name, "b": template})
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()


def back_up(backend) -> str:
    """A backup of the whole database now (the app idle): a file beside SQLite's, a database on PostgreSQL."""
    url = backend.settings.database_url
    backend.app.state.engine.dispose()
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        copy = f"{path}.backup-{time.monotonic_ns()}"
        with sqlite3.connect(path) as live, sqlite3.connect(copy) as target:
            live.backup(target)
        return copy
    copy = f"{_database_name(url)}_backup_{time.monotonic_ns()}"
    _recreate(url, copy, _database_name(url))
    return copy


def restore(backend, backup: str) -> None:
    """The database as the backup holds it, in place (the app's connections dropped, as after a restart)."""
    url = backend.settings.database_url
    backend.app.state.engine.dispose()
    if url.startswith("sqlite"):
        with sqlite3.connect(backup) as saved, sqlite3.connect(url.removeprefix("sqlite:///")) as live:
            saved.backup(live)
    else:
        _recreate(url, _database_name(url), backup)
    backend.app.state.engine.dispose()


# ------------------------------------------------------------------ helpers


def approve(backend, headers, body: dict) -> int:
    r = backend.http.post("/activities", json=dict(body, approve=True), headers=headers)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def rows(backend, ids: list[int]) -> dict[int, Activity]:
    with backend.sessions() as s:
        found = {a.id: a for a in s.scalars(select(Activity).where(Activity.id.in_(ids)))}
        s.expunge_all()
    return found


def wait_for(what, timeout: float = 120, why: str = ""):
    deadline = time.monotonic() + timeout
    while not (result := what()):
        assert time.monotonic() < deadline, why
        time.sleep(0.2)
    return result


def wait_statuses(backend, wanted: dict[int, str], timeout: float = 120) -> dict[int, Activity]:
    def done():
        found = rows(backend, list(wanted))
        return found if all(found[i].status == s for i, s in wanted.items()) else None

    return wait_for(done, timeout, lambda: {i: a.status for i, a in rows(backend, list(wanted)).items()})


def stop(worker: subprocess.Popen) -> None:
    worker.terminate()
    worker.wait(30)


def supply(backend) -> int:
    return backend.chain.coin.functions.totalSupply().call()


def run_restore(backend, *args: str, rpc_url: str | None = None) -> subprocess.CompletedProcess:
    env = worker_env(backend)
    if rpc_url:
        env["VB_RPC_URL"] = rpc_url
    return subprocess.run([sys.executable, "-m", "backend.restore", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


# ------------------------------------------------------------------ tests


def test_a_restored_database_is_rebuilt_from_events_and_a_reentry_mints_nothing(backend, coord1):
    worker = start_worker(backend)
    try:
        [kept] = [approve(backend, coord1, activity_body(new_resident(backend)))]
        wait_statuses(backend, {kept: "confirmed"})
    finally:
        stop(worker)
    queued = approve(backend, coord1, activity_body(new_resident(backend)))  # approved, not sent when the backup is taken
    backup = back_up(backend)

    # After the backup: the queued one attested, three more approved and attested, the kept one revoked.
    later_bodies = [activity_body(new_resident(backend), units=u) for u in (60, 90, 120)]
    worker = start_worker(backend)
    try:
        later = [approve(backend, coord1, b) for b in later_bodies]
        wait_statuses(backend, {i: "confirmed" for i in later + [queued]})
        r = backend.http.post(f"/activities/{kept}/revoke", json={"reason": "recorded at the wrong centre"}, headers=coord1)
        assert r.status_code in (200, 202), r.text
        wait_statuses(backend, {kept: "revoked"})
    finally:
        stop(worker)
    before = rows(backend, later + [queued])
    lost = {before[i].chain_id_hex: (later_bodies[k], before[i]) for k, i in enumerate(later)}
    minted = supply(backend)

    restore(backend, backup)
    assert rows(backend, [queued])[queued].status == "approved"  # as the backup holds it
    assert rows(backend, [kept])[kept].status == "confirmed"
    assert not rows(backend, later)

    worker = start_worker(backend)
    try:
        # The queued one is recognised as attested (the transaction that did it), never sent again.
        after = wait_statuses(backend, {queued: "confirmed", kept: "revoked"})
        assert after[queued].tx_hash == before[queued].tx_hash and after[queued].serial == before[queued].serial
        assert attested_logs(backend, after[queued].chain_id_hex) == 1
        with backend.sessions() as s:
            unmatched = {u.chain_id_hex: u for u in s.scalars(select(UnmatchedAttestation))}
            s.expunge_all()
            assert s.get(KeyValue, RESTORING) is None and s.get(KeyValue, RESTORE_MARK) is not None
        assert set(unmatched) == set(lost)
        assert all(u.activity_id is None and not u.revoked for u in unmatched.values())

        # Entered again by hand (same resident, category, units, day): linked to the attestation, nothing minted.
        again = {approve(backend, coord1, body): chain_id for chain_id, (body, _) in lost.items()}
        relinked = wait_statuses(backend, {i: "confirmed" for i in again})
        for activity_id, chain_id in again.items():
            a, original = relinked[activity_id], lost[chain_id][1]
            assert (a.chain_id_hex, a.serial, a.tx_hash, a.reward) == (chain_id, original.serial, original.tx_hash,
                                                                      original.reward)
            assert a.salt is None  # the salt that made the id was lost with the restore
            assert attested_logs(backend, chain_id) == 1
            volunteer = lost[chain_id][0]["volunteer"]
            assert backend.chain.coin.functions.balanceOf(volunteer).call() == int(original.reward)
        assert supply(backend) == minted

        # A new activity: its serial after the chain's highest, attested once.
        fresh = approve(backend, coord1, activity_body(new_resident(backend)))
        a = wait_statuses(backend, {fresh: "confirmed"})[fresh]
        assert a.serial > max(o.serial for _, o in lost.values())
        assert attested_logs(backend, a.chain_id_hex) == 1
        assert supply(backend) == minted + int(a.reward)
    finally:
        stop(worker)


@pytest.fixture
def chaos(backend):
    proxy = ChaosProxy(backend.node.url)
    yield proxy
    proxy.close()


def test_approvals_wait_while_lagging_logs_hold_the_rebuild(backend, coord1, chaos):
    worker = start_worker(backend)  # a worker has run on this database: it knows where the chain was
    try:
        first = approve(backend, coord1, activity_body(new_resident(backend)))
        wait_statuses(backend, {first: "confirmed"})
    finally:
        stop(worker)
    backup = back_up(backend)
    worker = start_worker(backend)
    try:
        attested_after = approve(backend, coord1, activity_body(new_resident(backend)))
        wait_statuses(backend, {attested_after: "confirmed"})
    finally:
        stop(worker)
    restore(backend, backup)

    # The provider's log index trails its state by more than the blocks since the backup: the events read miss the
    # attestation made after it, the registry's pages do not; the rebuild stops and approvals stay refused.
    chaos.reset(logs_lag=200)
    failed = run_restore(backend, rpc_url=chaos.url)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert '"state": "failed"' in failed.stdout and chaos.injected["logs_lagged"] > 0
    with backend.sessions() as s:
        assert s.get(KeyValue, RESTORING) is not None
        assert s.scalar(select(UnmatchedAttestation).where(UnmatchedAttestation.activity_id.is_(None))) is None

    body = activity_body(new_resident(backend))
    refused = backend.http.post("/activities", json=dict(body, approve=True), headers={**coord1, "Accept-Language": "ko"})
    assert refused.status_code == 503 and refused.json()["error"] == "restoring"
    assert "복원" in refused.json()["detail"]
    refused = backend.http.post("/activities", json=dict(body, approve=True), headers=coord1)
    assert refused.status_code == 503 and "restored from a backup" in refused.json()["detail"]
    recorded = backend.http.post("/activities", json=body, headers=coord1)  # recording alone goes on
    assert recorded.status_code == 201, recorded.text
    r = backend.http.post(f"/activities/{recorded.json()['id']}/approve", headers=coord1)
    assert r.status_code == 503 and r.json()["error"] == "restoring"

    chaos.reset()
    done = run_restore(backend, rpc_url=chaos.url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert '"state": "rebuilt"' in done.stdout and '"unmatched": 1' in done.stdout
    r = backend.http.post(f"/activities/{recorded.json()['id']}/approve", headers=coord1)
    assert r.status_code == 200, r.text
