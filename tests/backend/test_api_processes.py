"""Production shape on PostgreSQL: three API processes behind one port (`uvicorn --workers 3`) and two
`python -m backend.worker` on the same database, the chain writer a leased singleton. Many activities approved at
once through the port with Idempotency-Keys, each key sent more than once (the copies land on different processes),
relayed requests sent twice, and the worker holding the lease killed with SIGKILL mid-run: every activity is attested
exactly once, none is lost, and every relayed request is on-chain once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from conftest import COIN, ROOT, activity_body, new_resident
from nodes import free_port
from residents_helpers import new_wallet, sign_in, sign_request
from sqlalchemy import func, select
from test_relay_faults import relay_env
from test_residents import earn
from test_worker_faults import attested_logs, start_worker, worker_env

from backend.store.chain_marks import RESTORING
from backend.store.models import Activity, ChainOp, KeyValue, Lease, OutboxItem
from backend.store.restore import RESTORE_MARK

pytestmark = pytest.mark.skipif(
    not os.environ.get("VB_TEST_DATABASE_URL"),
    reason="several API processes and workers share one database on PostgreSQL only (SQLite has one writer per file); "
           "set VB_TEST_DATABASE_URL (tools/postgres start)")

API_PROCESSES = 3
ACTIVITIES = 60
COPIES = 3  # requests per Idempotency-Key
RELAYS = 4


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (uvicorn's workers)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    return found


@pytest.fixture(scope="module")
def port_url(backend):
    """The real app in production mode: `uvicorn --factory --workers 3` on one port, settings from the environment."""
    port = free_port()
    s = backend.settings
    env = worker_env(backend, VB_JWT_SECRET=s.jwt_secret, VB_SIWE_NONCE_SECRET="n" * 40)
    api = subprocess.Popen([sys.executable, "-m", "uvicorn", "backend.api.app:create_app", "--factory",
                            "--workers", str(API_PROCESSES), "--host", "127.0.0.1", "--port", str(port),
                            "--log-level", "warning"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    # A guard against a start that never comes, not a measure of its speed: each API process loads the analyser
    # and the encoder before serving (seconds of CPU), which a loaded machine stretches several times over.
    deadline = time.monotonic() + 300
    while True:
        assert api.poll() is None, api.stdout.read()
        try:
            if httpx.get(f"{url}/health", timeout=5).status_code in (200, 503) and len(children(api.pid)) >= API_PROCESSES:
                break
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "the API processes did not start"
        time.sleep(0.3)
    yield url
    api.send_signal(signal.SIGTERM)
    api.communicate(timeout=60)


def holder_pid(backend) -> int | None:
    with backend.sessions() as s:
        lease = s.get(Lease, "chain writer")
        return int(lease.holder.split(":")[1]) if lease is not None else None


def test_three_api_processes_and_two_workers_attest_each_activity_once(backend, coord1, port_url):
    # Residents with coins to spend through relayed requests (set up by the test's own writer, before any worker).
    payers = [new_wallet() for _ in range(RELAYS)]
    for p in payers:
        earn(backend, coord1, p.address, unlock=False)
    backend.unlock()
    payee = new_wallet().address
    relays = [sign_request(backend, p, "pay", 0, payee=payee, amount=COIN,
                           request_ref="0x" + uuid.uuid4().hex.ljust(64, "0")) for p in payers]
    tokens = [sign_in(backend, p) for p in payers]
    supply = backend.chain.coin.functions.totalSupply().call()

    workers = [start_worker(backend, **relay_env(backend)) for _ in range(2)]
    try:
        # The lease holder's first round checks the chain against the database (backend/chain/restore.py); on a node
        # other suites' databases used, approvals may wait for its rebuild a moment.
        deadline = time.monotonic() + 60
        while True:
            with backend.sessions() as s:
                if s.get(KeyValue, RESTORE_MARK) is not None and s.get(KeyValue, RESTORING) is None:
                    break
            assert time.monotonic() < deadline, "the worker did not check the chain"
            time.sleep(0.2)
        keys = [str(uuid.uuid4()) for _ in range(ACTIVITIES)]
        bodies = {k: activity_body(new_resident(backend), approve=True, units=60) for k in keys}
        requests = [("activity", k) for k in keys for _ in range(COPIES)] + \
                   [("relay", i) for i in range(RELAYS) for _ in range(2)]

        def send(request):
            kind, which = request
            with httpx.Client(base_url=port_url, timeout=120) as c:
                if kind == "activity":
                    return request, c.post("/activities", json=bodies[which], headers={**coord1, "Idempotency-Key": which})
                return request, c.post("/me/pay", json=relays[which], headers=tokens[which])

        killed = None
        with ThreadPoolExecutor(16) as pool:
            answers = []
            for n, answer in enumerate(pool.map(send, sorted(requests, key=lambda _: uuid.uuid4().int))):
                answers.append(answer)
                if killed is None and n == len(requests) // 2:  # mid-run: SIGKILL the worker holding the lease
                    deadline = time.monotonic() + 60
                    while (pid := holder_pid(backend)) is None:
                        assert time.monotonic() < deadline
                        time.sleep(0.1)
                    killed = next(w for w in workers if w.pid == pid)
                    killed.kill()
        assert killed is not None and killed.wait(30) == -signal.SIGKILL

        ids: dict[str, set[int]] = {k: set() for k in keys}
        relay_ids: dict[int, set[int]] = {i: set() for i in range(RELAYS)}
        for (kind, which), r in answers:
            if kind == "activity":
                assert r.status_code == 201, r.text
                ids[which].add(r.json()["id"])
            elif r.status_code == 202:
                relay_ids[which].add(r.json()["id"])
            else:  # the copy of a relayed request: refused (seen, or its nonce taken), never sent twice
                assert r.status_code == 409 and r.json()["error"] in ("replayed", "nonce_out_of_order"), r.text
        assert all(len(v) == 1 for v in ids.values()), "a key gave two activities"
        assert all(len(v) == 1 for v in relay_ids.values()), relay_ids
        activity_ids = [next(iter(v)) for v in ids.values()]

        deadline = time.monotonic() + 240
        while True:
            with backend.sessions() as s:
                statuses = dict(s.execute(select(Activity.id, Activity.status).where(Activity.id.in_(activity_ids))).all())
                ops = dict(s.execute(select(ChainOp.id, ChainOp.state).where(
                    ChainOp.id.in_([next(iter(v)) for v in relay_ids.values()]))).all())
            if set(statuses.values()) == {"confirmed"} and set(ops.values()) == {"confirmed"}:
                break
            assert time.monotonic() < deadline, (statuses, ops)
            time.sleep(0.5)
    finally:
        for w in workers:
            if w.poll() is None:
                w.terminate()
                w.wait(30)

    with backend.sessions() as s:
        rows = list(s.scalars(select(Activity).where(Activity.id.in_(activity_ids))))
        assert s.scalar(select(func.count()).select_from(OutboxItem).where(OutboxItem.activity_id.in_(activity_ids))) \
            == ACTIVITIES
    assert len(rows) == ACTIVITIES
    assert all(attested_logs(backend, a.chain_id_hex) == 1 for a in rows)
    assert backend.chain.coin.functions.totalSupply().call() - supply == sum(int(a.reward) for a in rows)
    for p in payers:
        logs = backend.chain.redemption.events.ServicePaid.get_logs(from_block=0, argument_filters={"payer": p.address})
        assert len(logs) == 1 and logs[0].args.amount == COIN
    assert backend.chain.coin.functions.balanceOf(payee).call() == RELAYS * COIN
