"""The layers of the backend import only what docs/backend.md#architecture allows, and no route runs SQL, takes a
lock or builds a chain operation (read from the source, no chain needed)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

BACKEND = Path(__file__).resolve().parents[2] / "backend"

# layer → modules of ours it must not import (prefixes)
FORBIDDEN = {
    "domain": ("backend.api", "backend.services", "backend.store", "backend.worker"),
    "store": ("backend.api", "backend.services", "backend.worker"),
    "chain": ("backend.api", "backend.services", "backend.worker"),
    "services": ("backend.api", "backend.worker", "fastapi", "starlette"),
}
# what domain may still read of the chain layer: the id layout of attestations (pure functions, no I/O)
ALLOWED = {"domain": ("backend.chain.attestation_pages",)}


def imports(path: Path) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append(node.module)
    return out


def modules(layer: str, root: Path = BACKEND) -> list[Path]:
    return sorted((root / layer).rglob("*.py"))


def violations(layer: str, root: Path = BACKEND) -> list[str]:
    wrong = []
    for path in modules(layer, root):
        for name in imports(path):
            if name.startswith(ALLOWED.get(layer, ("\0",))):
                continue
            if name.startswith(FORBIDDEN[layer]) or (layer == "domain" and name.startswith("backend.chain")):
                wrong.append(f"{path.relative_to(root.parent)} imports {name}")
    return wrong


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_imports_nothing_above_it(layer):
    wrong = violations(layer)
    assert not wrong, "\n".join(wrong)


def test_no_route_runs_sql_takes_a_lock_or_builds_a_chain_operation():
    pattern = re.compile(r"with_for_update|\.execute\(|select\(|ChainOp\(")
    found = [f"{path.relative_to(BACKEND.parent)}:{n}: {line.strip()}"
             for path in modules("api") for n, line in enumerate(path.read_text().splitlines(), 1)
             if pattern.search(line)]
    assert not found, "\n".join(found)


def test_the_scan_names_a_module_that_imports_upwards(tmp_path):
    (tmp_path / "backend" / "store").mkdir(parents=True)
    (tmp_path / "backend" / "store" / "probe.py").write_text("from backend.api.deps import DbDep\nimport os\n")
    assert violations("store", tmp_path / "backend") == ["backend/store/probe.py imports backend.api.deps"]
