"""bench/gas.py --json: stdout is one JSON object and nothing else (Brownie's narration goes to stderr)."""

from __future__ import annotations

import json
import subprocess
import sys

from deploy_helpers import ROOT, command_env, free_port


def test_gas_json_prints_one_json_object_on_stdout():
    port = free_port()
    result = subprocess.run([sys.executable, "bench/gas.py", "--json", "--rpc-url", f"http://127.0.0.1:{port}"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300, env=command_env())
    assert result.returncode == 0, result.stdout + result.stderr
    figures = json.loads(result.stdout)  # the whole of stdout
    assert figures["network"] == "development" and figures["attest_single"] > 0 and figures["revoke"] > 0
    assert "Launching 'anvil" in result.stderr and f"--port {port}" in result.stderr  # its own node, on a free port
