"""Every page of the apps, in Korean and in English, on a 375 px phone and a 1280 px screen: it renders its
heading in that language, the browser reports no error, and axe-core finds no serious or critical accessibility
violation (WCAG 2.1 A/AA rules)."""

from __future__ import annotations

import re

import pytest

from stack import PASSWORD, axe_violations, record_activity, screenshot
from wallet import BrowserWallet

RESIDENT = ["home", "offers", "vouchers", "pay", "donate", "receive", "history", "community", "talents", "needs",
            "fitting", "matches", "proposals", "report", "certificate", "programmes", "guardian", "move"]
DESK = ["voucher", "offers", "statement"]
DASHBOARD = ["figures", "check", "proposals"]
CONSOLE = {"coord1": ["residents", "record", "sheets", "queue", "portal", "kiosks"], "officer1": ["reports"],
           "admin": ["rules", "city", "staff", "audit", "portal", "kiosks"]}


def check(page, watch, name: str) -> None:
    # A hash change loads no document: wait for the screen itself to say it has its data.
    page.locator("main[aria-busy=false] h1").first.wait_for()
    assert page.locator("main .status-error").count() == 0, f"{name}: {page.locator('main .status-error').first.inner_text()}"
    violations = axe_violations(page)
    assert violations == [], f"{name}: {violations}"
    assert watch.unexpected() == [], f"{name}: {watch.errors}"


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("app", ["resident", "desk_dashboard", "console"])
def test_every_page(stack, new_page, request, app, lang, viewport):
    # One test per app and variant, so that the browser workers share the pages evenly.
    if app == "resident":
        resident_pages(stack, new_page, request.getfixturevalue("coordinator"), request.getfixturevalue("gym_offer"),
                       lang, viewport)
    elif app == "desk_dashboard":
        desk_and_dashboard_pages(stack, new_page, lang, viewport)
    else:
        console_pages(stack, new_page, lang, viewport)


def resident_pages(stack, new_page, coordinator, gym_offer, lang, viewport):
    # Signed out: the resident app's sign-in screen, the desk's sign-in screen.
    page, watch = new_page(viewport, lang)
    page.goto(f"{stack.url}/app/")
    check(page, watch, "app sign-in")
    assert page.locator("html").get_attribute("lang") == lang
    page.goto(f"{stack.url}/desk/")
    check(page, watch, "desk sign-in")
    page.goto(f"{stack.url}/verify/")
    check(page, watch, "verify without a certificate")
    page.goto(f"{stack.url}/kiosk/")
    check(page, watch, "kiosk not enrolled (its setup screen)")
    r = stack.http.post("/centres/1/kiosks", json={"name": f"every page {lang} {viewport}"}, headers=coordinator)
    assert r.status_code == 201, r.text
    page.evaluate("code => localStorage.setItem('vb.kiosk.device', code)", r.json()["device_code"])
    page.goto(f"{stack.url}/kiosk/#/start")
    page.reload()
    check(page, watch, "kiosk without a card")
    assert page.locator("#member-card").count() == 1

    # The resident, signed in with a wallet, with some history.
    wallet = BrowserWallet.create()
    record_activity(stack, coordinator, wallet.address, minutes=90)
    page, watch = new_page(viewport, lang, wallet=wallet)
    page.goto(f"{stack.url}/app/")
    page.get_by_role("button", name=re.compile("Test Wallet")).click()
    page.locator("#balances").wait_for()
    for route in RESIDENT:
        page.goto(f"{stack.url}/app/#/{route}")
        check(page, watch, f"app #{route}")
    page.goto(f"{stack.url}/app/#/redeem/{gym_offer['offer_id']}")
    check(page, watch, "app #redeem")
    screenshot(page, f"every_page-app-redeem-{lang}-{viewport}")


def desk_and_dashboard_pages(stack, new_page, lang, viewport):
    # The provider's desk.
    page, watch = new_page(viewport, lang)
    page.goto(f"{stack.url}/desk/")
    page.locator("#desk-username").fill("gym")
    page.locator("#desk-password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.locator("nav.tabs").wait_for()
    for route in DESK:
        page.goto(f"{stack.url}/desk/#/{route}")
        check(page, watch, f"desk #{route}")

    # The public dashboard.
    page, watch = new_page(viewport, lang)
    for route in DASHBOARD:
        page.goto(f"{stack.url}/dashboard/#/{route}")
        check(page, watch, f"dashboard #{route}")
    screenshot(page, f"every_page-dashboard-{lang}-{viewport}")


def console_pages(stack, new_page, lang, viewport):
    # The staff console, as a coordinator and as a welfare officer.
    for username, routes in CONSOLE.items():
        page, watch = new_page(viewport, lang)
        page.goto(f"{stack.url}/console/")
        if username == "coord1":
            check(page, watch, "console sign-in")
        page.locator("#desk-username").fill(username)
        page.locator("#desk-password").fill(PASSWORD)
        page.locator("form button[type=submit]").click()
        page.locator("nav.tabs").wait_for()
        for route in routes:
            page.goto(f"{stack.url}/console/#/{route}")
            check(page, watch, f"console #{route} ({username})")


def test_the_accessibility_check_can_fail(stack, new_page):
    """The probe: the same check finds an image without a text alternative and a button without a name."""
    page, _ = new_page("phone", "ko")
    page.goto(f"{stack.url}/desk/")
    page.locator("main h1").first.wait_for()
    page.evaluate("""() => { const m = document.querySelector('main');
        m.insertAdjacentHTML('beforeend', '<img src="/web/logo"><button type="button"></button>'); }""")
    ids = {v["id"] for v in axe_violations(page)}
    assert {"image-alt", "button-name"} <= ids
