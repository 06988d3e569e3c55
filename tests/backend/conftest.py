"""Fixtures for the backend suite: a real Anvil, the contracts deployed by tools/deploy, the real app served by
uvicorn on a free port and spoken to over HTTP, a real database file (SQLite; PostgreSQL when VB_TEST_DATABASE_URL
is set), and the real chain writer driven step by step.

Run with plain pytest and Brownie's plugin off (tools/test does): `pytest -p no:pytest-brownie tests/backend`.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from nodes import Node, command_env, free_port, start_node  # noqa: E402

from backend.api.app import create_app  # noqa: E402
from backend.services.security import hash_password  # noqa: E402
from backend.chain.client import ChainClient  # noqa: E402
from backend.chain.indexer import Indexer  # noqa: E402
from backend.chain.keys import dev_key, load_centre_signers, load_sender_keys  # noqa: E402
from backend.chain.sender import OpSender  # noqa: E402
from backend.chain.writer import ChainWriter  # noqa: E402
from backend.config import Settings  # noqa: E402
from backend.store.db import make_engine, make_session_factory, migrate, transaction  # noqa: E402
from backend.store.models import Activity, AdminAudit, ChainOp, OutboxItem, StaffUser  # noqa: E402

ADMIN_PASSWORD = "admin-password-1"
RELAYER_INDEX = 9  # the dev account that pays the gas of residents' requests (admin: 0; providers: 3 and 4)
PASSWORD = "staff-password-1"
COIN = 10**18


@pytest.fixture(scope="session")
def node():
    n = start_node("anvil")
    yield n
    n.stop()


def deploy_contracts(node: Node, directory: Path) -> Path:
    """Deploys with tools/deploy (the default config) to `node`; the manifest goes to `directory`."""
    result = subprocess.run(
        [sys.executable, "-m", "scripts.deploy", "--network", "development", "--rpc-url", node.url,
         "--manifest-dir", str(directory)],
        cwd=ROOT, env=command_env(), capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return directory


@pytest.fixture(scope="session")
def manifest_dir(node, tmp_path_factory) -> Path:
    return deploy_contracts(node, tmp_path_factory.mktemp("deployments"))


def own_node_fixtures(*, state_file: bool = False):
    """`node` and `manifest_dir` fixtures for a module with an Anvil and a deployment of its own, in place of the
    session's shared ones: for a module that restarts the node, or whose checks would read other modules' blocks.
    Use: `node, manifest_dir = own_node_fixtures()` at the module's top level. With `state_file`, the node keeps
    its chain in a file, so that it can be stopped and started again with it."""

    @pytest.fixture(scope="module", name="node")
    def own_node(tmp_path_factory):
        args = ("--state", str(tmp_path_factory.mktemp("anvil-state") / "chain.json")) if state_file else ()
        n = start_node("anvil", *args)
        yield n
        n.stop()

    @pytest.fixture(scope="module", name="manifest_dir")
    def own_manifest_dir(node, tmp_path_factory) -> Path:
        return deploy_contracts(node, tmp_path_factory.mktemp("deployments"))

    return own_node, own_manifest_dir


# ---------------------------------------------------------------------------------- tests that touch no database
# The PostgreSQL pass (VB_TEST_DATABASE_URL) differs from the SQLite one only where a test reaches database_url(),
# directly or through a fixture (the `backend` fixture and the modules' own ones), or its module reads
# VB_TEST_DATABASE_URL. A test that does neither runs identically in both passes; tools/test's PostgreSQL pass
# (VB_DATABASE_TESTS_ONLY=1) leaves it out. Which tests those are is derived from the source of each test, of every
# fixture it uses and of its module, not listed by hand; and database_url() fails any test so classed that reaches
# it another way (a helper) in the SQLite pass, so the class cannot go stale.
_DATABASE_WORDS = ("database_url(", "VB_TEST_DATABASE_URL")
_running_without_database: str = ""


def _source(obj) -> str:
    import inspect

    try:
        return inspect.getsource(obj)
    except (OSError, TypeError):
        return ""


def touches_database(item) -> bool:
    if "VB_TEST_DATABASE_URL" in _source(item.module):  # e.g. a module skipped, or acting, by the variable
        return True
    sources = [_source(getattr(item, "function", None))]
    for defs in item._fixtureinfo.name2fixturedefs.values():
        sources += [_source(d.func) for d in defs]
    return any(word in source for source in sources for word in _DATABASE_WORDS)


def pytest_collection_modifyitems(config, items):
    import os

    for item in items:
        if not touches_database(item):
            item.add_marker("no_database")
    if os.environ.get("VB_TEST_DATABASE_URL") and os.environ.get("VB_DATABASE_TESTS_ONLY") == "1":
        kept = [i for i in items if i.get_closest_marker("no_database") is None]
        config.hook.pytest_deselected(items=[i for i in items if i.get_closest_marker("no_database") is not None])
        items[:] = kept


def pytest_configure(config):
    config.addinivalue_line("markers", "no_database: derived: the test reaches no database (see conftest.py)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    global _running_without_database
    _running_without_database = item.nodeid if item.get_closest_marker("no_database") else ""
    try:
        yield
    finally:
        _running_without_database = ""


def database_url(tmp_path: Path) -> str:
    import os

    if _running_without_database:  # the classification below missed a path to the database: say so, loudly
        pytest.fail(f"{_running_without_database} asked for a database, but it was classed as not touching one "
                    "(tests/backend/conftest.py, pytest_collection_modifyitems)", pytrace=False)
    base = os.environ.get("VB_TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_path / 'backend.db'}"
    # A database of its own per module, on the given PostgreSQL server.
    from sqlalchemy import create_engine, text

    name = f"vb_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.rsplit("/", 1)[0] + "/" + name


@dataclass
class Backend:
    """The running app and the pieces a test pokes at."""

    url: str
    settings: Settings
    app: object
    node: Node
    chain: ChainClient
    writer: ChainWriter
    indexer: Indexer
    http: httpx.Client
    sender: OpSender | None = None

    @property
    def sessions(self):
        return self.app.state.sessions

    def login(self, username: str, password: str = PASSWORD) -> dict:
        r = self.http.post("/auth/login", json={"username": username, "password": password})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    def chain_time(self) -> int:
        """The newest block's time, which the contracts compare deadlines with (ahead of the wall clock once a
        test has let locked coins unlock)."""
        return int(self.node.web3.eth.get_block("latest")["timestamp"])

    def unlock(self) -> None:
        """Lets the chain's time pass until every coin minted so far can move (two lock periods), then indexes."""
        seconds = 2 * int(self.chain.coin.functions.lockPeriod().call()) + 1
        self.node.web3.provider.make_request("evm_increaseTime", [seconds])
        self.node.web3.provider.make_request("evm_mine", [])
        self.drain()

    def drain(self, timeout: float = 60) -> None:
        """Runs the chain writer until nothing is queued or in flight, then the indexer to the head."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for centre in sorted(self.writer.signers):
                self.writer.dispatch(centre, flush=True)
            self.writer.track()
            if self.sender is not None:
                self.sender.step()
            with self.sessions() as s:
                open_items = s.query(OutboxItem).filter(OutboxItem.state.in_(("queued", "in_tx"))).count()
                open_items += s.query(ChainOp).filter(ChainOp.state.in_(("queued", "in_tx"))).count()
            if not open_items:
                break
            time.sleep(0.05)
        else:
            raise AssertionError("the outbox did not drain")
        while self.indexer.step():
            pass

    def activity(self, activity_id: int) -> Activity:
        with self.sessions() as s:
            a = s.get(Activity, activity_id)
            s.expunge_all()
            return a


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # runs in a thread
        pass


def serve(app, port: int | None = None) -> tuple[str, callable]:
    """Serves `app` with uvicorn on `port` (a free one by default) in a thread; returns its URL and a function that
    stops it."""
    port = port or free_port()
    server = _Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the app did not start"
        time.sleep(0.05)

    def stop() -> None:
        server.should_exit = True
        thread.join(10)

    return f"http://127.0.0.1:{port}", stop


@pytest.fixture(scope="module")
def backend(node, manifest_dir, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("backend")
    keys = ",".join(f"{c}={dev_key(c).key.hex()}" for c in (1, 2))  # the config's dev:1 and dev:2 coordinators
    settings = Settings(
        database_url=database_url(tmp), rpc_url=node.url, deployments_dir=manifest_dir, dev_centre_keys=keys,
        keystore_dir=tmp / "no-keys", matching_model_dir=tmp / "matching", jwt_secret="test-secret-" + uuid.uuid4().hex, batch_max_wait_s=0.0,
        poll_interval_s=0.05, confirmations=1, stuck_after_s=3600,
        lease_s=0,  # the tests step several writers by hand; test_chaos.py tests the lease
        custody_move_finish_s=0,  # test_custody_graduation.py steps the finisher by hand
        dev_relayer_key=dev_key(RELAYER_INDEX).key.hex(), dev_admin_key=dev_key(0).key.hex(),
        dev_provider_keys=",".join(dev_key(i).key.hex() for i in (3, 4)),
    )
    migrate(settings.database_url)
    sessions = make_session_factory(make_engine(settings.database_url))
    with transaction(sessions) as s:
        s.add(StaffUser(username="admin", password_hash=hash_password(ADMIN_PASSWORD), role="admin"))
    chain = ChainClient(settings)
    app = create_app(settings, chain=chain)
    url, stop_server = serve(app)
    http = httpx.Client(base_url=url, timeout=60)
    writer = ChainWriter(settings, app.state.sessions, chain, load_centre_signers(settings, chain.chain_id))
    sender = OpSender(settings, app.state.sessions, chain, load_sender_keys(settings, chain.chain_id))
    b = Backend(url, settings, app, node, chain, writer, Indexer(app.state.sessions, chain), http, sender)
    admin = b.login("admin", ADMIN_PASSWORD)
    for username, role, centre in (("coord1", "coordinator", 1), ("coord2", "coordinator", 2),
                                   ("officer1", "welfare_officer", 1)):
        r = http.post("/staff", json={"username": username, "password": PASSWORD, "role": role, "centre_id": centre},
                      headers=admin)
        assert r.status_code == 201, r.text
    r = http.post("/staff", json={"username": "gym", "password": PASSWORD, "role": "provider",
                                  "address": node.web3.eth.accounts[3]}, headers=admin)
    assert r.status_code == 201, r.text
    yield b
    stop_server()
    http.close()


@pytest.fixture(scope="module")
def admin_headers(backend):
    return backend.login("admin", ADMIN_PASSWORD)


@pytest.fixture(scope="module")
def coord1(backend):
    return backend.login("coord1")


@pytest.fixture(scope="module")
def coord2(backend):
    return backend.login("coord2")


def new_resident(backend) -> str:
    """A fresh wallet address nobody has used."""
    from eth_account import Account

    return Account.create().address


def activity_body(volunteer: str, **overrides) -> dict:
    from datetime import UTC, datetime, timedelta

    body = {"centre_id": 1, "volunteer": volunteer, "category": 1, "units": 120,
            "occurred_at": (datetime.now(UTC) - timedelta(hours=3)).isoformat(),
            "place": "Seocho-daero 74 community kitchen", "description": "served lunch with 김민지 (010-1234-5678)"}
    body.update(overrides)
    return body


def audit_rows(backend, action: str, **params) -> list[AdminAudit]:
    """The audit log's rows of `action` whose parameters include `params` (e.g. user_id=3), oldest first."""
    with backend.sessions() as s:
        rows = [a for a in s.scalars(select(AdminAudit).where(AdminAudit.action == action).order_by(AdminAudit.id))
                if all(a.params.get(k) == v for k, v in params.items())]
        s.expunge_all()
        return rows
