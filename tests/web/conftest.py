"""Fixtures for the browser journeys: the real stack (Anvil, the contracts deployed by tools/deploy, the backend
with its chain worker in-process, served by uvicorn on a free port with the built web app), headless Chromium from
Debian's package driven by Playwright, and a wallet injected into the page whose key signs in this process
(tests/web/wallet.py).

Screenshots of each journey's last screen go to reports/web/ (a reviewer looks at them)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from stack import CHROMIUM, COIN, REPORTS, VIEWPORTS, start_stack  # noqa: E402
from wallet import BrowserWallet  # noqa: E402


def pytest_configure(config):
    REPORTS.mkdir(parents=True, exist_ok=True)


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    running, stop = start_stack(tmp_path_factory.mktemp("web"))
    yield running
    stop()


@pytest.fixture(scope="session")
def coordinator(stack):
    return stack.login("coord1")


@pytest.fixture(scope="session")
def gym(stack):
    return stack.login("gym")


@pytest.fixture(scope="session")
def gym_offer(stack, gym) -> dict:
    """An offer of the gym's, on-chain: 2 coins, 10 places."""
    r = stack.http.post("/provider/offers", json={"title": "체력단련실 1일 이용권", "description": "복지관 체력단련실 하루 이용",
                                                  "price": str(2 * COIN), "capacity": 10}, headers=gym)
    assert r.status_code == 202, r.text
    op = stack.wait_op(r.json(), gym)
    assert op["state"] == "confirmed", op
    offer_id = int(op["result"]["OfferCreated"]["offerId"])
    return stack.http.get(f"/offers/{offer_id}").json()


@pytest.fixture(scope="session")
def areas(stack):
    """Two Seocho neighbourhoods, centre 1 serving 서초2동 (its officers read reports from there)."""
    admin = stack.login("admin")
    for code, name, lat, lon in (("seocho-seocho2", "서초2동", 37.4925, 127.0260), ("seocho-banpo1", "반포1동", 37.5045, 127.0050)):
        r = stack.http.put(f"/areas/{code}", json={"name": name, "lat": lat, "lon": lon}, headers=admin)
        assert r.status_code in (200, 201), r.text
    r = stack.http.put("/centres/1/area", json={"area": "seocho-seocho2"}, headers=admin)
    assert r.status_code in (200, 202), r.text
    return ["seocho-seocho2", "seocho-banpo1"]


@pytest.fixture(scope="session")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright):
    b = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
    yield b
    b.close()


class PageWatch:
    """What went wrong in a page that a person would not see at once: script errors, console errors."""

    def __init__(self, page):
        self.errors: list[str] = []
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("console", lambda m: self.errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)

    def unexpected(self, allowed_statuses: tuple[int, ...] = ()) -> list[str]:
        """Errors, less the browser's own "Failed to load resource" lines for API refusals the test expected."""
        def expected(line: str) -> bool:
            return any(f"status of {s} " in line for s in allowed_statuses)
        return [e for e in self.errors if not expected(e)]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if call.when == "call":
        item.failed_call = outcome.get_result().failed


@pytest.fixture
def new_page(browser, request):
    """new_page(viewport="phone", lang="ko", wallet=None) → (page, watch). Each page has a context of its own.
    When the test fails, each page's last screen is saved as reports/web/failed-<test>-<n>.png with its errors."""
    contexts = []
    pages = []

    def make(viewport: str = "phone", lang: str = "ko", wallet: BrowserWallet | None = None, **context_args):
        context = browser.new_context(viewport=VIEWPORTS[viewport], locale="ko-KR" if lang == "ko" else "en-GB",
                                      service_workers="block", **context_args)
        contexts.append(context)
        if wallet is not None:
            wallet.install(context)
        context.add_init_script(f"if (!localStorage.getItem('vb.lang')) localStorage.setItem('vb.lang', {json.dumps(lang)});")
        page = context.new_page()
        page.set_default_timeout(30_000)
        watch = PageWatch(page)
        pages.append((page, watch))
        return page, watch

    yield make
    if getattr(request.node, "failed_call", False):
        for n, (page, watch) in enumerate(pages):
            base = REPORTS / f"failed-{request.node.name}-{n}"
            try:
                page.screenshot(path=f"{base}.png", full_page=True)
            except Exception:  # a closed page: the errors still say something
                pass
            (base.with_suffix(".txt")).write_text(f"{page.url}\n" + "\n".join(watch.errors))
    for c in contexts:
        c.close()
