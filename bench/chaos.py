"""The whole backend through a misbehaving provider: nothing lost, nothing done twice.

    python bench/chaos.py [--activities 2000] [--relays 200] [--json] [--postgres URL]

It starts its own Anvil (keeping its chain in a state file, so it can be restarted), deploys with tools/deploy, puts
the fault-injecting proxy (tests/chaos_proxy.py) in front of it, and runs the API (uvicorn) and the worker
(python -m backend.worker) as processes against the proxy, on a fresh SQLite file (PostgreSQL with --postgres or
VB_TEST_DATABASE_URL). A block is mined every second, as a chain does whether or not we send anything.

`--relays` residents first earn coins (the first of the `--activities`, approved and unlocked while nothing
misbehaves). Then the rest of the activities, posted as sheets with an Idempotency-Key (a sheet whose answer is lost
or refused with a 5xx is posted again with the same key), and the residents' relayed payments (POST /me/pay, signed
with EIP-712; posted again the same way) go through the API in phases, each with one kind of fault switched on in the
proxy: eth_getLogs ranges and result counts refused, results cut short without a word, 429 with Retry-After, timeouts
(answers lost before and after the node acted), logs lagging the state, broadcasts dropped and delayed, two backends
out of step behind one balancer; and the chain reorganised under it (the newest blocks replaced, their transactions
gone). Meanwhile the worker is killed with SIGKILL (and started again) twice and the node
is stopped and started again once.

Then the proxy is cleared, everything is left to settle, and the database, the indexer's events and the chain are
compared. Printed (one JSON object with --json; the log goes to stderr):

- activities, confirmed_once (confirmed in the database and attested exactly once on-chain: must equal activities),
  lost (lines sent that no attestation carries), double (attested twice, or a key that gave two records);
- relays, relays_confirmed_once (the payment on-chain once, the resident's nonce used once, the request confirmed in
  the database), relays_double;
- supply_matches (the coin's total supply grew by the rewards the database recorded), indexer_matches_chain (the
  indexer's events are exactly the contracts' logs up to its height, and its balances are the coin's);
- faults_injected (what the proxy actually did, by kind), worker_kills, node_restarts, phases (each fault's phase:
  whether its own work settled and the indexer reached the head while the fault was on), seconds.

Exits 1 when anything was lost or done twice, or the indexer does not match the chain.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "backend"))

from chaos_proxy import ChaosProxy  # noqa: E402
from nodes import command_env, free_port, start_node  # noqa: E402
from residents_helpers import COIN, new_wallet, sign_in, sign_request  # noqa: E402

from backend.chain.keys import dev_key  # noqa: E402

PASSWORD = "bench-password-1"
RELAYER_INDEX = 9  # the dev account paying residents' gas (centres: 1 and 2; admin 0; providers 3 and 4)
RPC_TIMEOUT_S = 2.0  # the services' timeout per JSON-RPC call, so the proxy's "timeout" costs seconds, not minutes
SHEET = 50  # lines per sheet
BATCH = 10  # activities per attestation transaction (the worker's VB_BATCH_MAX_SIZE): 2 logs each (attested, minted)
# The proxy's cap on eth_getLogs results: above what one block holds (Anvil mines each transaction in a block of its
# own; a batch's logs at most), as a provider's cap (thousands) is: the reader can split a range, not a block. Ranges
# of two full blocks exceed it.
LOGS_CAP = 2 * BATCH + 4


def log(*args, sep: str = " ") -> None:
    print(*args, sep=sep, file=sys.stderr, flush=True)


# The phases, in turn: (name, what is switched on in the proxy, what is switched off once the phase's work is mined,
# or None). One-shot faults are armed for a few calls. In the first, eth_getLogs is refused (429) until the phase's
# work is mined, so the indexer then reads a backlog of many blocks and logs, where the caps bite.
def _phases() -> list[tuple[str, callable, callable | None]]:
    return [
        ("logs_caps_refused", lambda p: p.reset(logs_max_blocks=4, logs_max_results=LOGS_CAP)
         .fail("eth_getLogs", "429", count=10**9), lambda p: p.clear("eth_getLogs")),
        ("logs_truncated", lambda p: p.reset(logs_max_results=LOGS_CAP, logs_truncate=True), None),
        ("429", lambda p: p.reset().fail(None, "429", count=30, seconds=1), None),
        ("timeout", lambda p: p.reset().fail("eth_getLogs", "timeout", count=3, seconds=RPC_TIMEOUT_S + 0.5)
         .fail("eth_estimateGas", "timeout", count=2, seconds=RPC_TIMEOUT_S + 0.5), None),
        ("timeout_after_forward", lambda p: p.reset().fail("eth_sendRawTransaction", "timeout_after_forward", count=3,
                                                           seconds=RPC_TIMEOUT_S + 0.5), None),
        ("logs_lagged", lambda p: p.reset(logs_lag=3), None),
        ("drop", lambda p: p.reset().fail("eth_sendRawTransaction", "drop", count=3), None),
        ("delay", lambda p: p.reset().fail("eth_sendRawTransaction", "delay", count=3, seconds=3), None),
        ("reordered", lambda p: p.reset(reorder=3), None),
        ("reorg", lambda p: p.reset(), None),  # the node reorganised under the backend (Chaos.reorganise)
    ]


# Where the worker is killed (the first `worker_kills` of these): its successor reads the history through the cut
# answers; the other with broadcasts lost in flight. And where the node is restarted.
KILL_IN = ("logs_truncated", "drop", "429", "reordered")
RESTART_IN = ("timeout_after_forward", "logs_lagged")
# The phase in which the chain reorganises: the blocks of the last REORG_EVERY_S (2 or 3 with a block a second, and
# their transactions) replaced by others, while the phase's work is sent and REORG_AFTER_SENT times after. Well above
# Anvil's `finalized` block (64 below the head), as a short reorganisation of a real chain is.
REORG_IN = ("reorg",)
REORG_EVERY_S, REORG_AFTER_SENT = 2.5, 4
FINALITY_BLOCKS = 70  # mined at the end: Anvil's `finalized` block is 64 below its head


@dataclass
class Resident:
    """What residents_helpers needs of a backend: the API, the chain's id and clock, the Redemption contract."""

    http: httpx.Client
    chain: object
    web3: object

    def chain_time(self) -> int:
        # Read from the node itself, which the bench stops and starts again once: wait for it rather than fail.
        deadline = time.monotonic() + 60
        while True:
            try:
                return int(self.web3.eth.get_block("latest")["timestamp"])
            except (requests.ConnectionError, requests.Timeout):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)


@dataclass
class Chaos:
    workdir: Path
    database_url: str | None = None
    phase_timeout_s: float = 90.0
    worker_kills: int = 0
    node_restarts: int = 0
    worker_exits: int = 0
    phases: dict = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)

    def elapsed(self) -> int:
        return round(time.perf_counter() - self.started)

    # ------------------------------------------------------------------ the stack

    def start(self, node=None, manifests: Path | None = None) -> None:
        """Starts the stack; on `node` (deployed, its manifests in `manifests`) if given, else on an Anvil of its
        own that keeps its chain in a state file."""
        self.own_node = node is None
        self.node = node or start_node("anvil", "--state", str(self.workdir / "chain.json"))
        self.manifests = manifests or self.workdir / "deployments"
        if manifests is None:
            env = command_env()
            for args in (("scripts.deploy", "--rpc-url", self.node.url, "--manifest-dir", str(self.manifests)),
                         ("scripts.admin", "set-cap", "1", "300000000", "--rpc-url", self.node.url,
                          "--manifest-dir", str(self.manifests))):
                subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                               check=True, timeout=600)
        log(f"{self.elapsed()} s: chain ready")
        self.proxy = ChaosProxy(self.node.url)
        self.db_url = self.database_url or f"sqlite:///{self.workdir / 'chaos.db'}"
        self.env = command_env(
            DATABASE_URL=self.db_url, VB_RPC_URL=self.proxy.url, VB_DEPLOYMENTS_DIR=str(self.manifests),
            VB_DEV_CENTRE_KEYS=",".join(f"{c}={dev_key(c).key.hex()}" for c in (1, 2)),
            VB_DEV_RELAYER_KEY=dev_key(RELAYER_INDEX).key.hex(), VB_DEV_ADMIN_KEY=dev_key(0).key.hex(),
            VB_DEV_PROVIDER_KEYS=",".join(dev_key(i).key.hex() for i in (3, 4)),
            VB_JWT_SECRET=secrets.token_urlsafe(32), VB_SIWE_NONCE_SECRET=secrets.token_urlsafe(32),
            VB_KEYSTORE_DIR=str(self.workdir / "no-keys"), VB_BATCH_MAX_SIZE=str(BATCH), VB_BATCH_MAX_WAIT_S="0.2",
            VB_POLL_INTERVAL_S="0.1",
            VB_CONFIRMATIONS="1", VB_RPC_TIMEOUT_S=str(RPC_TIMEOUT_S), VB_STUCK_AFTER_S="5", VB_LEASE_S="2",
            VB_LOGS_VERIFY="true")
        self._seed()
        self._mining = threading.Event()
        # Our own evm_mine and evm_revert one at a time: Anvil 1.7 running both at once lost blocks from its chain
        # (heights with no block under a later head), which no real chain does.
        self._node_calls = threading.Lock()
        self._miner = threading.Thread(target=self._mine, daemon=True)
        self._miner.start()
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.api = subprocess.Popen([sys.executable, "-m", "uvicorn", "backend.api.app:create_app", "--factory",
                                     "--port", str(port), "--log-level", "warning", "--no-access-log"],
                                    cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL,
                                    stderr=open(self.workdir / "api.log", "w"))
        self.worker = self._start_worker()
        deadline = time.monotonic() + 180
        while True:
            try:
                httpx.get(f"{self.url}/health", timeout=5)
                break
            except httpx.HTTPError:
                if self.api.poll() is not None or time.monotonic() > deadline:
                    tail = (self.workdir / "api.log").read_text()[-2000:]
                    raise RuntimeError(f"the API did not start: {tail}") from None
                time.sleep(0.2)
        self.http = httpx.Client(base_url=self.url, timeout=60)
        token = self.http.post("/auth/login", json={"username": "coord1", "password": PASSWORD}).json()
        self.coord = {"Authorization": f"Bearer {token['access_token']}"}

    def _seed(self) -> None:
        from backend.chain.client import ChainClient
        from backend.config import Settings
        from backend.services.centres import sync_centres
        from backend.services.security import hash_password
        from backend.store.db import make_engine, make_session_factory, migrate, transaction
        from backend.store.models import StaffUser

        # The bench's own view: straight to the node (never through the proxy), on the same database.
        self.settings = Settings(database_url=self.db_url, rpc_url=self.node.url, deployments_dir=self.manifests,
                                 keystore_dir=self.workdir / "no-keys", jwt_secret=secrets.token_urlsafe(32))
        migrate(self.db_url)
        self.sessions = make_session_factory(make_engine(self.db_url))
        self.chain = ChainClient(self.settings)
        sync_centres(self.sessions, self.chain)
        with transaction(self.sessions) as s:
            s.add(StaffUser(username="coord1", password_hash=hash_password(PASSWORD), role="coordinator", centre_id=1))

    def _mine(self) -> None:
        """A block a second, as a chain makes them whether or not we send anything (logs lagging N blocks catch up)."""
        while not self._mining.wait(1.0):
            try:
                with self._node_calls:
                    self.node.web3.provider.make_request("evm_mine", [])
            except Exception:  # the node is being restarted
                pass

    def _start_worker(self) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "backend.worker"], cwd=ROOT, env=self.env,
                                stdout=subprocess.DEVNULL, stderr=open(self.workdir / "worker.log", "a"))

    def kill_worker(self) -> None:
        self.worker.send_signal(signal.SIGKILL)
        self.worker.wait(30)
        self.worker_kills += 1
        log(f"worker killed (SIGKILL), {self.worker_kills} so far; started again")
        self.worker = self._start_worker()

    def restart_node(self, down_s: float = 2.0) -> None:
        with self._node_calls:  # no block of ours mined meanwhile
            last = int(self.node.web3.eth.get_block("latest")["timestamp"])
            self.proxy.unreachable = True  # calls meanwhile: 502 from the proxy, until the clock is set again
            try:
                self.node.stop()  # Anvil writes its state file on the way out
                time.sleep(down_s)
                self.node.start_again()
                # The chain's clock, moved ahead by the bench to unlock coins, goes on from where it was (Anvil's
                # state file keeps the blocks, not the offset from the wall clock) before anyone else reaches the
                # node: a block at the wall clock's time would lock the residents' coins again, which no real
                # chain does.
                self.node.web3.provider.make_request("evm_setNextBlockTimestamp", [last + 1])
                self.node.web3.provider.make_request("evm_mine", [])
            finally:
                self.proxy.unreachable = False
        self.node_restarts += 1
        log("node stopped and started again from its state file")

    def reorganise(self, sent: threading.Event, injected: Counter) -> int:
        """Reorganisations (REORG_IN) until the phase's work is sent and REORG_AFTER_SENT more: the chain taken back
        to a snapshot of REORG_EVERY_S earlier (the blocks since gone with their transactions; the miner then makes
        others). Counts them and the transactions they took out (the miner's blocks are empty: any transaction is
        ours) in `injected`; returns the deepest. evm_revert, not anvil_reorg: after anvil_reorg, Anvil 1.7 accepts a removed
        transaction sent again without ever mining it, and its eth_getLogs can miss what it mined later."""
        after = deepest = 0
        while after < REORG_AFTER_SENT:
            web3 = self.node.web3
            snapshot, base = web3.provider.make_request("evm_snapshot", [])["result"], web3.eth.block_number
            time.sleep(REORG_EVERY_S)
            head = web3.eth.block_number
            removed = sum(len(web3.eth.get_block(n)["transactions"]) for n in range(base + 1, head + 1))
            with self._node_calls:
                web3.provider.make_request("evm_revert", [snapshot])
            injected["reorg"] += 1
            injected["reorg_removed_transactions"] += removed
            deepest = max(deepest, head - base)
            after += sent.is_set()
        return deepest

    def keep_worker_alive(self) -> None:
        if self.worker.poll() is not None:
            self.worker_exits += 1
            tail = (self.workdir / "worker.log").read_text().splitlines()[-15:]
            log(f"the worker exited by itself ({self.worker.returncode}); started again. Its log ends:", *tail,
                sep="\n")
            self.worker = self._start_worker()

    def close(self) -> None:
        self._mining.set()
        for p in (self.api, self.worker):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(30)
                except subprocess.TimeoutExpired:
                    p.kill()
        self.proxy.close()
        if self.own_node:
            self.node.stop()

    # ------------------------------------------------------------------ clients

    def post_until_answered(self, path: str, body: dict, headers: dict, timeout: float = 300) -> httpx.Response:
        """Posts, and posts the same again (same Idempotency-Key, same signed body) while the answer is lost or a 5xx:
        what a client does when the node behind the API is down or slow."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                r = httpx.post(self.url + path, json=body, headers=headers, timeout=60)
                if r.status_code < 500:
                    return r
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"POST {path} was never answered")
            time.sleep(0.5)

    def post_sheet(self, volunteers: list[str], units: int = 60) -> list[tuple[int, int]]:
        """(id, reward) of each line of a sheet, approved, posted until answered."""
        occurred = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
        items = [{"centre_id": 1, "volunteer": v, "category": 1, "units": units, "occurred_at": occurred}
                 for v in volunteers]
        r = self.post_until_answered("/activities/batch", {"activities": items, "approve": True},
                                     {**self.coord, "Idempotency-Key": str(uuid.uuid4())})
        if r.status_code != 201:
            raise RuntimeError(f"POST /activities/batch: {r.status_code} {r.text}")
        return [(a["id"], int(a["reward"])) for a in r.json()]

    def post_sheets(self, count: int, volunteers: list[str] | None = None, units: int = 60) -> list[int]:
        volunteers = volunteers or [new_wallet().address for _ in range(count)]
        sheets = [volunteers[i:i + SHEET] for i in range(0, len(volunteers), SHEET)]
        with ThreadPoolExecutor(4) as pool:
            return [i for answer in pool.map(lambda v: self.post_sheet(v, units), sheets) for i, _ in answer]

    def post_relays(self, payers: list, tokens: dict, payee: str) -> None:
        def pay(payer) -> None:
            body = sign_request(self.resident, payer, "pay", 0, payee=payee, amount=COIN,
                                request_ref="0x" + uuid.uuid4().hex.ljust(64, "0"))
            r = self.post_until_answered("/me/pay", body, tokens[payer.address])
            # A copy whose first answer was lost: refused as seen, never sent twice.
            if r.status_code != 202 and not (r.status_code == 409 and r.json().get("error") in
                                             ("replayed", "nonce_out_of_order")):
                raise RuntimeError(f"POST /me/pay: {r.status_code} {r.text}")

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(pay, payers))

    # ------------------------------------------------------------------ waiting

    def unsettled(self, ids: list[int]) -> int:
        from sqlalchemy import func, select

        from backend.store.models import Activity, ChainOp

        with self.sessions() as s:
            left = s.scalar(select(func.count()).select_from(Activity).where(
                Activity.id.in_(ids), Activity.status != "confirmed")) if ids else 0
            left += s.scalar(select(func.count()).select_from(ChainOp).where(ChainOp.state.in_(("queued", "in_tx"))))
        return left

    def _wait(self, left, timeout: float) -> bool:
        """Until `left()` is 0 (True), keeping the worker alive; False at the timeout."""
        deadline = time.monotonic() + timeout
        while left():
            self.keep_worker_alive()
            if time.monotonic() > deadline:
                return False
            time.sleep(0.3)
        return True

    def wait_settled(self, ids: list[int], timeout: float) -> bool:
        return self._wait(lambda: self.unsettled(ids), timeout)

    def wait_final(self, timeout: float) -> bool:
        """Every transaction confirmed is final: the node's `finalized` block (64 below Anvil's head) has passed it,
        so no reorganisation can take it out any more. Until then a confirmed transaction may be out of the chain
        for a while (reorganised out, being sent again). The blocks up to there are mined at once."""
        from sqlalchemy import func, select

        from backend.store.models import ChainTx

        def not_final() -> int:
            with self.sessions() as s:
                return s.scalar(select(func.count()).select_from(ChainTx).where(
                    ChainTx.final.is_(False), ChainTx.status != "dropped"))

        self.node.web3.provider.make_request("anvil_mine", [hex(FINALITY_BLOCKS)])
        return self._wait(not_final, timeout)

    def wait_indexed(self, timeout: float, strict: bool = True) -> int | None:
        """Waits until the indexer has reached the node's head as it was when asked; returns the indexed height (None
        at the timeout unless `strict`)."""
        from backend.store.models import KeyValue

        target = self.node.web3.eth.block_number
        deadline = time.monotonic() + timeout
        while True:
            with self.sessions() as s:
                kv = s.get(KeyValue, "indexer.next_block")
                height = int(kv.value) - 1 if kv else -1
            if height >= target:
                return height
            self.keep_worker_alive()
            if time.monotonic() > deadline:
                if not strict:
                    return None
                raise RuntimeError(f"the indexer is at {height}, the chain at {target}")
            time.sleep(0.3)

    def wait_restored(self, timeout: float = 120) -> None:
        """The worker's first round checks the chain against the database; approvals wait for it."""
        from backend.store.chain_marks import RESTORING
        from backend.store.models import KeyValue
        from backend.store.restore import RESTORE_MARK

        deadline = time.monotonic() + timeout
        while True:
            with self.sessions() as s:
                if s.get(KeyValue, RESTORE_MARK) is not None and s.get(KeyValue, RESTORING) is None:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError("the worker did not check the chain")
            time.sleep(0.2)


def run(activities: int, relays: int, *, worker_kills: int = 2, node_restarts: int = 1,
        database_url: str | None = None, workdir: Path | None = None, node=None, manifests: Path | None = None) -> dict:
    """The whole benchmark; returns its figures. On `node` (deployed, manifests in `manifests`; not restarted) if
    given."""
    if node is not None and node_restarts:
        raise ValueError("a node given is not restarted")
    if activities < relays + 1:
        raise ValueError("--activities must exceed --relays (each relaying resident first earns through one)")
    started = time.perf_counter()
    own_dir = tempfile.TemporaryDirectory(prefix="vb-chaos-") if workdir is None else None
    bench = Chaos(Path(own_dir.name) if own_dir else workdir, database_url)
    bench.start(node, manifests)
    try:
        bench.resident = Resident(bench.http, bench.chain, bench.node.web3)
        supply = bench.chain.coin.functions.totalSupply().call()
        bench.wait_restored()

        # Residents who will relay: they earn (the first of the activities) while nothing misbehaves, and their coins
        # unlock (the chain's clock moved on two lock periods).
        payers = [new_wallet() for _ in range(relays)]
        ids = bench.post_sheets(relays, [p.address for p in payers], units=120)
        if not bench.wait_settled(ids, 300):
            raise RuntimeError("the residents' coins were not minted")
        lock = int(bench.chain.coin.functions.lockPeriod().call())
        bench.node.web3.provider.make_request("evm_increaseTime", [2 * lock + 1])
        bench.node.web3.provider.make_request("evm_mine", [])
        tokens = {p.address: sign_in(bench.resident, p) for p in payers}
        payee = new_wallet().address
        log(f"{bench.elapsed()} s: {relays} residents earned and can spend; {len(_phases())} phases of faults follow")

        phases = _phases()
        rest = activities - relays
        kill_in, restart_in = KILL_IN[:worker_kills], RESTART_IN[:node_restarts]
        for n, (name, switch, release) in enumerate(phases):
            count = rest * (n + 1) // len(phases) - rest * n // len(phases)
            relaying = payers[relays * n // len(phases):relays * (n + 1) // len(phases)]
            switch(bench.proxy)
            before = dict(bench.proxy.injected)
            t0 = time.perf_counter()
            sending = ThreadPoolExecutor(3)
            sheets = sending.submit(bench.post_sheets, count) if count else None
            pays = sending.submit(bench.post_relays, relaying, tokens, payee) if relaying else None
            if name in kill_in:
                time.sleep(0.5)  # mid-phase, with work in flight
                bench.kill_worker()
            if name in restart_in:
                time.sleep(0.5)
                bench.restart_node()
            reorgs, sent = Counter(), threading.Event()
            reorganising = sending.submit(bench.reorganise, sent, reorgs) if name in REORG_IN else None
            phase_ids = sheets.result() if sheets else []
            if pays:
                pays.result()
            sent.set()
            depth = reorganising.result() if reorganising else None
            sending.shutdown()
            ids += phase_ids
            if release is not None:
                bench.wait_settled(phase_ids, bench.phase_timeout_s)
                time.sleep(2)  # a few more blocks in the backlog
                release(bench.proxy)
                bench.wait_indexed(bench.phase_timeout_s)
            settled = bench.wait_settled(phase_ids, bench.phase_timeout_s)
            indexed = bench.wait_indexed(bench.phase_timeout_s, strict=False) is not None
            injected = {k: v - before.get(k, 0) for k, v in bench.proxy.injected.items() if v - before.get(k, 0)}
            injected.update(reorgs)
            bench.phases[name] = {"activities": count, "relays": len(relaying), "settled_under_fault": settled,
                                  "indexed_under_fault": indexed,
                                  "injected": injected, "seconds": round(time.perf_counter() - t0, 1)}
            if depth is not None:
                bench.phases[name]["reorg_depth_max"] = depth
            log(f"{bench.elapsed()} s: phase {name}: {count} activities, {len(relaying)} relays, "
                f"settled under the fault: {settled}, indexed: {indexed}, injected {injected}")
        faults = sorted({k for p in bench.phases.values() for k in p["injected"]})

        bench.proxy.reset()
        if not bench.wait_settled(ids, 600):
            raise RuntimeError(f"{bench.unsettled(ids)} activities or requests never settled")
        if not bench.wait_final(300):
            raise RuntimeError("transactions confirmed but never final")
        if not bench.wait_settled(ids, 600):  # anything reorganised out and sent again
            raise RuntimeError(f"{bench.unsettled(ids)} activities or requests never settled")
        height = bench.wait_indexed(300)
        figures = compare(bench, ids, payers, payee, supply, height)
        figures.update(activities=activities, relays=relays, faults_injected=faults,
                       worker_kills=bench.worker_kills, node_restarts=bench.node_restarts,
                       worker_exits=bench.worker_exits, phases=bench.phases,
                       seconds=round(time.perf_counter() - started, 1))
        return figures
    finally:
        bench.close()
        if own_dir is not None:
            own_dir.cleanup()


def compare(bench: Chaos, ids: list[int], payers: list, payee: str, supply_before: int, height: int) -> dict:
    """The database, the indexer's tables and the chain (read straight from the node), against each other."""
    from collections import Counter

    from sqlalchemy import select

    from backend.chain.attestation_pages import ACTIVITY_ATTESTED_TOPIC
    from backend.store.models import Activity, Balance, ChainEvent, ChainOp

    web3, chain = bench.node.web3, bench.chain
    start = chain.deployment.deployment_block
    attested = Counter(bytes(log["topics"][1]).hex()[-40:] for log in web3.eth.get_logs({
        "address": chain.registry.address, "fromBlock": start, "toBlock": "latest",
        "topics": ["0x" + ACTIVITY_ATTESTED_TOPIC.hex()]}))
    with bench.sessions() as s:
        rows = list(s.scalars(select(Activity)))
        ops = Counter(state for state, in s.execute(select(ChainOp.state)))
        events = {(e.tx_hash.lower(), e.log_index) for e in s.scalars(select(ChainEvent).where(
            ChainEvent.block_number <= height))}
        balances = {b.address: int(b.amount) for b in s.scalars(select(Balance))}
    once = sum(1 for a in rows if a.status == "confirmed" and a.chain_id_hex
               and attested[a.chain_id_hex[-40:].lower()] == 1
               and chain.registry.functions.isAttested(bytes.fromhex(a.chain_id_hex[2:])).call())
    carried = sum(1 for a in rows if a.chain_id_hex and attested[a.chain_id_hex[-40:].lower()] >= 1)
    double = sum(1 for a in rows if a.chain_id_hex and attested[a.chain_id_hex[-40:].lower()] > 1)
    double += max(0, len(rows) - len(ids))  # a retried sheet that gave a second set of records
    rewards = sum(int(a.reward) for a in rows if a.status == "confirmed")

    paid = Counter(e.args.payer for e in chain.redemption.events.ServicePaid.get_logs(from_block=start))
    relays_once = sum(1 for p in payers if paid[p.address] == 1
                      and chain.redemption.functions.nonces(p.address).call() == 1)
    chain_logs = {(log["transactionHash"].hex().lower() if log["transactionHash"].hex().startswith("0x")
                   else "0x" + log["transactionHash"].hex().lower(), log["logIndex"]) for log in web3.eth.get_logs({
                       "address": [chain.registry.address, chain.coin.address, chain.redemption.address],
                       "fromBlock": start, "toBlock": height})}
    if events != chain_logs:
        log("the indexer's events differ from the chain's logs: missing", sorted(chain_logs - events)[:20],
            "extra", sorted(events - chain_logs)[:20])
    balances_match = all(chain.coin.functions.balanceOf(web3.to_checksum_address(a)).call(block_identifier=height)
                         == amount for a, amount in balances.items())
    return {
        "confirmed_once": once, "lost": max(0, len(ids) - carried), "double": double,
        "relays_confirmed_once": min(relays_once, ops["confirmed"]),
        "relays_double": sum(1 for p in payers if paid[p.address] > 1),
        "payee_balance_matches": chain.coin.functions.balanceOf(payee).call() == len(payers) * COIN,
        "supply_matches": chain.coin.functions.totalSupply().call() - supply_before == rewards,
        "indexer_matches_chain": events == chain_logs and balances_match,
        "indexer_missing": len(chain_logs - events), "indexer_extra": len(events - chain_logs),
    }


def failed(figures: dict) -> bool:
    return (figures["lost"] > 0 or figures["double"] > 0 or figures["relays_double"] > 0
            or not figures["indexer_matches_chain"] or figures["confirmed_once"] != figures["activities"]
            or figures["relays_confirmed_once"] != figures["relays"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--activities", type=int, default=2000)
    parser.add_argument("--relays", type=int, default=200)
    parser.add_argument("--postgres", default=os.environ.get("VB_TEST_DATABASE_URL"),
                        help="a PostgreSQL server URL; the bench creates a database of its own on it")
    parser.add_argument("--workdir", type=Path, help="a folder for the node's state, the database and the API's and "
                        "worker's logs, kept afterwards (default: a temporary one, removed)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    database_url = None
    if args.postgres:
        from sqlalchemy import create_engine, text

        name = f"vb_chaos_{uuid.uuid4().hex[:12]}"
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        database_url = args.postgres.rsplit("/", 1)[0] + "/" + name
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
    figures = run(args.activities, args.relays, database_url=database_url, workdir=args.workdir)
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key:>24}: {value}")
    return 1 if failed(figures) else 0


if __name__ == "__main__":
    sys.exit(main())
