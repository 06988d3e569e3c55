"""The README's main command, tools/run: a local chain, the deployment, the scenario; serving until Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import time

from deploy_helpers import ANVIL_CHAIN_ID, ROOT, command_env, free_port, read_manifest
from web3 import Web3


def port_open(port: int) -> bool:
    try:
        Web3(Web3.HTTPProvider(f"http://127.0.0.1:{port}", request_kwargs={"timeout": 2})).eth.chain_id
        return True
    except Exception:
        return False


def test_run_once_deploys_runs_the_scenario_and_stops_its_chain(tmp_path):
    port = free_port()
    result = subprocess.run([str(ROOT / "tools" / "run"), "--once"], cwd=ROOT, capture_output=True, text=True, timeout=600,
                            env=command_env(VB_PORT=str(port), VB_DEPLOYMENTS_DIR=str(tmp_path)))
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "Done. Manifest:" in out and "provider settles 4 coins with the city -> 800 won owed" in out
    assert f"RPC URL    http://127.0.0.1:{port}" in out
    assert read_manifest(tmp_path, ANVIL_CHAIN_ID)["status"] == "complete"
    assert not port_open(port)  # the chain it started is stopped


def test_run_serves_until_interrupted(tmp_path):
    port = free_port()
    proc = subprocess.Popen([str(ROOT / "tools" / "run")], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=command_env(VB_PORT=str(port), VB_DEPLOYMENTS_DIR=str(tmp_path)))
    lines = []
    try:
        deadline = time.monotonic() + 300
        for line in proc.stdout:
            lines.append(line)
            if "Ctrl-C stops the chain." in line or time.monotonic() > deadline:
                break
        assert "Ctrl-C stops the chain.\n" in lines, "".join(lines)
        time.sleep(1)
        assert port_open(port) and proc.poll() is None  # still serving
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
        assert not port_open(port)
    finally:
        if proc.poll() is None:
            proc.kill()
