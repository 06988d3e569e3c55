"""The log reader (backend/chain/logs.py) against a node that refuses big queries, and the readers built on it: serial
recovery at start (only new blocks) and a revocation's page proof (not from the deployment block).

The refusing node is a small HTTP proxy in front of the test's Anvil: it forwards every call, but answers an error
for an eth_getLogs spanning more than N blocks, or returning more than M logs, as hosted nodes do. It records the
eth_getLogs ranges it was asked for.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from conftest import activity_body, database_url
from web3 import Web3

from backend.chain.attestation_pages import ACTIVITY_ATTESTED_TOPIC, centre_of, serial_of
from backend.chain.client import ChainClient
from backend.chain.logs import LogRangeRefused, LogReader, logs_rpc, plain_log
from backend.chain.serials import SETTLED_DEPTH, recover_highest_serials
from backend.chain.writer import ChainWriter
from backend.store.chain_marks import SERIALS_CHECKPOINT, serial_checkpoint
from backend.store.db import make_engine, make_session_factory, migrate, transaction
from backend.store.models import Activity, KeyValue


class RefusingNode:
    """An HTTP JSON-RPC proxy to `upstream` that refuses eth_getLogs over more than `max_blocks` blocks or with more
    than `max_results` logs (None: no limit); `http_413` answers an over-wide range with HTTP 413 instead."""

    def __init__(self, upstream: str):
        self.upstream, self.max_blocks, self.max_results, self.http_413 = upstream, None, None, False
        self.asked: list[tuple[int, int]] = []  # eth_getLogs ranges asked for, refused ones too
        self.refused = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status, answer = proxy.answer(json.loads(body), body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, request: dict, body: bytes) -> tuple[int, dict]:
        forwarded = lambda: requests.post(self.upstream, data=body, headers={"Content-Type": "application/json"},  # noqa: E731
                                          timeout=30).json()
        if request.get("method") != "eth_getLogs":
            return 200, forwarded()
        query = request["params"][0]
        start, end = int(query["fromBlock"], 16), int(query["toBlock"], 16)
        self.asked.append((start, end))
        if self.max_blocks is not None and end - start + 1 > self.max_blocks:
            self.refused += 1
            if self.http_413:
                return 413, {"error": "payload too large"}
            return 200, {"jsonrpc": "2.0", "id": request["id"],
                         "error": {"code": -32602, "message": f"block range too large (max {self.max_blocks})"}}
        answer = forwarded()
        if self.max_results is not None and len(answer.get("result", [])) > self.max_results:
            self.refused += 1
            return 200, {"jsonrpc": "2.0", "id": request["id"],
                         "error": {"code": -32005, "message": f"query returned more than {self.max_results} results"}}
        return 200, answer

    def reset(self, max_blocks=None, max_results=None, http_413=False) -> None:
        self.max_blocks, self.max_results, self.http_413 = max_blocks, max_results, http_413
        self.asked, self.refused = [], 0

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture(scope="module")
def proxy(backend):
    p = RefusingNode(backend.node.url)
    yield p
    p.close()


def rpc(backend, method, *params):
    return backend.node.web3.provider.make_request(method, list(params))["result"]


def attest(backend, headers, count: int, centre: int = 1) -> list[int]:
    ids = []
    for _ in range(count):
        from eth_account import Account

        r = backend.http.post("/activities", headers=headers,
                              json=activity_body(Account.create().address, centre_id=centre, approve=True))
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    backend.drain()
    return ids


@pytest.fixture(scope="module")
def history(backend, coord1, coord2):
    """(first block, last block) of attestations of both centres spread over a few hundred blocks, with empty
    stretches between them (the node is shared with other modules: their blocks come before)."""
    first = backend.node.web3.eth.block_number + 1
    for round_ in range(5):
        attest(backend, coord1, 3)
        attest(backend, coord2, 2, centre=2)
        rpc(backend, "anvil_mine", hex(40 + 7 * round_))
    return first, backend.node.web3.eth.block_number


def contracts(backend) -> list[str]:
    return [backend.chain.coin.address, backend.chain.registry.address, backend.chain.redemption.address]


def reference_logs(backend, start: int, end: int, topics=None) -> list[dict]:
    """One unrestricted eth_getLogs straight to Anvil."""
    query = {"fromBlock": hex(start), "toBlock": hex(end), "address": contracts(backend)}
    if topics:
        query["topics"] = topics
    return [plain_log(e) for e in rpc(backend, "eth_getLogs", query)]


def proxied_rpc(proxy):
    return logs_rpc(Web3(Web3.HTTPProvider(proxy.url, request_kwargs={"timeout": 30})).provider)


@pytest.mark.parametrize("http_413", [False, True])
def test_ranges_too_wide_for_the_node_are_split(backend, history, proxy, http_413):
    start, head = history
    expected = reference_logs(backend, start, head)
    assert len(expected) >= 40 and head - start > 200
    proxy.reset(max_blocks=37, http_413=http_413)
    reader = LogReader(proxied_rpc(proxy), span=2_000)
    assert reader.logs(start, head, contracts(backend)) == expected
    accepted = [(a, b) for a, b in proxy.asked if b - a + 1 <= 37]
    assert proxy.refused > 0 and max(b - a + 1 for a, b in accepted) <= 37
    assert len(set(proxy.asked)) == len(proxy.asked)  # a refusal is split at once, never asked again as it was
    # The accepted ranges tile [start, head] exactly once: nothing read twice, nothing skipped.
    assert sorted(accepted) == accepted and accepted[0][0] == start and accepted[-1][1] == head
    assert all(b + 1 == c for (_, b), (c, _) in zip(accepted, accepted[1:]))
    # Remembered: after learning the limit it stops asking for ranges the node refused.
    refusals_learning = proxy.refused
    proxy.reset(max_blocks=37, http_413=http_413)
    assert reader.logs(start, head, contracts(backend)) == expected
    assert proxy.refused <= 1 < refusals_learning
    assert len(proxy.asked) <= (head - start + 1) // 18 + 2  # the learnt span stays near the limit, not 1 block


def test_too_many_results_are_split_and_a_refused_single_block_raises(backend, history, proxy):
    start, head = backend.chain.deployment.deployment_block, history[1]
    expected = reference_logs(backend, start, head)
    per_block: dict[int, int] = {}
    for e in expected:
        per_block[e["blockNumber"]] = per_block.get(e["blockNumber"], 0) + 1
    densest = max(per_block.values())
    proxy.reset(max_results=densest)
    reader = LogReader(proxied_rpc(proxy), span=10_000)
    assert reader.logs(start, head, contracts(backend)) == expected
    assert proxy.refused > 0

    # Filtered by topic, through the same reader.
    topics = ["0x" + ACTIVITY_ATTESTED_TOPIC.hex()]
    assert reader.logs(start, head, backend.chain.registry.address, [ACTIVITY_ATTESTED_TOPIC]) == \
        [e for e in expected if e["topics"][0] == ACTIVITY_ATTESTED_TOPIC] == \
        reference_logs(backend, start, head, topics)

    proxy.reset(max_results=densest - 1)  # the densest block alone is refused: nothing smaller to ask for
    with pytest.raises(LogRangeRefused):
        LogReader(proxied_rpc(proxy), span=10_000).logs(start, head, contracts(backend))


def test_other_node_errors_are_not_split(backend, proxy):
    proxy.reset()
    reader = LogReader(proxied_rpc(proxy), span=100)
    with pytest.raises(ValueError):
        reader.logs(0, 10, ["0x1234"])  # not an address: the node's error, raised as it is
    assert len(proxy.asked) == 1


def highest_from(backend, start: int, end: int) -> dict[int, int]:
    out: dict[int, int] = {}
    for e in reference_logs(backend, start, end, ["0x" + ACTIVITY_ATTESTED_TOPIC.hex()]):
        aid = e["topics"][1]
        out[centre_of(aid)] = max(out.get(centre_of(aid), -1), serial_of(aid))
    return out


def test_serial_recovery_reads_only_blocks_after_its_checkpoint(backend, coord1, history, proxy, tmp_path):
    """A fresh database on an old chain reads the registry's history once; the next starts read new blocks only."""
    url = database_url(tmp_path)
    migrate(url)
    sessions = make_session_factory(make_engine(url))
    client = ChainClient(backend.settings.model_copy(update={"rpc_url": proxy.url}))
    deployment = client.deployment.deployment_block

    proxy.reset(max_blocks=50)
    head = backend.node.web3.eth.block_number
    assert recover_highest_serials(sessions, client) == highest_from(backend, deployment, head)
    assert min(a for a, _ in proxy.asked) == deployment  # nothing to start from: the whole history
    with sessions() as s:
        checkpoint = serial_checkpoint(s)
    assert checkpoint.block == head - SETTLED_DEPTH
    assert checkpoint.highest == highest_from(backend, deployment, checkpoint.block)

    attest(backend, coord1, 2)
    rpc(backend, "anvil_mine", hex(30))
    proxy.reset(max_blocks=50)
    new_head = backend.node.web3.eth.block_number
    assert recover_highest_serials(sessions, client) == highest_from(backend, deployment, new_head)
    # Only the blocks after the checkpoint, each once.
    assert proxy.asked and min(a for a, _ in proxy.asked) == checkpoint.block + 1
    assert sum(b - a + 1 for a, b in proxy.asked if b - a + 1 <= 50) == new_head - checkpoint.block

    # Nothing new: a start reads the last SETTLED_DEPTH blocks at most, however long the chain.
    proxy.reset()
    recover_highest_serials(sessions, client)
    assert sum(b - a + 1 for a, b in proxy.asked) <= SETTLED_DEPTH

    # A checkpoint whose block is not the node's (another chain, a reset node) is not trusted: all is read again.
    with transaction(sessions) as s:
        row = s.get(KeyValue, SERIALS_CHECKPOINT)
        row.value = row.value.replace(json.loads(row.value)["hash"], "0x" + "00" * 32)
        s.merge(row)
    proxy.reset()
    assert recover_highest_serials(sessions, client) == highest_from(backend, deployment, new_head)
    assert min(a for a, _ in proxy.asked) == deployment


def test_a_revocation_reads_its_page_from_its_first_attestation(backend, coord1, history, proxy):
    """The proof needs the page's records: read from the block the page's first known activity was attested in, and
    accepted by the registry."""
    ids = attest(backend, coord1, 2)
    target = backend.activity(ids[-1])
    page_index = target.serial // 16
    with backend.sessions() as s:
        first = min(a.block_number for a in s.query(Activity).filter(
            Activity.centre_id == 1, Activity.serial >= page_index * 16, Activity.serial < page_index * 16 + 16,
            Activity.block_number.isnot(None)))
    assert first > backend.chain.deployment.deployment_block
    r = backend.http.post(f"/activities/{target.id}/revoke", json={"reason": "recorded twice"}, headers=coord1)
    assert r.status_code in (200, 202), r.text

    client = ChainClient(backend.settings.model_copy(update={"rpc_url": proxy.url}))
    writer = ChainWriter(backend.settings, backend.sessions, client, backend.writer.signers)
    proxy.reset()
    writer.dispatch(1, flush=True)
    assert proxy.asked and min(a for a, _ in proxy.asked) == first
    backend.drain()
    assert backend.activity(target.id).status == "revoked"
