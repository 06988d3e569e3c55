"""Helpers for the deployment suite: real local nodes on free ports, and the real commands run as subprocesses.

Run with plain pytest and Brownie's plugin off (tools/test does): `pytest -p no:pytest-brownie tests/deploy`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from nodes import Node, command_env, free_port, start_node  # noqa: E402,F401

ANVIL_CHAIN_ID, GANACHE_CHAIN_ID = 31337, 1337


def run(tool: str, *args: str, env: dict | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    """Runs `python -m scripts.<tool> args…` as a user would run tools/<tool>; output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", f"scripts.{tool}", *args],
        cwd=ROOT,
        env=env or command_env(),
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=600,
    )


def dev_args(node: Node, manifest_dir: Path) -> list[str]:
    network = "development" if node.kind == "anvil" else "ganache-cli"
    return ["--network", network, "--rpc-url", node.url, "--manifest-dir", str(manifest_dir)]


def read_manifest(manifest_dir: Path, chain_id: int) -> dict:
    return json.loads((manifest_dir / f"{chain_id}.json").read_text())


def contracts(node: Node, manifest: dict) -> dict:
    """web3.py contracts for a manifest, with the exported ABIs (as the backend loads them)."""
    abi_dir = ROOT / "backend" / "chain" / "abi"
    return {
        name: node.web3.eth.contract(address=entry["address"], abi=json.loads((abi_dir / f"{name}.json").read_text()))
        for name, entry in manifest["contracts"].items()
    }


def copy_config(tmp_path: Path, edit) -> Path:
    """A copy of config/deployment.yaml changed by `edit(dict)`."""
    import yaml

    data = yaml.safe_load((ROOT / "config" / "deployment.yaml").read_text())
    edit(data)
    path = tmp_path / "deployment.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return path


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result.stdout


def refused(result: subprocess.CompletedProcess, code: int = 1) -> str:
    assert result.returncode == code, f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result.stderr

