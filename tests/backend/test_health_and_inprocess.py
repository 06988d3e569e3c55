"""/health, and the worker started inside the API process (create_app(run_worker=True)) for development."""

from __future__ import annotations

import time
from contextlib import contextmanager

import httpx
from conftest import COIN, PASSWORD, activity_body, new_resident, serve

from backend.api.app import create_app


def test_health_reports_database_chain_and_worker(backend, coord1):
    r = backend.http.get("/health")
    body = r.json()
    assert (body["status"], body["database"], body["chain"]) == ("ok", "ok", "ok")
    assert body["chain_id"] == body["manifest_chain_id"] == 31337
    assert body["block"] == backend.node.block
    assert "pending" in body["worker"] and "lag_blocks" in body["indexer"] and body["problems"] == []
    backend.writer.step()  # a heartbeat
    assert backend.http.get("/health").json()["worker"]["last_seen_s"] < 60


def test_the_worker_can_run_inside_the_api_process(backend):
    """A second app on the same database and chain, with the writer and indexer as threads of its own."""
    url, stop = serve(create_app(backend.settings, run_worker=True))
    try:
        client = httpx.Client(base_url=url, timeout=60)
        token = client.post("/auth/login", json={"username": "coord1", "password": PASSWORD}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        volunteer = new_resident(backend)
        r = client.post("/activities", json=activity_body(volunteer, approve=True), headers=headers)
        assert r.status_code == 201, r.text
        deadline = time.monotonic() + 30
        while client.get(f"/activities/{r.json()['id']}", headers=headers).json()["status"] != "confirmed":
            assert time.monotonic() < deadline, "not confirmed by the in-process worker"
            time.sleep(0.1)
    finally:
        stop()
    assert backend.chain.coin.functions.balanceOf(volunteer).call() == 6 * COIN


@contextmanager
def thresholds(backend, **values):
    """The API's /health thresholds set to `values` for a while."""
    settings = backend.app.state.settings
    backend.app.state.settings = settings.model_copy(update=values)
    try:
        yield
    finally:
        backend.app.state.settings = settings


def problems(backend) -> tuple[int, list[str]]:
    r = backend.http.get("/health")
    return r.status_code, r.json()["problems"]


def test_a_worker_whose_heartbeat_stopped_makes_health_degraded(backend):
    backend.writer.step()  # a heartbeat
    with thresholds(backend, health_worker_stale_s=0.5):
        time.sleep(1.1)  # no heartbeat since: the worker stopped (and the writer writes one a second at most)
        assert problems(backend) == (503, ["worker_stale"])
        backend.writer.step()
        assert "worker_stale" not in problems(backend)[1]


def test_an_activity_queued_too_long_makes_health_degraded(backend, coord1):
    r = backend.http.post("/activities", json=activity_body(new_resident(backend), approve=True), headers=coord1)
    assert r.status_code == 201, r.text
    with thresholds(backend, health_queue_age_s=0.5):
        time.sleep(0.6)  # queued and not sent: no worker runs
        status, found = problems(backend)
        assert status == 503 and "queue_stale" in found
        backend.drain()
        assert "queue_stale" not in problems(backend)[1]


def test_an_indexer_left_behind_makes_health_degraded(backend):
    backend.drain()  # indexed to the head
    with thresholds(backend, health_indexer_lag_blocks=5, health_indexer_behind_s=0.5):
        backend.node.web3.provider.make_request("anvil_mine", ["0xa"])
        time.sleep(0.6)  # and the indexer does not run
        status, found = problems(backend)
        assert status == 503 and "indexer_behind" in found
        body = backend.http.get("/health").json()
        assert body["indexer"]["lag_blocks"] > 5 and body["indexer"]["synced_s"] > 0.5
        while backend.indexer.step():
            pass
        assert "indexer_behind" not in problems(backend)[1]


def test_health_says_the_matcher_is_ready_once_warmed_up(backend):
    backend.app.state.matcher.warmed.wait(120)
    body = backend.http.get("/health").json()
    assert (body["matching"], body["status"]) == ("ready", "ok")


def test_health_says_warming_while_the_matcher_warms_up_without_degrading(backend):
    from backend.api.community import OfferMatcher

    warmed = backend.app.state.matcher
    backend.app.state.matcher = OfferMatcher()  # its warm-up not finished
    try:
        r = backend.http.get("/health")
    finally:
        backend.app.state.matcher = warmed
    assert (r.status_code, r.json()["matching"], r.json()["status"]) == (200, "warming", "ok")
