"""The chain node stopped and started again while activities are queued and the worker runs: nothing is lost,
nothing is minted twice. This module has a node of its own, which keeps its chain in a state file."""

from __future__ import annotations

import threading
import time

from conftest import activity_body, new_resident, own_node_fixtures
from test_worker_faults import assert_exactly_once, queue, wait_confirmed


node, manifest_dir = own_node_fixtures(state_file=True)


def test_node_down_and_up_while_activities_are_queued(backend, coord1):
    supply = backend.chain.coin.functions.totalSupply().call()
    first_ids, first_total = queue(backend, coord1, 5)
    backend.drain()
    height = backend.node.block

    stop = threading.Event()
    worker = threading.Thread(target=backend.writer.run, args=(stop,), daemon=True)
    backend.node.stop()
    try:
        # The API cannot check the rules without the node: a clear 503, and nothing recorded.
        backend.chain._rules.clear()
        before = backend.http.get("/activities?limit=500", headers=coord1).json()
        r = backend.http.post("/activities", json=activity_body(new_resident(backend)), headers=coord1)
        assert r.status_code == 503 and "not reachable" in r.json()["detail"], r.text
        assert backend.http.get("/activities?limit=500", headers=coord1).json() == before
        assert backend.http.get("/health").status_code == 503
        worker.start()
        time.sleep(1.5)  # the worker meets a dead node and keeps retrying
        assert worker.is_alive()
    finally:
        backend.node.start_again()
    assert backend.node.block >= height  # the same chain, from its state file
    ids, total = queue(backend, coord1, 8)
    try:
        rows = wait_confirmed(backend, first_ids + ids)
    finally:
        stop.set()
        worker.join(10)
    assert_exactly_once(backend, rows, supply, first_total + total)
