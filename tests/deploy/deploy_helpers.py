"""Helpers for the deployment suite: real local nodes on free ports, and the real commands run as subprocesses.

Run with plain pytest and Brownie's plugin off (tools/test does): `pytest -p no:pytest-brownie tests/deploy`.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from web3 import Web3

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

ANVIL_CHAIN_ID, GANACHE_CHAIN_ID = 31337, 1337


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def command_env(**extra: str) -> dict:
    env = dict(os.environ)
    bin_dirs = [str(ROOT / ".venv" / "bin"), str(ROOT / "node_modules" / ".bin")]
    env.update(
        SOLCX_BINARY_PATH=str(ROOT / "tools" / "solc"),
        NODE_PATH=str(ROOT / "node_modules"),
        PATH=os.pathsep.join([*bin_dirs, env.get("PATH", "")]),
    )
    for key in ("VB_KEYSTORE", "VB_KEYSTORE_PASSWORD", "VB_KEYSTORE_PASSWORD_FILE", "VB_RPC_URL", "VB_CHAIN_ID",
                "VB_YES", "VB_FRESH", "VB_SYNC", "VB_CONFIG", "VB_NETWORK", "VB_DEPLOYMENTS_DIR"):
        env.pop(key, None)
    env.update(extra)
    return env


@dataclass
class Node:
    """A local chain in its own process."""

    kind: str
    url: str
    process: subprocess.Popen
    web3: Web3

    @property
    def block(self) -> int:
        return self.web3.eth.block_number

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_node(kind: str, *extra: str) -> Node:
    port = free_port()
    if kind == "anvil":
        cmd = [str(ROOT / "node_modules" / ".bin" / "anvil"), "--port", str(port), "--silent", *extra]
    else:  # ganache, as Brownie's ganache-cli network starts it (mnemonic "brownie", shanghai)
        cmd = [str(ROOT / "node_modules" / ".bin" / "ganache"), "--port", str(port), "--wallet.mnemonic", "brownie",
               "--hardfork", "shanghai", "--logging.quiet", *extra]
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=command_env())
    url = f"http://127.0.0.1:{port}"
    web3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 30}))
    deadline = time.monotonic() + 60
    while True:
        try:
            web3.eth.chain_id
            break
        except Exception:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"{kind} did not start on port {port}") from None
            time.sleep(0.2)
    return Node(kind, url, process, web3)


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

