"""Fixtures for the deployment suite: real local nodes on free ports; the real commands run as subprocesses.

Run with plain pytest and Brownie's plugin off (tools/test does): `pytest -p no:pytest-brownie tests/deploy`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from deploy_helpers import start_node


def pytest_configure(config):
    # tools/test runs these apart, after the contract suites, which hold the same port.
    config.addinivalue_line("markers", "brownie_port: starts Brownie's development node on its fixed port 8545")


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
