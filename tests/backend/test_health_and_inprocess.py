"""/health, and the worker started inside the API process (create_app(run_worker=True)) for development."""

from __future__ import annotations

import time

import httpx
from conftest import COIN, PASSWORD, activity_body, new_resident, serve

from backend.api.app import create_app


def test_health_reports_database_chain_and_worker(backend, coord1):
    r = backend.http.get("/health")
    body = r.json()
    assert (body["status"], body["database"], body["chain"]) == ("ok", "ok", "ok")
    assert body["chain_id"] == body["manifest_chain_id"] == 31337
    assert body["block"] == backend.node.block
    assert "pending" in body["worker"] and "lag_blocks" in body["indexer"]
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
