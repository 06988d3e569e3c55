"""docs/security.md answers each "cannot" with the test that shows it: every test it names exists, so the page
cannot go on citing a test that was renamed or removed."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CITATION = re.compile(r"`(?:(tests/[\w/]+/)?(test_\w+\.py))?::(test_\w+)(?:\[[^\]]*\])?`")


def cited(text: str) -> list[tuple[str, str]]:
    """(test file, test name) of each `file::test` and of each `::test` that follows one in the same cell."""
    out, file = [], None
    for line in text.splitlines():
        for directory, name, test in CITATION.findall(line):
            if name:
                file = (directory or "tests/backend/") + name
            if file is not None:
                out.append((file, test))
    return out


def defined(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


def missing(text: str) -> list[str]:
    tests: dict[str, set[str]] = {}
    gone = []
    for file, test in cited(text):
        path = ROOT / file
        if file not in tests:
            tests[file] = defined(path) if path.is_file() else set()
        if test not in tests[file]:
            gone.append(f"{file}::{test}")
    return gone


def test_every_test_the_security_page_names_exists():
    text = (ROOT / "docs" / "security.md").read_text()
    assert len(cited(text)) >= 60  # the page's tables, read: not an empty match
    assert missing(text) == []


def test_the_check_finds_a_test_that_does_not_exist():
    assert missing("| x | `test_api_keys.py::test_an_expired_key_is_refused`, `::test_no_such_behaviour` |") == [
        "tests/backend/test_api_keys.py::test_no_such_behaviour"]
