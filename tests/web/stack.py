"""The real stack the browser journeys (tests/web) and the web benchmark (bench/web.py) run against: Anvil, the
contracts deployed by tools/deploy, the backend with its chain worker in-process, served by uvicorn on a free port
together with the built web app (web/dist), and the demo staff (a coordinator of centre 1, the two providers)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
for p in (ROOT, ROOT / "tests"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from nodes import free_port, start_node  # noqa: E402
from recorded_portal import PAGE_ROWS, SERVICE_KEY, RecordedPortal  # noqa: E402

from backend.api.app import create_app  # noqa: E402
from backend.chain.keys import dev_key  # noqa: E402
from backend.config import Settings  # noqa: E402
from backend.services.security import hash_password  # noqa: E402
from backend.store.db import make_engine, make_session_factory, migrate, transaction  # noqa: E402
from backend.store.models import StaffUser  # noqa: E402

_spec = importlib.util.spec_from_file_location("backend_suite_conftest", ROOT / "tests" / "backend" / "conftest.py")
_backend_suite = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _backend_suite  # dataclasses look their module up by name
_spec.loader.exec_module(_backend_suite)
deploy_contracts, database_url, serve = _backend_suite.deploy_contracts, _backend_suite.database_url, _backend_suite.serve

WEB_DIST = ROOT / "web" / "dist"
REPORTS = ROOT / "reports" / "web"
CHROMIUM = os.environ.get("VB_CHROMIUM", "/usr/bin/chromium")
VIEWPORTS = {"phone": {"width": 375, "height": 812}, "desktop": {"width": 1280, "height": 900}}
PASSWORD = "staff-password-1"
COIN = 10**18


@dataclass
class Stack:
    url: str
    http: httpx.Client
    node: object
    settings: Settings
    app: object

    def login(self, username: str, password: str = PASSWORD) -> dict:
        r = self.http.post("/auth/login", json={"username": username, "password": password})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    def wait_op(self, op: dict, headers: dict, path: str = "/operations", timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while op["state"] in ("queued", "in_tx"):
            assert time.monotonic() < deadline, f"operation {op['id']} did not finish: {op}"
            time.sleep(0.2)
            op = self.http.get(f"{path}/{op['id']}", headers=headers).json()
        return op

    def wait_activity(self, activity_id: int, headers: dict, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            a = self.http.get(f"/activities/{activity_id}", headers=headers).json()
            if a["status"] not in ("approved", "submitted", "queued", "in_tx"):
                return a
            assert time.monotonic() < deadline, f"activity {activity_id} did not confirm: {a}"
            time.sleep(0.2)

    def unlock(self) -> None:
        """Lets the chain's time pass the lock of every coin minted so far (two lock periods)."""
        coin = self.app.state.chain.coin
        seconds = 2 * int(coin.functions.lockPeriod().call()) + 1
        self.node.web3.provider.make_request("evm_increaseTime", [seconds])
        self.node.web3.provider.make_request("evm_mine", [])

    def matching_warmed(self, timeout: float = 300) -> None:
        """Waits for what a deployment's readiness check would: the matcher's start-up warm-up (the analysers
        loaded, the index filled) done, so no journey's first search pays for it."""
        deadline = time.monotonic() + timeout
        while self.http.get("/health").json().get("matching") != "ready":
            assert time.monotonic() < deadline, "the matcher did not finish warming up"
            time.sleep(0.2)

    def indexed_to_head(self, timeout: float = 30) -> None:
        head = self.node.web3.eth.block_number
        deadline = time.monotonic() + timeout
        while self.http.get("/health").json().get("indexer", {}).get("next_block", 0) <= head:
            assert time.monotonic() < deadline, "the indexer did not reach the head"
            time.sleep(0.2)


def build_web() -> None:
    """The web app as tools/test builds it, unless web/dist is newer than every source (parallel workers: one
    builds, the others wait on the lock and then find it built)."""
    import fcntl

    with open(ROOT / "web" / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        sources = [p.stat().st_mtime for p in (ROOT / "web" / "src").rglob("*") if p.is_file()]
        built = WEB_DIST / "build.json"
        if built.exists() and built.stat().st_mtime >= max(sources):
            return
        result = subprocess.run(["node", "build.mjs"], cwd=ROOT / "web", capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr


def start_stack(tmp: Path) -> tuple[Stack, callable]:
    """The stack on a fresh Anvil, files under `tmp`; returns it and a function that stops it."""
    build_web()
    node = start_node("anvil")
    manifest_dir = deploy_contracts(node, tmp / "deployments")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    portal = RecordedPortal()  # the 1365 link reads programmes from recorded answers, never the real service
    settings = Settings(
        database_url=database_url(tmp), rpc_url=node.url, deployments_dir=manifest_dir,
        dev_centre_keys=",".join(f"{c}={dev_key(c).key.hex()}" for c in (1, 2)), keystore_dir=tmp / "no-keys",
        jwt_secret="web-test-" + uuid.uuid4().hex, batch_max_wait_s=0.0, poll_interval_s=0.1, confirmations=1,
        dev_relayer_key=dev_key(9).key.hex(), dev_admin_key=dev_key(0).key.hex(),
        dev_provider_keys=",".join(dev_key(i).key.hex() for i in (3, 4)),
        siwe_domain=f"127.0.0.1:{port}", siwe_uri=url, web_dir=WEB_DIST,
        # Community rewards settled every 2 s, even for one resident: a journey sees a report's reward arrive.
        community_reward_period_s=2, community_reward_min_residents=1,
        custody_move_finish_s=1,  # a custodial resident's move to their wallet finished promptly
        portal_api_url=portal.url, portal_service_key=SERVICE_KEY, portal_page_rows=PAGE_ROWS,
    )
    migrate(settings.database_url)
    sessions = make_session_factory(make_engine(settings.database_url))
    with transaction(sessions) as s:
        s.add(StaffUser(username="admin", password_hash=hash_password(PASSWORD), role="admin"))
    app = create_app(settings, run_worker=True)
    _, stop_server = serve(app, port)  # the port is chosen first: the SIWE domain names it
    http = httpx.Client(base_url=url, timeout=60)
    stack = Stack(url, http, node, settings, app)
    admin = stack.login("admin")
    for body in ({"username": "coord1", "role": "coordinator", "centre_id": 1},
                 {"username": "officer1", "role": "welfare_officer", "centre_id": 1},
                 {"username": "gym", "role": "provider", "address": dev_key(3).address},
                 {"username": "cafeteria", "role": "provider", "address": dev_key(4).address}):
        r = http.post("/staff", json={"password": PASSWORD, **body}, headers=admin)
        assert r.status_code == 201, r.text

    stack.matching_warmed()

    def stop() -> None:
        stop_server()
        http.close()
        portal.stop()
        node.stop()

    return stack, stop


def record_activity(stack, headers, volunteer: str, minutes: int = 120, **extra) -> dict:
    """A coordinator records volunteering for `volunteer`, approved at once; returns it once confirmed on-chain."""
    from datetime import UTC, datetime, timedelta

    body = {"centre_id": 1, "volunteer": volunteer, "category": 1, "units": minutes, "approve": True,
            "occurred_at": (datetime.now(UTC) - timedelta(hours=3)).isoformat(), "place": "서초구 복지관",
            "description": "점심 배식 봉사", **extra}
    r = stack.http.post("/activities", json=body, headers=headers)
    assert r.status_code in (200, 201, 202), r.text
    activity = stack.wait_activity(r.json()["id"], headers)
    assert activity["status"] == "confirmed", activity
    return activity


AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """axe-core's violations of the page as it is now (WCAG 2.x A and AA rules), of the given impacts."""
    # Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not govern (a script
    # tag would be refused by it, as it should be).
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;window.axe = axe;")
    result = page.evaluate("""async () => {
        const r = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } });
        return r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5) }));
    }""")
    return [v for v in result if v["impact"] in impacts]


def screenshot(page, name: str) -> Path:
    path = REPORTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def qr_video(text: str, path: Path, width: int = 640, height: int = 480) -> Path:
    """A video file (YUV4MPEG2) that shows the QR code of `text`, for Chromium's fake camera
    (--use-file-for-fake-video-capture): the desk's scanner then reads it as it would from a real camera. The code's
    modules come from the same `qrcode` package the app draws vouchers with."""
    script = ("const m = require('qrcode').create(process.argv[1], {errorCorrectionLevel: 'M'}).modules;"
              "process.stdout.write(JSON.stringify({size: m.size, data: Array.from(m.data)}));")
    out = subprocess.run(["node", "-e", script, text], cwd=ROOT / "web", capture_output=True, text=True, check=True)
    qr = json.loads(out.stdout)
    size, scale = qr["size"], 8
    side = (size + 8) * scale  # four modules of quiet zone on each side
    left, top = (width - side) // 2, (height - side) // 2
    luma = bytearray(b"\xff" * (width * height))
    for r in range(size):
        for c in range(size):
            if qr["data"][r * size + c]:
                for y in range(top + (r + 4) * scale, top + (r + 5) * scale):
                    start = y * width + left + (c + 4) * scale
                    luma[start:start + scale] = b"\x00" * scale
    chroma = b"\x80" * ((width // 2) * (height // 2) * 2)
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(10):
            f.write(b"FRAME\n" + bytes(luma) + chroma)
    return path
