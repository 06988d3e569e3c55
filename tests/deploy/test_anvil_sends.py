"""Brownie on Anvil never sees a mined transaction without its receipt (scripts/anvil_sends.py)."""

from __future__ import annotations

import pytest
from chaos_proxy import ChaosProxy
from deploy_helpers import ANVIL_CHAIN_ID, ok, read_manifest, run
from web3 import Web3

from scripts.anvil_sends import MIDDLEWARE_NAME, send_once_mined_on_anvil

SENDS = 400


@pytest.fixture
def proxy(anvil):
    p = ChaosProxy(anvil.url)
    yield p
    p.close()


def test_on_anvil_each_send_returns_with_the_receipt_readable(anvil):
    """Brownie's question right after a send: nonce first, then receipt. Without the middleware Anvil answers
    "nonce passed, no receipt" to a fraction of a percent of sends (more on a loaded machine)."""
    web3 = Web3(Web3.HTTPProvider(anvil.url))
    assert send_once_mined_on_anvil(web3)
    sender, receiver = web3.eth.accounts[7], web3.eth.accounts[8]
    passed_without_receipt = []
    for _ in range(SENDS):
        nonce = web3.eth.get_transaction_count(sender, "latest")
        tx_hash = web3.eth.send_transaction({"from": sender, "to": receiver, "value": 1})
        if web3.eth.get_transaction_count(sender, "latest") > nonce:
            receipt = web3.provider.make_request("eth_getTransactionReceipt", [tx_hash.hex()])["result"]
            if receipt is None:
                passed_without_receipt.append(tx_hash.hex())
        else:
            passed_without_receipt.append(f"{tx_hash.hex()} not even mined")
    assert passed_without_receipt == []


def test_the_middleware_is_put_in_once(anvil):
    web3 = Web3(Web3.HTTPProvider(anvil.url))
    before = len(web3.middleware_onion)
    assert send_once_mined_on_anvil(web3) and send_once_mined_on_anvil(web3)
    assert MIDDLEWARE_NAME in web3.middleware_onion and len(web3.middleware_onion) == before + 1


def test_the_deploy_command_on_anvil_sends_each_transaction_once_mined(proxy, tmp_path):
    manifest_dir = tmp_path / "deployments"
    ok(run("deploy", "--network", "development", "--rpc-url", proxy.url, "--manifest-dir", str(manifest_dir)))
    assert read_manifest(manifest_dir, ANVIL_CHAIN_ID)["status"] == "complete"
    sends = proxy.calls["eth_sendTransactionSync"]
    assert sends >= 3 + len(read_manifest(manifest_dir, ANVIL_CHAIN_ID)["configuration"])  # the contracts, then each step
    assert proxy.calls["eth_sendTransaction"] == 0 and proxy.calls["eth_sendRawTransaction"] == 0

