"""The README's main command, tools/run: a local chain, the deployment, the scenario, the backend; serving until
Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from deploy_helpers import ANVIL_CHAIN_ID, GANACHE_CHAIN_ID, ROOT, command_env, free_port, read_manifest, start_node
import httpx
import pytest
from web3 import Web3

from backend.chain.keys import dev_key


def port_open(port: int) -> bool:
    try:
        Web3(Web3.HTTPProvider(f"http://127.0.0.1:{port}", request_kwargs={"timeout": 2})).eth.chain_id
        return True
    except Exception:
        return False


def test_run_once_deploys_runs_the_scenario_and_stops_its_chain(tmp_path):
    port, api_port = free_port(), free_port()
    result = subprocess.run([str(ROOT / "tools" / "run"), "--once"], cwd=ROOT, capture_output=True, text=True, timeout=600,
                            env=command_env(VB_PORT=str(port), VB_API_PORT=str(api_port), VB_DEPLOYMENTS_DIR=str(tmp_path),
                                            DATABASE_URL=f"sqlite:///{tmp_path / 'backend.db'}"))
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "Done. Manifest:" in out and "provider settles 4 coins with the city -> 800 won owed" in out
    assert f"RPC URL    http://127.0.0.1:{port}" in out and f"API        http://127.0.0.1:{api_port}" in out
    assert "through the API: coord1 recorded 90 minutes" in out and "-> confirmed, 4.5 coins" in out
    assert "coord1 " in out and "coordinator, centre 1" in out
    assert "signed in with its wallet and donated 1 coin, relayed by the backend (no ETH needed) -> confirmed" in out
    assert read_manifest(tmp_path, ANVIL_CHAIN_ID)["status"] == "complete"
    assert not port_open(port)  # the chain it started is stopped


def test_run_once_on_ganache(tmp_path):
    """The whole main job on Ganache 7: the config's dev:N coordinators are the keys the backend signs with."""
    port, api_port = free_port(), free_port()
    result = subprocess.run([str(ROOT / "tools" / "run"), "--once", "--chain", "ganache"], cwd=ROOT, capture_output=True,
                            text=True, timeout=600,
                            env=command_env(VB_PORT=str(port), VB_API_PORT=str(api_port), VB_DEPLOYMENTS_DIR=str(tmp_path),
                                            DATABASE_URL=f"sqlite:///{tmp_path / 'backend.db'}"))
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert f"==> starting Ganache at http://127.0.0.1:{port}" in out
    assert "Scenario on chain 1337" in out and "provider settles 4 coins with the city -> 800 won owed" in out
    assert "through the API: coord1 recorded 90 minutes" in out and "-> confirmed, 4.5 coins" in out
    assert "signed in with its wallet and donated 1 coin, relayed by the backend (no ETH needed) -> confirmed" in out
    assert f"RPC URL    http://127.0.0.1:{port}   (ganache, chain id {GANACHE_CHAIN_ID};" in out
    assert f"manifest   {tmp_path}/{GANACHE_CHAIN_ID}.json" in out
    manifest = read_manifest(tmp_path, GANACHE_CHAIN_ID)
    assert manifest["status"] == "complete" and manifest["chainId"] == GANACHE_CHAIN_ID
    assert manifest["config"]["centres"][0]["coordinators"] == [dev_key(1).address]
    assert not (tmp_path / f"{ANVIL_CHAIN_ID}.json").exists()
    assert not port_open(port)


def test_run_refuses_a_node_without_the_dev_accounts(tmp_path):
    """A node already on the chain port whose accounts are not the dev keys: refused before anything is sent."""
    node = start_node("anvil", "--derivation-path", "m/44'/60'/1'/0/")  # the dev mnemonic, other accounts
    try:
        result = subprocess.run([str(ROOT / "tools" / "run"), "--once"], cwd=ROOT, capture_output=True, text=True,
                                timeout=300, env=command_env(VB_PORT=str(node.port), VB_API_PORT=str(free_port()),
                                                             VB_DEPLOYMENTS_DIR=str(tmp_path),
                                                             DATABASE_URL=f"sqlite:///{tmp_path / 'backend.db'}"))
        assert result.returncode == 1, result.stdout + result.stderr
        assert "cannot be used: the node's account 0 is" in result.stderr
        assert f"but dev:0 is {dev_key(0).address}: the node was not started with the development mnemonic" in result.stderr
        assert "==> deploying" not in result.stdout and not list(tmp_path.glob("*.json"))
        assert node.web3.eth.get_transaction_count(node.web3.eth.accounts[0]) == 0  # nothing sent
        assert port_open(node.port)  # a node it did not start is left running
    finally:
        node.stop()


def test_run_serves_until_interrupted(tmp_path):
    port, api_port = free_port(), free_port()
    # SIGINT as a terminal delivers it: a suite started in the background (`tools/test &`) passes SIGINT on ignored,
    # and bash cannot trap a signal it was started ignoring.
    proc = subprocess.Popen([str(ROOT / "tools" / "run")], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL), start_new_session=True,
                            text=True, env=command_env(VB_PORT=str(port), VB_API_PORT=str(api_port),
                                                       VB_DEPLOYMENTS_DIR=str(tmp_path),
                                                       DATABASE_URL=f"sqlite:///{tmp_path / 'backend.db'}"))
    lines = []
    try:
        deadline = time.monotonic() + 300
        for line in proc.stdout:
            lines.append(line)
            if "Ctrl-C stops everything." in line or time.monotonic() > deadline:
                break
        assert "Ctrl-C stops everything.\n" in lines, "".join(lines)
        time.sleep(1)
        assert port_open(port) and proc.poll() is None  # still serving
        assert httpx.get(f"http://127.0.0.1:{api_port}/health", timeout=5).json()["chain_id"] == 31337
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
        assert not port_open(port)
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{api_port}/health", timeout=2)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the whole group: a failed run must not leave its node and backend
