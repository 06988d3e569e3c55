"""End-to-end throughput of the coordinator backend on Anvil, against a naive baseline measured in the same run.

    python bench/throughput.py [--json] [--max 100000] [--clients 32]

It starts its own Anvil, deploys with tools/deploy, raises centre 1's cap, and runs the API (uvicorn) and the
worker (python -m backend.worker) as processes on a fresh SQLite file. Measured:

- e2e_per_s_batch{1,10,100}: activities recorded and approved through the API (POST /activities, approve: true,
  by `--clients` concurrent clients) until all are confirmed on-chain, per second, with the worker's batch size
  1, 10 and 100;
- naive_per_s: one web3.py `attest` transaction per activity, sent and awaited one after the other;
- e2e_per_s_sheets100: the same, posted as sheets of 100 (POST /activities/batch) by 4 clients;
- e2e_per_s_at_{1k,10k,100k}: at batch 100, the rate over the window of activities ending at 1k, 10k and 100k
  submitted (is it flat as the database grows?);
- read/write p50/p99: 50 concurrent clients, GET /activities/{id} and POST /activities (record only);
- relay_per_s, relay_p99_ms: residents' relayed redemptions (POST /me/redeem) per second until confirmed, and the
  API's p99 answering them, against the relayer sending redeemBySig itself (relay_naive_per_s); see relay_rate().

Figures are machine-dependent; compare them with each other (ratios), not across machines.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from nodes import command_env, free_port, start_node  # noqa: E402

import loadgen  # noqa: E402  (bench/ is the script's own folder, first on sys.path)

from backend.services.security import hash_password  # noqa: E402
from backend.chain.keys import dev_key  # noqa: E402

PASSWORD = "bench-password-1"


def log(*args) -> None:
    print(*args, file=sys.stderr, flush=True)


class Stack:
    """Anvil + deployment + API + worker on a fresh database."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.node = start_node("anvil")
        self.manifests = workdir / "deployments"
        env = command_env()
        run = lambda *a: subprocess.run([sys.executable, "-m", *a], cwd=ROOT, env=env, capture_output=True,  # noqa: E731
                                        text=True, check=True, timeout=600)
        run("scripts.deploy", "--rpc-url", self.node.url, "--manifest-dir", str(self.manifests))
        run("scripts.admin", "set-cap", "1", "300000000", "--rpc-url", self.node.url, "--manifest-dir", str(self.manifests))
        self.api = self.worker = None
        self.db_index = 0
        self.api_workers = int(os.environ.get("VB_BENCH_API_WORKERS", "1"))

    def env(self, db: Path, batch: int) -> dict:
        keys = ",".join(f"{c}={dev_key(c).key.hex()}" for c in (1, 2))
        return command_env(DATABASE_URL=f"sqlite:///{db}", VB_RPC_URL=self.node.url,
                           VB_DEPLOYMENTS_DIR=str(self.manifests), VB_DEV_CENTRE_KEYS=keys,
                           VB_JWT_SECRET=secrets.token_urlsafe(32), VB_BATCH_MAX_SIZE=str(batch),
                           VB_BATCH_MAX_WAIT_S="0.2", VB_POLL_INTERVAL_S="0.05", VB_KEYSTORE_DIR=str(self.workdir / "none"))

    def start(self, batch: int) -> None:
        """A fresh database, API and worker, with the worker's batch size."""
        self.stop_services()
        self.db_index += 1
        self.db = self.workdir / f"bench-{self.db_index}.db"
        self.settled = (0, 0)  # (activities confirmed, the highest id among them and all before it)
        env = self.env(self.db, batch)
        subprocess.run([sys.executable, "-c", _SEED], cwd=ROOT, env=env, check=True, timeout=120)
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.api = subprocess.Popen([sys.executable, "-m", "uvicorn", "backend.api.app:create_app", "--factory",
                                     "--port", str(port), "--log-level", "warning", "--no-access-log",
                                     "--workers", str(self.api_workers)],
                                    cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                    stderr=open(self.workdir / f"api-{self.db_index}.log", "w"))
        self.worker = subprocess.Popen([sys.executable, "-m", "backend.worker"], cwd=ROOT, env=env,
                                       stdout=subprocess.DEVNULL,
                                       stderr=open(self.workdir / f"worker-{self.db_index}.log", "w"))
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{self.url}/health", timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the API did not start") from None
                time.sleep(0.2)
        token = httpx.post(f"{self.url}/auth/login", json={"username": "coord1", "password": PASSWORD}).json()
        self.headers = {"Authorization": f"Bearer {token['access_token']}"}

    def confirmed(self) -> int:
        """Activities confirmed so far. Counts only those after the last fully confirmed id: a count over the whole
        table, 20 times a second, would cost the measurement more at 100k than at 1k."""
        with sqlite3.connect(self.db, timeout=30) as c:
            return self.settled[0] + c.execute("select count(*) from activities where id > ? and status = 'confirmed'",
                                               (self.settled[1],)).fetchone()[0]

    def all_confirmed(self, total: int) -> None:
        with sqlite3.connect(self.db, timeout=30) as c:
            self.settled = (total, c.execute("select coalesce(max(id), 0) from activities").fetchone()[0])

    def stop_services(self) -> None:
        for p in (self.api, self.worker):
            if p and p.poll() is None:
                p.terminate()
                p.wait(30)

    def close(self) -> None:
        self.stop_services()
        self.node.stop()


_SEED = f"""
from backend.services.security import hash_password
from backend.config import get_settings
from backend.store.db import make_engine, make_session_factory, migrate, transaction
from backend.store.models import StaffUser
from backend.chain.client import ChainClient
from backend.services.centres import sync_centres
s = get_settings(); migrate(s.database_url)
sessions = make_session_factory(make_engine(s.database_url))
sync_centres(sessions, ChainClient(s))
with transaction(sessions) as db:
    db.add(StaffUser(username="coord1", password_hash=hash_password({PASSWORD!r}), role="coordinator", centre_id=1))
"""
assert hash_password  # the seed runs in the services' environment, with the same hashing


def body(volunteer: str, approve: bool = True) -> dict:
    return {"centre_id": 1, "volunteer": volunteer, "category": 1, "units": 60, "approve": approve,
            "occurred_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat()}


def submit(stack: Stack, n: int, clients: int, volunteers: list[str], approve: bool = True) -> tuple[float, list[float]]:
    """Posts n activities with `clients` concurrent connections; returns (seconds, latencies in ms)."""
    result = loadgen.run(stack.url, lambda i: ("POST", "/activities", body(volunteers[i % len(volunteers)], approve)),
                         n, clients, stack.headers, expect=201)
    return result.seconds, result.latencies_ms


def wait_confirmed(stack: Stack, total: int, timeout: float = 3600) -> None:
    deadline = time.monotonic() + timeout
    while stack.confirmed() < total:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {stack.confirmed()} of {total} confirmed")
        time.sleep(0.05)
    stack.all_confirmed(total)


def cpu_seconds(stack: Stack) -> dict[str, float]:
    """CPU time used so far by each part (uvicorn's worker processes included): what a rate costs, whatever else
    the machine was doing meanwhile."""
    def total(pid: int) -> float:
        p = psutil.Process(pid)
        procs = [p, *p.children(recursive=True)]
        return sum(sum(q.cpu_times()[:2]) for q in procs)

    return {"api": total(stack.api.pid), "worker": total(stack.worker.pid), "anvil": total(stack.node.process.pid),
            "client": sum(psutil.Process().cpu_times()[:2])}


def e2e_rate(stack: Stack, batch: int, n: int, clients: int, volunteers: list[str], costs: dict | None = None) -> float:
    stack.start(batch)
    before = cpu_seconds(stack)
    start = time.perf_counter()
    submit(stack, n, clients, volunteers)
    wait_confirmed(stack, n)
    rate = n / (time.perf_counter() - start)
    if costs is not None:
        after = cpu_seconds(stack)
        costs.update({part: round((after[part] - before[part]) / n * 1000, 3) for part in after})
    return rate


def sheet_rate(stack: Stack, n: int, per_sheet: int, clients: int, volunteers: list[str]) -> float:
    """As e2e at batch 100, but posted as sheets of `per_sheet` (POST /activities/batch, approve: true)."""
    stack.start(100)
    sheets = n // per_sheet
    start = time.perf_counter()

    def post(k: int) -> None:
        items = [dict(body(volunteers[(k * per_sheet + j) % len(volunteers)]), approve=None) for j in range(per_sheet)]
        for item in items:
            item.pop("approve")
        with httpx.Client(base_url=stack.url, headers=stack.headers, timeout=120) as c:
            r = c.post("/activities/batch", json={"activities": items, "approve": True})
            if r.status_code != 201:
                raise RuntimeError(f"POST /activities/batch: {r.status_code} {r.text}")

    with ThreadPoolExecutor(min(clients, sheets)) as pool:
        list(pool.map(post, range(sheets)))
    wait_confirmed(stack, sheets * per_sheet)
    return sheets * per_sheet / (time.perf_counter() - start)


def naive_rate(stack: Stack, n: int, volunteers: list[str]) -> float:
    """One attest transaction per activity from web3.py, each awaited: what a backend without batching does."""
    from web3 import Web3

    from backend.chain.attestation_pages import activity_id
    from backend.chain.deployment import load_deployment, manifest_path

    w3 = Web3(Web3.HTTPProvider(stack.node.url))
    dep = load_deployment(manifest_path(w3.eth.chain_id, stack.manifests))
    registry = w3.eth.contract(address=dep.registry.address, abi=dep.registry.abi)
    key = dev_key(1)
    nonce = w3.eth.get_transaction_count(key.address)
    base = 10**12 + secrets.randbelow(10**9)  # serials far from the backend's
    start = time.perf_counter()
    for i in range(n):
        act = (activity_id(1, base + i, os.urandom(32)), volunteers[i % len(volunteers)], 1, 60,
               int(time.time()) - 3600, os.urandom(32))
        tx = registry.functions.attest(act).build_transaction({"from": key.address, "nonce": nonce + i, "gas": 300_000})
        h = w3.eth.send_raw_transaction(key.sign_transaction(tx).raw_transaction)
        assert w3.eth.wait_for_transaction_receipt(h)["status"] == 1
    return n / (time.perf_counter() - start)


def latency(stack: Stack, volunteers: list[str], clients: int = 50, per_client: int = 40) -> dict:
    stack.start(100)
    _, _ = submit(stack, 200, 10, volunteers, approve=False)
    ids = [a["id"] for a in httpx.get(f"{stack.url}/activities?limit=200", headers=stack.headers).json()]
    def read(count: int) -> list[float]:
        return loadgen.run(stack.url, lambda i: ("GET", f"/activities/{ids[i % len(ids)]}", None), count, clients,
                           stack.headers).latencies_ms

    # Each measured phase follows a warm-up at the same concurrency, not counted: the first requests of a new
    # process pay for imports, caches and the node's first answers, which is not the service's steady latency.
    read(10 * clients)
    reads = read(clients * per_client)
    submit(stack, 10 * clients, clients, volunteers, approve=False)
    _, writes = submit(stack, clients * per_client, clients, volunteers, approve=False)
    pct = lambda xs, p: statistics.quantiles(xs, n=100)[p - 1]  # noqa: E731
    return {"read_p50_ms": round(pct(reads, 50), 2), "read_p99_ms": round(pct(reads, 99), 2),
            "write_p50_ms": round(pct(writes, 50), 2), "write_p99_ms": round(pct(writes, 99), 2)}


def scale(stack: Stack, total: int, clients: int, volunteers: list[str]) -> dict:
    """At batch 100, submits up to `total` in chunks; the rate of the 1,000 activities ending at each mark."""
    stack.start(100)
    out, done, window = {}, 0, 1000
    marks = [m for m in (1_000, 10_000, 100_000) if m <= total]
    for mark in marks:
        if mark - window > done:  # fill up to the window's start without timing
            submit(stack, mark - window - done, clients, volunteers)
            wait_confirmed(stack, mark - window)
            done = mark - window
        before = cpu_seconds(stack)
        start = time.perf_counter()
        submit(stack, window, clients, volunteers)
        wait_confirmed(stack, mark)
        out[f"e2e_per_s_at_{mark // 1000}k"] = round(window / (time.perf_counter() - start), 1)
        after = cpu_seconds(stack)
        out[f"cpu_ms_per_activity_at_{mark // 1000}k"] = {p: round((after[p] - before[p]) / window * 1000, 3) for p in after}
        done = mark
        log(f"  at {mark:,}: {out[f'e2e_per_s_at_{mark // 1000}k']}/s; CPU ms per activity "
            f"{out[f'cpu_ms_per_activity_at_{mark // 1000}k']}")
    return out


LOCK_ABI = [{"name": "lockPeriod", "type": "function", "stateMutability": "view", "inputs": [],
             "outputs": [{"name": "", "type": "uint32"}]}]


def relay_rate(stack: Stack, n: int = 200, clients: int = 16) -> dict:
    """Residents' relayed redemptions: n residents, each with coins from an attestation, sign in (SIWE) and
    post one signed `Redeem` (POST /me/redeem) with `clients` concurrent clients; the worker's sender relays them.
    relay_per_s: redemptions from the first POST until all are confirmed on-chain; relay_p99_ms: p99 of the API's
    answer to POST /me/redeem (all checks done, the request recorded); relay_confirm_p99_ms: p99 from acceptance to
    confirmation. Baseline in the same run: the relayer sending `redeemBySig` itself, one awaited transaction after
    another (relay_naive_per_s)."""
    import statistics
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from eth_account import Account
    from eth_account.messages import encode_defunct, encode_typed_data
    from web3 import Web3

    from backend.chain.deployment import load_deployment, manifest_path
    from backend.domain.relay import typed_data

    coin = 10**18
    relayer, provider = dev_key(9), dev_key(3)
    extra = {"VB_DEV_RELAYER_KEY": relayer.key.hex(), "VB_RELAY_RESIDENT_BUDGET_WEI_PER_DAY": str(10**18), "VB_RELAY_CENTRE_BUDGET_WEI_PER_DAY": str(10**18),
             "VB_RELAY_GLOBAL_BUDGET_WEI_PER_DAY": str(10**18),
             "VB_RELAY_RATE_LIMIT": "1000"}
    original = stack.env
    stack.env = lambda db, batch: {**original(db, batch), **extra}
    try:
        stack.start(100)
    finally:
        stack.env = original
    w3 = Web3(Web3.HTTPProvider(stack.node.url))
    dep = load_deployment(manifest_path(w3.eth.chain_id, stack.manifests))
    redemption = w3.eth.contract(address=dep.contracts["Redemption"].address, abi=dep.contracts["Redemption"].abi)
    wallets = [Account.create() for _ in range(n)]
    naive_n = min(30, n)
    # Coins for everyone: sheets of 100 activities (3 coins each), confirmed on-chain.
    with httpx.Client(base_url=stack.url, headers=stack.headers, timeout=120) as c:
        for k in range(0, n, 100):
            items = [{k2: v for k2, v in body(w.address).items() if k2 != "approve"} for w in wallets[k:k + 100]]
            r = c.post("/activities/batch", json={"activities": items, "approve": True})
            if r.status_code != 201:
                raise RuntimeError(f"POST /activities/batch: {r.status_code} {r.text}")
    wait_confirmed(stack, n)
    # The coins unlock two lock periods after their mint: the local chain's clock moves on.
    lock = w3.eth.contract(address=redemption.functions.coin().call(), abi=LOCK_ABI).functions.lockPeriod().call()
    w3.provider.make_request("evm_increaseTime", [2 * lock + 1])
    w3.provider.make_request("evm_mine", [])
    tx = redemption.functions.createOffer(coin, 10**6).build_transaction(
        {"from": provider.address, "nonce": w3.eth.get_transaction_count(provider.address), "gas": 300_000})
    w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(provider.sign_transaction(tx).raw_transaction))
    offer_id = redemption.functions.offerCount().call()

    def sign_in(w) -> dict:
        with httpx.Client(base_url=stack.url, timeout=60) as c:
            info = c.get("/siwe/nonce").json()
            now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            text = (f"{info['domain']} wants you to sign in with your Ethereum account:\n{w.address}\n\nbench\n\n"
                    f"URI: {info['uri']}\nVersion: 1\nChain ID: {info['chain_id']}\nNonce: {info['nonce']}\nIssued At: {now}")
            sig = "0x" + bytes(w.sign_message(encode_defunct(text=text)).signature).hex()
            token = c.post("/siwe/verify", json={"message": text, "signature": sig}).json()["access_token"]
            return {"Authorization": f"Bearer {token}"}

    def signed(w, nonce: int) -> dict:
        deadline = w3.eth.get_block("latest")["timestamp"] + 3600  # the contract compares it with the chain's time
        data = typed_data("redeem", w3.eth.chain_id, redemption.address,
                          {"resident": w.address, "offerId": offer_id, "maxPrice": coin, "nonce": nonce, "deadline": deadline})
        sig = "0x" + bytes(w.sign_message(encode_typed_data(full_message=data)).signature).hex()
        return {"offer_id": offer_id, "max_price": str(coin), "nonce": nonce, "deadline": deadline, "signature": sig}

    with ThreadPoolExecutor(8) as pool:
        headers = list(pool.map(sign_in, wallets))
    requests_ = [signed(w, 0) for w in wallets]
    latencies: list[float] = []
    counter, lock = iter(range(n)), threading.Lock()

    def client() -> None:
        with httpx.Client(base_url=stack.url, timeout=60) as c:
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                t = time.perf_counter()
                r = c.post("/me/redeem", json=requests_[i], headers=headers[i])
                with lock:
                    latencies.append((time.perf_counter() - t) * 1000)
                if r.status_code != 202:
                    raise RuntimeError(f"POST /me/redeem: {r.status_code} {r.text}")

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for f in [pool.submit(client) for _ in range(clients)]:
            f.result()
    deadline = time.monotonic() + 600
    while True:
        with sqlite3.connect(stack.db, timeout=30) as c:
            done, failed = c.execute("select sum(state = 'confirmed'), sum(state = 'failed') from chain_ops").fetchone()
        if failed:
            raise RuntimeError(f"{failed} relayed redemptions failed (see the worker log)")
        if (done or 0) >= n:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {done} of {n} relayed redemptions confirmed")
        time.sleep(0.05)
    rate = n / (time.perf_counter() - start)
    with sqlite3.connect(stack.db, timeout=30) as c:
        rows = c.execute("select created_at, updated_at from chain_ops where state = 'confirmed'").fetchall()
    confirm = [(datetime.fromisoformat(u) - datetime.fromisoformat(a)).total_seconds() * 1000 for a, u in rows]

    # Baseline: the relayer sends each signed request itself and waits for its receipt.
    nonce = w3.eth.get_transaction_count(relayer.address)
    start = time.perf_counter()
    for i, w in enumerate(wallets[:naive_n]):
        req = signed(w, 1)
        tx = redemption.functions.redeemBySig(w.address, offer_id, coin, req["deadline"], bytes.fromhex(req["signature"][2:])) \
            .build_transaction({"from": relayer.address, "nonce": nonce + i, "gas": 300_000})
        h = w3.eth.send_raw_transaction(relayer.sign_transaction(tx).raw_transaction)
        assert w3.eth.wait_for_transaction_receipt(h)["status"] == 1
    naive = naive_n / (time.perf_counter() - start)
    pct = lambda xs, p: statistics.quantiles(xs, n=100)[p - 1]  # noqa: E731
    return {"relay_per_s": round(rate, 1), "relay_p99_ms": round(pct(latencies, 99), 2),
            "relay_p50_ms": round(pct(latencies, 50), 2), "relay_confirm_p99_ms": round(pct(confirm, 99), 1),
            "relay_naive_per_s": round(naive, 1), "relay_vs_naive": round(rate / naive, 2)}


def main() -> int:
    # Stopped with SIGTERM (a CI timeout, kill): unwind, so the `finally` below stops the node, API and worker.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--max", type=int, default=100_000, help="largest scale mark (1000, 10000 or 100000)")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--quick", action="store_true", help="small runs, to check the benchmark itself works")
    parser.add_argument("--only", help="comma-separated parts: batch1,batch10,batch100,sheets,naive,latency,scale,relay")
    args = parser.parse_args()
    sizes = ((1, 30), (10, 100), (100, 300)) if args.quick else ((1, 200), (10, 1000), (100, 3000))
    naive_n, per_client = (30, 5) if args.quick else (200, 40)
    if args.quick:
        args.max = min(args.max, 1000)
    volunteers = [dev_key(100 + i).address for i in range(50)]
    with tempfile.TemporaryDirectory(prefix="vb-bench-") as tmp:
        stack = Stack(Path(tmp))
        try:
            results: dict = {}
            wanted = lambda part: args.only is None or part in args.only.split(",")  # noqa: E731
            for batch, n in sizes:
                if wanted(f"batch{batch}"):
                    log(f"e2e at batch {batch} ({n} activities)…")
                    costs: dict = {}
                    results[f"e2e_per_s_batch{batch}"] = round(e2e_rate(stack, batch, n, args.clients, volunteers, costs), 1)
                    results[f"cpu_ms_per_activity_batch{batch}"] = costs
                    log(f"  {results[f'e2e_per_s_batch{batch}']}/s; CPU ms per activity: {costs}")
            if wanted("sheets"):
                sheet_n = 1000 if args.quick else 5000
                log(f"e2e as sheets of 100 ({sheet_n} activities)…")
                results["e2e_per_s_sheets100"] = round(sheet_rate(stack, sheet_n, 100, 4, volunteers), 1)
            if wanted("naive"):
                log(f"naive baseline ({naive_n} activities)…")
                results["naive_per_s"] = round(naive_rate(stack, naive_n, volunteers), 1)
            if wanted("latency"):
                log("API latency at 50 clients…")
                results.update(latency(stack, volunteers, per_client=per_client))
            if wanted("scale"):
                log(f"scale to {args.max:,}…")
                results.update(scale(stack, args.max, args.clients, volunteers))
            if wanted("relay"):
                log("relayed redemptions…")
                results.update(relay_rate(stack, 60 if args.quick else 300))
            if "naive_per_s" in results:
                for key, name in (("e2e_per_s_batch100", "batch100_vs_naive"), ("e2e_per_s_sheets100", "sheets100_vs_naive")):
                    if key in results:
                        results[name] = round(results[key] / results["naive_per_s"], 2)
            results["clients"] = args.clients
        finally:
            stack.close()
    if args.json:
        print(json.dumps(results))
    else:
        for k, v in results.items():
            print(f"{k:<24} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
