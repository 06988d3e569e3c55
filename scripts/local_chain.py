"""The local development chain of tools/run: how to start one, and whether a running one can be used.

    python -m scripts.local_chain command anvil|ganache PORT   → the command line that starts that node (one argument
                                                                  a line)
    python -m scripts.local_chain check RPC_URL                → "CHAIN_ID KIND" (KIND: anvil, ganache or other), or
                                                                  exit 1 with the reason the node cannot be used

Both nodes are started with the development mnemonic (backend.chain.keys.DEV_MNEMONIC), so the node's N-th unlocked
account, which the deployment config's "dev:N" names, is dev_key(N), the key the backend signs with.
"""

from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from backend.chain.keys import DEV_ACCOUNTS, DEV_MNEMONIC, dev_accounts_mismatch  # noqa: E402
from backend.config import LOCAL_CHAIN_IDS  # noqa: E402

CHAINS = {"anvil": 31337, "ganache": 1337}  # each node's default chain id, passed explicitly
BROWNIE_NETWORK = {"anvil": "development", "ganache": "ganache-cli"}


def node_command(kind: str, port: int) -> list[str]:
    bin_dir = ROOT / "node_modules" / ".bin"
    if kind == "anvil":
        return [str(bin_dir / "anvil"), "--port", str(port), "--accounts", str(DEV_ACCOUNTS), "--mnemonic", DEV_MNEMONIC,
                "--chain-id", str(CHAINS["anvil"])]
    if kind == "ganache":
        # shanghai: Ganache 7 knows no Cancun opcodes (the contracts are compiled for shanghai, brownie-config.yaml)
        return [str(bin_dir / "ganache"), "--port", str(port), "--wallet.totalAccounts", str(DEV_ACCOUNTS),
                "--wallet.mnemonic", DEV_MNEMONIC, "--chain.chainId", str(CHAINS["ganache"]), "--hardfork", "shanghai",
                "--logging.quiet"]
    raise ValueError(f"unknown chain {kind!r} (anvil or ganache)")


def _rpc(url: str, method: str):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": []}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = json.loads(response.read())
    if "error" in answer:
        raise RuntimeError(f"{method}: {answer['error']}")
    return answer["result"]


def check(url: str) -> tuple[int, str]:
    """The chain id and kind of the node at `url`; RuntimeError if it is not a local chain with the dev accounts."""
    chain_id = int(_rpc(url, "eth_chainId"), 16)
    client = str(_rpc(url, "web3_clientVersion")).lower()
    kind = "anvil" if client.startswith("anvil") else "ganache" if client.startswith("ganache") else "other"
    if chain_id not in LOCAL_CHAIN_IDS:
        raise RuntimeError(f"the node at {url} is chain {chain_id}, not a local development chain "
                           f"({' or '.join(map(str, sorted(LOCAL_CHAIN_IDS)))}); tools/run runs on local chains only")
    why = dev_accounts_mismatch(_rpc(url, "eth_accounts"))
    if why:
        raise RuntimeError(f"the node at {url} ({client}) cannot be used: {why}. Stop it, or use another VB_PORT, and "
                           "tools/run starts one with the development accounts")
    return chain_id, kind


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "command":
        print("\n".join(node_command(argv[1], int(argv[2]))))
        return 0
    if len(argv) == 2 and argv[0] == "check":
        try:
            chain_id, kind = check(argv[1])
        except (RuntimeError, OSError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(chain_id, kind)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
