"""Fixtures for the deployment suite: real local nodes on free ports; the real commands run as subprocesses.

Run with plain pytest and Brownie's plugin off (tools/test does): `pytest -p no:pytest-brownie tests/deploy`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from deploy_helpers import start_node


@pytest.fixture(scope="module")
def anvil():
    node = start_node("anvil")
    yield node
    node.stop()


@pytest.fixture(scope="module")
def ganache():
    node = start_node("ganache")
    yield node
    node.stop()


@pytest.fixture
def manifest_dir(tmp_path) -> Path:
    path = tmp_path / "deployments"
    path.mkdir()
    return path
