"""Local chains for the suites that run outside Brownie: Anvil or Ganache in a process of their own, on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from web3 import Web3

ROOT = Path(__file__).resolve().parents[1]


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
    extra: tuple = ()

    @property
    def block(self) -> int:
        return self.web3.eth.block_number

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def start_again(self) -> None:
        """Starts the node again on the same port (with `--state FILE` in `extra`, on the same chain)."""
        self.process = start_node(self.kind, *self.extra, port=self.port).process


def start_node(kind: str, *extra: str, port: int | None = None) -> Node:
    from backend.chain.keys import DEV_MNEMONIC  # the development accounts, dev:N = dev_key(N), on both nodes

    port = port or free_port()
    if kind == "anvil":
        cmd = [str(ROOT / "node_modules" / ".bin" / "anvil"), "--port", str(port), "--mnemonic", DEV_MNEMONIC,
               "--silent", *extra]
    else:  # ganache 7 as tools/run starts it: shanghai (it knows no Cancun opcodes), chain id 1337
        cmd = [str(ROOT / "node_modules" / ".bin" / "ganache"), "--port", str(port), "--wallet.mnemonic", DEV_MNEMONIC,
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
    return Node(kind, url, process, web3, tuple(extra))
