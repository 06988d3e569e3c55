"""The centre's kiosk in a real browser, for a resident whose account the centre holds: the printed card's QR code
(the one in the card's PDF, played to Chromium's fake camera) and the PIN on the touch keypad open the session; the
resident uses a voucher and gets its number and check code; on another visit five wrong PINs lock the card, said in
words. No browser error, axe-core finds nothing serious."""

from __future__ import annotations

import io
import re
import uuid

import segno
from pypdf import PdfReader
from test_certificates import qr_modules

from stack import CHROMIUM, VIEWPORTS, axe_violations, qr_video, record_activity, screenshot

PIN = "4826"


def custodial_resident(stack, coordinator) -> tuple[dict, bytes]:
    """A resident registered without a wallet, their account held by the centre (PIN 4826), with 2 hours of
    volunteering that can be spent; and their card's PDF."""
    r = stack.http.post("/residents", json={"name": f"박순례 {uuid.uuid4().hex[:4]}", "consent_terms_version": "2026-03"},
                        headers=coordinator)
    assert r.status_code == 201, r.text
    resident = r.json()
    r = stack.http.post(f"/residents/{resident['id']}/custody", json={"pin": PIN, "consent_terms_version": "custody-1"},
                        headers=coordinator)
    assert r.status_code == 201, r.text
    resident["address"] = r.json()["address"]
    record_activity(stack, coordinator, resident["address"], minutes=120)
    stack.unlock()
    stack.indexed_to_head()
    pdf = stack.http.get(f"/residents/{resident['id']}/card.pdf", headers=coordinator)
    assert pdf.status_code == 200, pdf.text
    return resident, pdf.content


def press(page, digits: str) -> None:
    keypad = page.get_by_role("group", name="숫자 버튼")
    for d in digits:
        keypad.get_by_role("button", name=d, exact=True).click()
    keypad.get_by_role("button", name="확인", exact=True).click()


def test_kiosk_card(stack, new_page, playwright, coordinator, gym_offer, tmp_path):
    resident, pdf = custodial_resident(stack, coordinator)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    token = re.search(r"vbc_[A-Za-z0-9_-]{24}", text).group(0)
    assert resident["member_number"] in text
    # The card's QR code holds the token and nothing else.
    matrix = segno.make(token, error="m", micro=False).matrix
    dark = {(r, c) for r, row in enumerate(matrix) for c, v in enumerate(row) if v}
    r0, c0 = min(r for r, _ in dark), min(c for _, c in dark)
    assert qr_modules(pdf) == {(r - r0, c - c0) for r, c in dark}

    video = qr_video(token, tmp_path / "card.y4m")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
        "--no-sandbox", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}"])
    try:
        context = browser.new_context(viewport=VIEWPORTS["desktop"], permissions=["camera"], service_workers="block")
        context.add_init_script("localStorage.setItem('vb.lang', 'ko');")
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{stack.url}/kiosk/")
        page.get_by_role("heading", name="회원 카드를 보여 주세요", level=1).wait_for()
        page.get_by_role("button", name="카메라로 카드 읽기").click()
        page.get_by_role("heading", name="비밀번호를 눌러 주세요", level=1).wait_for(timeout=30_000)
        page.locator("main[aria-busy=false]").wait_for()
        assert axe_violations(page) == []
        press(page, PIN)
        page.get_by_role("heading", name=re.compile("님, 안녕하세요")).wait_for()
        page.locator("main[aria-busy=false]").wait_for()
        assert page.locator("#kiosk-available").inner_text().startswith("6코인")
        assert axe_violations(page) == []
        screenshot(page, "kiosk_card-home")
        page.get_by_role("link", name="이용권 쓰기").click()
        page.locator(f"main[aria-busy=false] [data-offer='{gym_offer['offer_id']}'] button").click()
        page.get_by_role("heading", name="이 이용권을 쓸까요?").wait_for()
        page.get_by_role("button", name="네, 쓰겠습니다").click()
        page.locator("[data-done=true]").wait_for(timeout=60_000)
        voucher = page.locator("#kiosk-voucher")
        voucher.wait_for()
        code = voucher.locator("dd.mono").inner_text()
        assert re.fullmatch(r"[0-9A-Z]{4,12}", code), code
        screenshot(page, "kiosk_card-redeemed")
        assert [e for e in errors if "status of" not in e] == []
    finally:
        browser.close()
    status = stack.http.get(f"/residents/{resident['id']}/custody", headers=coordinator).json()
    assert status["spent_today"] == gym_offer["price"]

    # Another visit, the card's code typed: five wrong PINs lock the card, and the right one no longer opens it.
    page, watch = new_page("phone", "ko")
    page.goto(f"{stack.url}/kiosk/")
    page.get_by_label("카드 번호 (QR 아래 글자)").fill(token)
    page.get_by_role("button", name="다음").click()
    page.get_by_role("heading", name="비밀번호를 눌러 주세요", level=1).wait_for()
    alert = page.locator("main [role=alert]")
    for left in (4, 3, 2, 1):
        press(page, "1357")
        page.locator(f"main [data-error=pin_wrong]:has-text('{left}번 더 틀리면')").wait_for()
    press(page, "1357")
    page.locator("main [data-error=card_locked]").wait_for()
    assert "코디네이터" in alert.inner_text()
    assert axe_violations(page) == []
    screenshot(page, "kiosk_card-locked")
    assert stack.http.get(f"/residents/{resident['id']}/custody", headers=coordinator).json()["card"]["locked"] is True
    assert watch.unexpected(allowed_statuses=(401, 403)) == []


def test_provider_card(stack, new_page, coordinator, gym_offer):
    """A custodial resident pays at the gym's voucher desk with their card: a wrong PIN is said without ending the
    provider's sign-in; with the right one the desk lists the gym's offers, the resident's voucher is issued and
    marked used in one go."""
    from test_provider_voucher import desk_sign_in

    resident, pdf = custodial_resident(stack, coordinator)
    token = re.search(r"vbc_[A-Za-z0-9_-]{24}", PdfReader(io.BytesIO(pdf)).pages[0].extract_text()).group(0)
    page, watch = new_page("desktop", "ko")
    desk_sign_in(page, stack)
    page.get_by_role("link", name="회원 카드").click()
    page.get_by_label("카드 번호 (QR 아래 글자)").fill(token)
    page.get_by_role("button", name="다음").click()
    page.get_by_role("heading", name="비밀번호를 눌러 주세요", level=1).wait_for()
    press(page, "1357")
    page.locator("main [data-error=pin_wrong]").wait_for()
    assert page.locator("nav.tabs").is_visible()  # still signed in as the gym
    press(page, PIN)
    page.get_by_role("heading", name="회원 카드로 이용권 쓰기").wait_for()
    page.locator("main[aria-busy=false]").wait_for()
    offer = page.locator(f"[data-offer='{gym_offer['offer_id']}']")
    assert resident["member_number"] in page.locator("main").inner_text()
    assert axe_violations(page) == []
    offer.get_by_role("button", name="이 상품으로 하기").click()
    page.get_by_role("button", name="네, 쓰고 사용 처리하기").click()
    page.locator("#card-result [data-done=true]").wait_for(timeout=90_000)
    screenshot(page, "provider_card")
    session = stack.http.post("/card/sessions", json={"card_token": token, "pin": PIN}).json()
    vouchers = stack.http.get("/card/vouchers", headers={"Authorization": f"Bearer {session['access_token']}"}).json()
    assert [(v["offer_id"], v["fulfilled"]) for v in vouchers] == [(gym_offer["offer_id"], True)]
    assert watch.unexpected(allowed_statuses=(401,)) == []


def test_an_idle_kiosk_asks_then_ends_the_session(stack, new_page, coordinator):
    """A member who walks away: after two minutes without a touch the kiosk asks whether to go on (one tap extends
    it), and with no answer it ends the session and says why. The page's clock is moved, not waited for."""
    r = stack.http.post("/residents", json={"name": "김말순", "consent_terms_version": "2026-03"}, headers=coordinator)
    rid = r.json()["id"]
    r = stack.http.post(f"/residents/{rid}/custody", json={"pin": PIN, "consent_terms_version": "custody-1"},
                        headers=coordinator)
    assert r.status_code == 201, r.text
    pdf = stack.http.get(f"/residents/{rid}/card.pdf", headers=coordinator).content
    token = re.search(r"vbc_[A-Za-z0-9_-]{24}", PdfReader(io.BytesIO(pdf)).pages[0].extract_text()).group(0)
    page, watch = new_page("phone", "ko")
    page.clock.install()
    page.goto(f"{stack.url}/kiosk/")
    page.get_by_label("카드 번호 (QR 아래 글자)").fill(token)
    page.get_by_role("button", name="다음").click()
    press(page, PIN)
    page.get_by_role("heading", name=re.compile("님, 안녕하세요")).wait_for()
    page.clock.fast_forward(121_000)
    dialog = page.get_by_role("alertdialog")
    dialog.wait_for()
    dialog.get_by_role("button", name="네, 계속하겠습니다").click()
    assert dialog.count() == 0 and page.get_by_role("heading", name=re.compile("님, 안녕하세요")).is_visible()
    page.clock.fast_forward(121_000)
    page.get_by_role("alertdialog").wait_for()
    page.clock.fast_forward(31_000)
    page.get_by_role("heading", name="회원 카드를 보여 주세요").wait_for()
    assert page.get_by_text("한동안 누르지 않아 끝냈습니다").is_visible()
    assert watch.unexpected() == []
