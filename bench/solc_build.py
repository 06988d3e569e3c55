"""Compiles Solidity files outside Brownie's project with the project's pinned solc (the shim): the baseline contracts
in bench/contracts, and test-only contracts other suites deploy themselves (contracts/test)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def compile_baselines() -> dict[str, dict]:
    return compile_files(sorted((ROOT / "bench/contracts").glob("*.sol")))


def compile_files(paths: list[Path]) -> dict[str, dict]:
    """{contract name: {"abi", "bytecode"}} of every contract in `paths` (OpenZeppelin imports resolve to
    node_modules)."""
    sources = {str(Path(p).resolve().relative_to(ROOT)): {"content": Path(p).read_text()} for p in paths}
    standard_input = {
        "language": "Solidity",
        "sources": sources,
        "settings": {
            "remappings": ["@openzeppelin/=node_modules/@openzeppelin/"],
            "optimizer": {"enabled": True, "runs": 1000},
            "evmVersion": "shanghai",
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}},
        },
    }
    solc = Path(os.environ.get("SOLCX_BINARY_PATH", ROOT / "tools/solc")) / "solc-v0.8.28"
    out = subprocess.run(
        [str(solc), "--standard-json", "--allow-paths", str(ROOT)],
        input=json.dumps(standard_input),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    result = json.loads(out.stdout)
    errors = [e for e in result.get("errors", []) if e["severity"] == "error"]
    if errors:
        raise RuntimeError("\n".join(e["formattedMessage"] for e in errors))
    return {
        name: {"abi": c["abi"], "bytecode": "0x" + c["evm"]["bytecode"]["object"]}
        for file in result["contracts"].values()
        for name, c in file.items()
    }
