"""Web benchmark: the resident app's weight, how fast each app first renders in Chromium, accessibility findings,
and which browser journeys pass — in one run, against baselines of the same run.

    python bench/web.py                 # readable table
    python bench/web.py --json          # one JSON object on stdout, nothing else
    python bench/web.py --runs 30       # cold loads per page (default 20)
    python bench/web.py --no-journeys   # skip running tests/web (about two minutes)

It builds the web app, starts the same stack as the browser tests (tests/web/stack.py: Anvil, the contracts, the
backend serving web/dist) and drives Debian's Chromium through Playwright.
- bundle_kb_gz: the resident app's JavaScript gzipped (level 9): what it loads at once (its entry and the chunks the
  entry imports) plus what it loads on demand (the QR decoder); target <= 150. `bundle_kb_gz_initial` is the first part.
- first_render_ms_p95: from navigation start to the first screen's heading in the page (a MutationObserver in the
  page notes the moment), cold cache (a new browser context per load, service workers off); target < 1000.
  Baseline: the same page with its scripts blocked, to its first paint of the HTML and CSS alone (what the server and
  the browser cost before any of our code runs).
- axe_serious: axe-core's serious and critical violations (WCAG 2.1 A/AA rules), summed over every page and screen in
  Korean and English at 375 px; target 0.
- journeys / journeys_total: the tests of tests/web that passed, and how many there are.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "web"))

TARGETS = {"bundle_kb_gz": ("<=", 150), "first_render_ms_p95": ("<", 1000), "axe_serious": ("<=", 0)}
FIRST_RENDER = """
(() => {
  const seen = () => document.querySelector("main h1");
  const note = () => { if (!window.__vbFirstRender && seen()) window.__vbFirstRender = performance.now(); };
  new MutationObserver(note).observe(document, { childList: true, subtree: true });
})();
"""


def gz_kb(path: Path) -> float:
    return len(gzip.compress(path.read_bytes(), 9)) / 1024


def bundle(dist: Path) -> dict:
    build = json.loads((dist / "build.json").read_text())
    graph = json.loads((dist / "meta.json").read_text())
    entry = build["entry"]["resident"]
    initial, lazy, todo = {entry}, set(), [entry]
    while todo:
        for imp in graph.get(todo.pop(), {}).get("imports", []):
            target = initial if imp["kind"] == "import-statement" else lazy
            if imp["path"] not in initial | lazy:
                target.add(imp["path"])
                todo.append(imp["path"])
    lazy -= initial
    size = lambda files: sum(gz_kb(dist / f.lstrip("/")) for f in files)  # noqa: E731
    return {"bundle_kb_gz": round(size(initial | lazy), 1), "bundle_kb_gz_initial": round(size(initial), 1),
            "bundle_files": len(initial | lazy)}


def p95(values: list[float]) -> float:
    return round(statistics.quantiles(values, n=20)[18], 1) if len(values) >= 2 else round(values[0], 1)


def first_render(browser, url: str, runs: int) -> dict:
    timings, baseline = [], []
    for _ in range(runs):
        context = browser.new_context(service_workers="block", viewport={"width": 375, "height": 812})
        context.add_init_script(FIRST_RENDER)
        page = context.new_page()
        page.goto(url)
        page.locator("main h1").first.wait_for(timeout=30_000)
        timings.append(page.evaluate("window.__vbFirstRender"))
        context.close()
        context = browser.new_context(viewport={"width": 375, "height": 812})
        context.route("**/assets/*.js", lambda route: route.abort())  # the HTML and CSS alone
        page = context.new_page()
        page.goto(url)
        page.wait_for_load_state("load")
        baseline.append(page.evaluate("performance.getEntriesByName('first-paint')[0]?.startTime || performance.now()"))
        context.close()
    return {"p50": round(statistics.median(timings), 1), "p95": p95(timings), "baseline_html_css_p95": p95(baseline)}


def accessibility(browser, stack) -> dict:
    from stack import PASSWORD, axe_violations, record_activity
    from wallet import BrowserWallet

    findings: dict[str, int] = {}
    coordinator = stack.login("coord1")
    for lang in ("ko", "en"):
        def page_with(wallet=None):
            context = browser.new_context(viewport={"width": 375, "height": 812}, service_workers="block")
            if wallet:
                wallet.install(context)
            context.add_init_script(f"localStorage.setItem('vb.lang', '{lang}');")
            return context, context.new_page()

        def audit(page, name):
            page.locator("main[aria-busy=false] h1").first.wait_for()
            found = axe_violations(page)
            findings[f"{name} ({lang})"] = sum(len(v["nodes"]) for v in found)

        context, page = page_with()
        for path, name in (("/app/", "resident sign-in"), ("/desk/", "desk sign-in"), ("/dashboard/#/figures", "dashboard figures"),
                           ("/dashboard/#/check", "dashboard check"), ("/dashboard/#/proposals", "dashboard proposals")):
            page.goto(stack.url + path)
            audit(page, name)
        context.close()
        wallet = BrowserWallet.create()
        record_activity(stack, coordinator, wallet.address, minutes=60)
        context, page = page_with(wallet)
        page.goto(stack.url + "/app/")
        page.get_by_role("button", name="Test Wallet", exact=False).click()
        page.locator("#balances").wait_for()
        for route in ("home", "offers", "vouchers", "pay", "donate", "receive", "history", "community", "talents", "needs",
                      "fitting", "matches", "proposals", "report", "programmes"):
            page.goto(f"{stack.url}/app/#/{route}")
            audit(page, f"resident {route}")
        context.close()
        context, page = page_with()
        page.goto(stack.url + "/desk/")
        page.locator("#desk-username").fill("gym")
        page.locator("#desk-password").fill(PASSWORD)
        page.locator("form button[type=submit]").click()
        page.locator("nav.tabs").wait_for()
        for route in ("voucher", "offers", "statement"):
            page.goto(f"{stack.url}/desk/#/{route}")
            audit(page, f"desk {route}")
        context.close()
        for username, routes in (("coord1", ("residents", "record", "sheets", "queue", "portal")), ("officer1", ("reports",)),
                                 ("admin", ("portal",))):
            context, page = page_with()
            page.goto(stack.url + "/console/")
            page.locator("#desk-username").fill(username)
            page.locator("#desk-password").fill(PASSWORD)
            page.locator("form button[type=submit]").click()
            page.locator("nav.tabs").wait_for()
            for route in routes:
                page.goto(f"{stack.url}/console/#/{route}")
                audit(page, f"console {route} ({username})")
            context.close()
    return {"axe_serious": sum(findings.values()), "axe_pages": len(findings),
            "axe_by_page": {k: v for k, v in findings.items() if v}}


def journeys() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "web.xml"
        subprocess.run([sys.executable, "-m", "pytest", "-p", "no:pytest-brownie", "tests/web", "-q", "-n", "4",
                        "--junitxml", str(report)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not report.exists():
            return {"journeys": [], "journeys_total": 0}
        passed, total = [], 0
        for case in ET.parse(report).getroot().iter("testcase"):
            total += 1
            if not any(child.tag in ("failure", "error", "skipped") for child in case):
                passed.append(case.get("name").removeprefix("test_"))
        return {"journeys": sorted(passed), "journeys_total": total}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--runs", type=int, default=20, help="cold loads per page (default 20)")
    parser.add_argument("--no-journeys", action="store_true", help="do not run the browser journeys")
    args = parser.parse_args()

    out: dict = {}
    with contextlib.redirect_stdout(sys.stderr):
        from playwright.sync_api import sync_playwright
        from stack import CHROMIUM, WEB_DIST, build_web, start_stack

        build_web()
        out.update(bundle(WEB_DIST))
        with tempfile.TemporaryDirectory() as tmp:
            stack, stop = start_stack(Path(tmp))
            try:
                with sync_playwright() as p:
                    browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
                    renders = {name: first_render(browser, f"{stack.url}{path}", args.runs)
                               for name, path in (("resident", "/app/"), ("desk", "/desk/"), ("dashboard", "/dashboard/"),
                                                  ("console", "/console/"))}
                    out["first_render_ms_p95"] = renders["resident"]["p95"]
                    out["first_render_ms"] = renders
                    out.update(accessibility(browser, stack))
                    browser.close()
            finally:
                stop()
        if not args.no_journeys:
            started = time.monotonic()
            out.update(journeys())
            out["journeys_s"] = round(time.monotonic() - started, 1)
    out["targets"] = {k: {"op": op, "value": v, "met": (out[k] <= v if op == "<=" else out[k] < v)}
                      for k, (op, v) in TARGETS.items() if k in out}
    if args.json:
        print(json.dumps(out))
        return
    print(f"resident app JavaScript   {out['bundle_kb_gz']:.1f} kB gzipped ({out['bundle_kb_gz_initial']:.1f} kB at once, "
          f"the rest on demand)   target <= 150")
    for name, r in out["first_render_ms"].items():
        print(f"first render {name:<10}   p50 {r['p50']:.0f} ms, p95 {r['p95']:.0f} ms   "
              f"(baseline: its HTML and CSS alone, p95 {r['baseline_html_css_p95']:.0f} ms)")
    print(f"axe serious/critical      {out['axe_serious']} over {out['axe_pages']} pages   target 0")
    if "journeys" in out:
        print(f"journeys passed           {len(out['journeys'])}/{out['journeys_total']}: {', '.join(out['journeys'])}")


if __name__ == "__main__":
    main()
