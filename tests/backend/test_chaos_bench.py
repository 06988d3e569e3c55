"""bench/chaos.py's whole run at a small size: activities and relayed requests through the real API and a worker
process, the proxy injecting each fault in turn, the worker killed with SIGKILL once. Nothing is lost, nothing is done
twice, and the indexer's events are the chain's logs. (Its own app, worker, database and Anvil: on a node other
modules used, one of their blocks can hold more logs than the bench's tiny silent-truncation cap, which no reader can
split, and the worker's start-up then fails until that phase ends.)"""

from __future__ import annotations

import sys

import pytest
from conftest import ROOT, own_node_fixtures

sys.path.insert(0, str(ROOT / "bench"))

import chaos  # noqa: E402  (bench/chaos.py)


node, manifest_dir = own_node_fixtures()


@pytest.fixture(scope="module")
def figures(node, manifest_dir, tmp_path_factory):
    """The bench's figures on a node of its own (not restarted here: test_node_restart.py restarts one)."""
    from conftest import database_url

    tmp = tmp_path_factory.mktemp("chaos-bench")
    url = database_url(tmp)
    return chaos.run(20, 4, worker_kills=1, node_restarts=0, workdir=tmp, node=node, manifests=manifest_dir,
                     database_url=None if url.startswith("sqlite") else url)


def test_every_activity_is_attested_exactly_once_through_the_faults(figures):
    assert figures["worker_kills"] == 1
    assert (figures["confirmed_once"], figures["lost"], figures["double"]) == (20, 0, 0)
    assert figures["supply_matches"]


def test_every_relayed_request_is_on_chain_exactly_once(figures):
    assert (figures["relays_confirmed_once"], figures["relays_double"]) == (4, 0)
    assert figures["payee_balance_matches"]


def test_the_indexer_matches_the_chain(figures):
    assert figures["indexer_matches_chain"]


def test_the_faults_were_injected(figures):
    assert {"429", "drop", "delay", "timeout_after_forward", "reordered", "reorg"} <= set(figures["faults_injected"])
