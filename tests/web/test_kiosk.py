"""The centre's kiosk in a real browser, for a resident whose account the centre holds: the printed card's QR code
(the one in the card's PDF, played to Chromium's fake camera) and the PIN on the touch keypad open the session; the
resident uses a voucher and gets its number and check code; on another visit five wrong PINs lock the card, said in
words. The kiosk is enrolled first as a device of its centre: a coordinator enrols it in the console and the device
code is typed into the kiosk's setup screen; revoked in the console, the kiosk ends its session and asks to be
enrolled again. No browser error, axe-core finds nothing serious."""

from __future__ import annotations

import io
import re
import uuid

import segno
from pypdf import PdfReader
from test_certificates import qr_modules

from stack import CHROMIUM, VIEWPORTS, axe_violations, qr_video, record_activity, screenshot

PIN = "4826"
KIOSK_KEY = "vb.kiosk.device"


def kiosk_code(stack, coordinator, name: str = "1층 로비") -> str:
    """A kiosk of centre 1 enrolled through the API: its device code (shown once)."""
    r = stack.http.post("/centres/1/kiosks", json={"name": name}, headers=coordinator)
    assert r.status_code == 201, r.text
    return r.json()["device_code"]


def enrolled(page, stack, coordinator) -> str:
    """The page's browser made an enrolled kiosk (the code in its localStorage, as the setup screen keeps it)."""
    code = kiosk_code(stack, coordinator)
    page.context.add_init_script(f"localStorage.setItem('{KIOSK_KEY}', '{code}');")
    return code


def enrol_in_console(page, stack, name: str) -> str:
    """A coordinator enrols a kiosk in the console's 키오스크 기기 tab: the device code shown once."""
    from test_console import console_sign_in

    console_sign_in(page, stack, "coord1")
    page.get_by_role("link", name="키오스크 기기").click()
    page.get_by_role("heading", name="키오스크 기기", level=1).wait_for()
    page.get_by_label("놓인 곳").fill(name)
    page.get_by_role("button", name="등록하고 기기 코드 받기").click()
    shown = page.locator("[data-device-code]")
    shown.wait_for()
    assert page.get_by_text("이 코드는 지금 한 번만 보입니다").is_visible()
    # Listed at once beside its code, not only once the code is put away.
    page.locator("tr[data-kiosk] th", has_text=name).wait_for()
    return shown.get_attribute("data-device-code")


def enrol_kiosk_screen(page, code: str) -> None:
    """The kiosk's setup screen: the device code pasted, then the card screen."""
    page.get_by_role("heading", name="이 키오스크 등록하기", level=1).wait_for()
    page.get_by_label("기기 코드").fill(code)
    page.get_by_role("button", name="등록하기", exact=True).click()
    page.get_by_role("heading", name="회원 카드를 보여 주세요", level=1).wait_for()


def printed_token(pdf: bytes) -> str:
    """The card's token as printed under its QR code on the card's PDF."""
    return re.search(r"vbc_[A-Za-z0-9_-]{24}", PdfReader(io.BytesIO(pdf)).pages[0].extract_text()).group(0)


def card_without_coins(stack, coordinator, name: str) -> tuple[int, str]:
    """A resident without a wallet whose account the centre holds (PIN 4826), no coins: (their id, their card's
    token as printed under its QR code)."""
    r = stack.http.post("/residents", json={"name": name, "consent_terms_version": "2026-03"}, headers=coordinator)
    rid = r.json()["id"]
    r = stack.http.post(f"/residents/{rid}/custody", json={"pin": PIN, "consent_terms_version": "custody-1"},
                        headers=coordinator)
    assert r.status_code == 201, r.text
    pdf = stack.http.get(f"/residents/{rid}/card.pdf", headers=coordinator).content
    return rid, printed_token(pdf)


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

    # A coordinator enrols the kiosk in the console; the code is typed into the kiosk's setup screen below.
    console, console_watch = new_page("desktop", "ko")
    code = enrol_in_console(console, stack, "1층 로비 (kiosk_card)")
    assert axe_violations(console) == []
    screenshot(console, "kiosk_card-console-enrolled")
    assert console_watch.unexpected() == []

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
        page.get_by_role("heading", name="이 키오스크 등록하기", level=1).wait_for()
        page.locator("main[aria-busy=false]").wait_for()
        assert axe_violations(page) == []
        screenshot(page, "kiosk_card-setup")
        enrol_kiosk_screen(page, code)
        assert page.evaluate(f"localStorage.getItem('{KIOSK_KEY}')") == code
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
    enrolled(page, stack, coordinator)
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
    token = printed_token(pdf)
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
    session = stack.http.post("/card/sessions", json={"card_token": token, "pin": PIN},
                              headers={"X-Kiosk-Device": kiosk_code(stack, coordinator)}).json()
    vouchers = stack.http.get("/card/vouchers", headers={"Authorization": f"Bearer {session['access_token']}"}).json()
    assert [(v["offer_id"], v["fulfilled"]) for v in vouchers] == [(gym_offer["offer_id"], True)]
    assert watch.unexpected(allowed_statuses=(401,)) == []


def test_an_idle_kiosk_asks_then_ends_the_session(stack, new_page, coordinator):
    """A member who walks away: after two minutes without a touch the kiosk asks whether to go on (one tap extends
    it), and with no answer it ends the session and says why. The page's clock is moved, not waited for."""
    _, token = card_without_coins(stack, coordinator, "김말순")
    page, watch = new_page("phone", "ko")
    enrolled(page, stack, coordinator)
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


def test_kiosk_revoked(stack, new_page, coordinator):
    """A kiosk is lost: the coordinator revokes it in the console (asked once more), and the session open on it is
    refused at its next touch — the kiosk forgets its code and shows its setup screen saying why."""
    _, token = card_without_coins(stack, coordinator, "이순임")
    console, console_watch = new_page("desktop", "ko")
    name = f"2층 복도 {uuid.uuid4().hex[:4]}"
    code = enrol_in_console(console, stack, name)
    kiosk, watch = new_page("phone", "ko")
    kiosk.goto(f"{stack.url}/kiosk/")
    enrol_kiosk_screen(kiosk, code)
    kiosk.get_by_label("카드 번호 (QR 아래 글자)").fill(token)
    kiosk.get_by_role("button", name="다음").click()
    press(kiosk, PIN)
    kiosk.get_by_role("heading", name=re.compile("님, 안녕하세요")).wait_for()

    console.get_by_role("button", name="다 했습니다 (코드 숨기기)").click()
    row = console.locator("tr", has_text=name)
    row.get_by_role("button", name="등록 해제").click()
    row.get_by_role("button", name="네, 등록 해제하기").click()
    console.locator("tr", has_text=name).get_by_text("등록 해제됨").wait_for()
    assert code not in console.locator("main").inner_text()  # the code is never shown again
    assert axe_violations(console) == []
    screenshot(console, "kiosk_revoked-console")

    kiosk.get_by_role("link", name="이용권 쓰기").click()
    kiosk.get_by_role("heading", name="이 키오스크 등록하기", level=1).wait_for()
    kiosk.get_by_text("코디네이터가 등록을 해제했습니다").first.wait_for()
    assert kiosk.evaluate(f"localStorage.getItem('{KIOSK_KEY}')") is None
    kiosk.get_by_label("기기 코드").fill(code)  # the old code no longer enrols it
    kiosk.get_by_role("button", name="등록하기", exact=True).click()
    kiosk.locator("main [data-error=kiosk_device_revoked]").wait_for()
    kiosk.locator("main[aria-busy=false]").wait_for()
    assert axe_violations(kiosk) == []
    screenshot(kiosk, "kiosk_revoked-setup")
    assert watch.unexpected(allowed_statuses=(403,)) == []
    assert console_watch.unexpected() == []


def test_coordinator_custody(stack, new_page, coordinator):
    """In the staff console a coordinator opens an account held by the centre for a resident without a wallet (the
    PIN typed twice, the consent ticked; an easy PIN refused in words), prints the card, blocks it as lost, issues
    the next one and sets the PIN anew with the resident."""
    from test_console import console_sign_in, find_resident

    r = stack.http.post("/residents", json={"name": "최복순", "phone": "010-7777-1357", "consent_terms_version": "2026-03"},
                        headers=coordinator)
    resident = r.json()
    page, watch = new_page("desktop", "ko")
    console_sign_in(page, stack, "coord1")
    card = find_resident(page, resident)
    card.get_by_text("센터 보관 계정과 회원 카드").click()
    card.get_by_label("비밀번호 (주민이 입력)").fill("1234")
    card.get_by_label("비밀번호 한 번 더").fill("1234")
    card.get_by_label(re.compile("센터 보관 약관")).check()
    card.get_by_role("button", name="계정 만들고 카드 발급하기").click()
    card.get_by_text("너무 쉬운 비밀번호입니다").wait_for()
    card.get_by_label("비밀번호 (주민이 입력)").fill(PIN)
    card.get_by_label("비밀번호 한 번 더").fill(PIN)
    card.get_by_role("button", name="계정 만들고 카드 발급하기").click()
    card.locator("dd.mono", has_text="0x").wait_for()  # the list drawn again: the record names the held key's address
    card.get_by_text("센터 보관 계정과 회원 카드").click()
    card.locator("[data-card-state=active]").wait_for()
    assert "1번 카드 사용 중" in card.inner_text()
    with page.expect_download() as download:
        card.get_by_role("button", name="카드 인쇄하기 (PDF)").click()
    text = PdfReader(io.BytesIO(download.value.path().read_bytes())).pages[0].extract_text()
    assert resident["member_number"] in text and re.search(r"vbc_[A-Za-z0-9_-]{24}", text)
    card.get_by_text("카드 분실: 바로 정지하기").click()
    card.locator(f"#block-reason-{resident['id']}").fill("시장에서 잃어버림")
    card.get_by_role("button", name="카드 정지", exact=True).click()
    card.locator("[data-card-state=blocked]").wait_for()
    card.get_by_role("button", name="새 카드 발급 (이전 카드 정지)").click()
    card.get_by_text("2번 카드 사용 중").wait_for()
    card.get_by_text("비밀번호 다시 정하기 (주민과 함께)").click()
    card.get_by_label("비밀번호 (주민이 입력)").fill("5071")
    card.get_by_label("비밀번호 한 번 더").fill("5071")
    card.get_by_role("button", name="새 비밀번호 저장").click()
    card.locator("[data-card-state=active]").wait_for()
    assert axe_violations(page) == []
    screenshot(page, "coordinator_custody")
    admin = stack.login("admin")
    for action in ("custody_opened", "card_blocked", "card_issued", "pin_reset"):  # the city's audit log says who did it
        rows = stack.http.get("/admin/audit", params={"action": action, "centre_id": 1}, headers=admin).json()
        assert any(a["params"]["resident_id"] == resident["id"] and a["actor"] == "coord1" for a in rows), action
    assert watch.unexpected(allowed_statuses=(404, 422)) == []
