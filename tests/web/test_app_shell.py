"""The frame around the screens: the resident app installs as an app (Chromium finds no installability error), the
language button switches the page and is remembered, and the voucher desk's statement downloads as a CSV file."""

from __future__ import annotations

import re

from stack import PASSWORD


def test_the_resident_app_is_installable(stack, playwright, tmp_path):
    # A profile on disk, as a resident's browser (Chromium never offers to install from an incognito window).
    from stack import CHROMIUM

    context = playwright.chromium.launch_persistent_context(str(tmp_path / "profile"), executable_path=CHROMIUM,
                                                           args=["--no-sandbox"])
    page = context.new_page()
    page.goto(f"{stack.url}/app/")
    page.locator("main h1").wait_for()
    assert page.evaluate("() => navigator.serviceWorker.ready.then(r => r.active.scriptURL)").endswith("/app/sw.js")
    cdp = context.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    manifest = cdp.send("Page.getAppManifest")
    context.close()
    assert errors == [], errors
    assert manifest["url"].endswith("/web/manifest.webmanifest") and not manifest.get("errors")


def test_the_language_button_switches_and_is_remembered(stack, new_page):
    page, watch = new_page("phone", "ko")
    page.goto(f"{stack.url}/app/")
    page.get_by_role("heading", name="지갑으로 로그인", level=1).wait_for()
    page.get_by_role("button", name="English").click()
    page.get_by_role("heading", name="Sign in with your wallet", level=1).wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto(f"{stack.url}/dashboard/")
    page.locator("main h1").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="한국어").click()
    page.locator("html[lang=ko]").wait_for(state="attached")
    assert watch.unexpected() == []


def test_the_statement_downloads_as_csv(stack, new_page):
    page, watch = new_page("desktop", "ko")
    page.goto(f"{stack.url}/desk/")
    page.get_by_label("아이디").fill("gym")
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.get_by_role("link", name="정산").click()
    page.get_by_role("heading", name="정산 내역", level=1).wait_for()
    with page.expect_download() as download:
        page.get_by_role("button", name="CSV 파일로 받기").click()
    content = open(download.value.path(), "rb").read()
    assert content.startswith(b"\xef\xbb\xbf")  # a BOM: Excel opens the Korean correctly
    assert re.match(r"settlement-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv", download.value.suggested_filename)
    assert watch.unexpected() == []


def test_an_ended_session_returns_to_sign_in_with_a_word(stack, new_page):
    """A session the server no longer accepts (expired, revoked, a secret rotated) is not an error page: the app
    says the session ended and shows its sign-in screen."""
    import json as json_

    from wallet import BrowserWallet

    wallet = BrowserWallet.create()
    page, watch = new_page("phone", "ko", wallet=wallet)
    page.goto(f"{stack.url}/app/")
    page.get_by_role("button", name=re.compile("Test Wallet")).click()
    page.locator("#balances").wait_for()
    saved = json_.loads(page.evaluate("localStorage.getItem('vb.session')"))
    saved["token"] = saved["token"][:-4] + "AAAA"  # what a server with another secret sees: a bad signature
    page.evaluate("s => localStorage.setItem('vb.session', s)", json_.dumps(saved))
    page.reload()
    page.get_by_text("로그인 시간이 끝났습니다. 다시 로그인해 주세요.").wait_for()
    page.get_by_role("heading", name="지갑으로 로그인", level=1).wait_for()
    assert page.evaluate("localStorage.getItem('vb.session')") is None
    assert watch.unexpected(allowed_statuses=(401,)) == []


def test_the_desk_stays_signed_in_past_the_access_tokens_minutes(stack, new_page):
    """A desk open all day: when the short access token is about to expire, the page renews it with the refresh
    token and goes on; once the session is ended elsewhere (signed out), the next action returns to sign-in with a
    word, never a raw error."""
    import json as json_

    page, watch = new_page("desktop", "ko")
    page.goto(f"{stack.url}/desk/")
    page.get_by_label("아이디").fill("gym")
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.get_by_role("heading", name="이용권 확인", level=1).wait_for()
    saved = json_.loads(page.evaluate("sessionStorage.getItem('vb.staff')"))
    saved["expires_at"] = 0  # the access token has run out; the refresh token has hours left
    page.evaluate("s => sessionStorage.setItem('vb.staff', s)", json_.dumps(saved))
    page.get_by_role("link", name="상품").click()
    page.get_by_role("heading", name="우리 상품", level=1).wait_for()
    renewed = json_.loads(page.evaluate("sessionStorage.getItem('vb.staff')"))
    assert renewed["token"] != saved["token"] and renewed["refresh_token"] != saved["refresh_token"]

    # Signed out from another place: the refresh token is revoked; the next renewal ends the session in words.
    assert stack.http.post("/auth/logout", json={"refresh_token": renewed["refresh_token"]}).status_code == 204
    renewed["expires_at"] = 0
    page.evaluate("s => sessionStorage.setItem('vb.staff', s)", json_.dumps(renewed))
    page.get_by_role("link", name="정산").click()
    page.get_by_text("로그인 시간이 끝났습니다. 다시 로그인해 주세요.").wait_for()
    page.get_by_role("heading", name="이용권 창구 로그인", level=1).wait_for()
    assert watch.unexpected(allowed_statuses=(401,)) == []
