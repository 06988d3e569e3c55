"""The provider's voucher desk in a real browser: a resident redeems an offer in their app and shows the voucher's
QR; the provider signs in at the desk, feeds the QR (a photo of the resident's screen), sees it valid, marks it
used; the same voucher again shows "already used"."""

from __future__ import annotations

import re

from stack import CHROMIUM, PASSWORD, VIEWPORTS, qr_video, record_activity, screenshot
from wallet import BrowserWallet


def resident_voucher_qr(stack, new_page, coordinator, offer, tmp_path) -> tuple[int, str, str]:
    """A resident signs in, earns, redeems `offer` in the app and shows the voucher: its id, a photo of its QR and
    its check code."""
    wallet = BrowserWallet.create()
    page, watch = new_page("phone", "ko", wallet=wallet)
    record_activity(stack, coordinator, wallet.address, minutes=60)
    stack.unlock()
    stack.indexed_to_head()
    page.goto(f"{stack.url}/app/#/redeem/{offer['offer_id']}")
    page.get_by_role("button", name=re.compile("Test Wallet")).click()
    page.get_by_role("button", name="확인하고 이용권 받기").click()
    page.get_by_text("완료되었습니다. 블록체인에 기록되었습니다.").wait_for(timeout=60_000)
    page.get_by_role("link", name="이용권 보기").click()
    qr = page.locator(".qr[data-voucher]")
    qr.wait_for()
    photo = tmp_path / "voucher.png"
    qr.screenshot(path=str(photo))
    code = qr.get_attribute("data-code")
    assert page.get_by_text(code, exact=True).is_visible()  # the code is written out too, to read at the desk
    assert watch.unexpected() == []
    return int(qr.get_attribute("data-voucher")), str(photo), code


def desk_sign_in(page, stack):
    page.goto(f"{stack.url}/desk/")
    page.get_by_label("아이디").fill("gym")
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.get_by_role("heading", name="이용권 확인", level=1).wait_for()


def test_provider_voucher(stack, new_page, coordinator, gym_offer, tmp_path):
    voucher_id, photo, code = resident_voucher_qr(stack, new_page, coordinator, gym_offer, tmp_path)
    page, watch = new_page("desktop", "ko")
    desk_sign_in(page, stack)

    page.get_by_label("또는 QR 사진 고르기").set_input_files(photo)
    verdict = page.locator("#voucher-result [data-verdict]")
    verdict.wait_for()
    assert verdict.get_attribute("data-verdict") == "valid"
    assert f"{voucher_id >> 32}-{voucher_id & 0xFFFFFFFF}" in verdict.inner_text()
    page.get_by_role("button", name="사용 처리하기").click()
    page.get_by_text("사용 처리되었습니다. 서비스를 제공하세요.").wait_for(timeout=60_000)
    assert stack.app.state.chain.redemption.functions.voucherStatus(voucher_id).call()[2] is True
    screenshot(page, "provider_voucher-used")

    # The same voucher again, typed by its number and code this time: already used, and nothing to press.
    page.goto(f"{stack.url}/desk/#/voucher")
    page.get_by_label("이용권 번호").fill(f"{voucher_id >> 32}-{voucher_id & 0xFFFFFFFF}")
    page.get_by_label("확인 코드").fill(code.lower())
    page.get_by_role("button", name="확인", exact=True).click()
    page.locator("#voucher-result [data-verdict=used]").wait_for()
    assert page.get_by_text("이미 사용된 이용권입니다").is_visible()
    assert page.get_by_role("button", name="사용 처리하기").count() == 0
    screenshot(page, "provider_voucher")
    assert watch.unexpected() == []


def test_a_voucher_number_without_its_code_is_not_accepted(stack, new_page, coordinator, gym_offer, tmp_path):
    """Numbers run in order: someone who reads out another resident's number, without the code only that resident's
    app shows, is told the code is needed, and a wrong code does not match; nothing can be marked used."""
    voucher_id, _, code = resident_voucher_qr(stack, new_page, coordinator, gym_offer, tmp_path)
    page, watch = new_page("phone", "ko")
    desk_sign_in(page, stack)
    page.get_by_label("이용권 번호").fill(f"{voucher_id >> 32}-{voucher_id & 0xFFFFFFFF}")
    page.get_by_role("button", name="확인", exact=True).click()
    page.locator("#voucher-result [data-verdict=code_needed]").wait_for()
    page.get_by_label("확인 코드").fill("ZZZZZZ" if code != "ZZZZZZ" else "YYYYYY")
    page.get_by_role("button", name="확인", exact=True).click()
    page.locator("#voucher-result [data-verdict=code_wrong]").wait_for()
    assert page.get_by_role("button", name="사용 처리하기").count() == 0
    assert stack.app.state.chain.redemption.functions.voucherStatus(voucher_id).call()[2] is False
    assert watch.unexpected() == []


def test_a_voucher_of_another_provider_is_not_ours(stack, new_page, coordinator, gym_offer, tmp_path):
    voucher_id, photo, _ = resident_voucher_qr(stack, new_page, coordinator, gym_offer, tmp_path)
    page, watch = new_page("phone", "en")
    page.goto(f"{stack.url}/desk/")
    page.get_by_label("Username").fill("cafeteria")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Or choose a photo of the QR").set_input_files(photo)
    page.locator("#voucher-result [data-verdict=not_your_voucher]").wait_for()
    assert page.get_by_text("Not our voucher").is_visible()
    assert watch.unexpected(allowed_statuses=(403,)) == []


def test_the_desk_reads_a_voucher_with_the_camera(stack, new_page, playwright, coordinator, gym_offer, tmp_path):
    """The same check through the device camera: Chromium's fake camera plays a video of the voucher's QR code."""
    voucher_id, _, code = resident_voucher_qr(stack, new_page, coordinator, gym_offer, tmp_path)
    video = qr_video(f"{stack.url}/desk/#/voucher/{voucher_id}/{code}", tmp_path / "voucher.y4m")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
        "--no-sandbox", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}"])
    try:
        context = browser.new_context(viewport=VIEWPORTS["phone"], permissions=["camera"])
        context.add_init_script("localStorage.setItem('vb.lang', 'ko');")
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        desk_sign_in(page, stack)
        page.get_by_role("button", name="카메라로 QR 찍기").click()
        verdict = page.locator("#voucher-result [data-verdict]")
        verdict.wait_for(timeout=30_000)
        assert verdict.get_attribute("data-verdict") == "valid"
        assert f"{voucher_id >> 32}-{voucher_id & 0xFFFFFFFF}" in verdict.inner_text()
        assert page.locator("video.scanner").is_hidden()  # the camera is let go once a code is read
        screenshot(page, "provider_voucher-camera")
        assert [e for e in errors if "status of" not in e] == []
    finally:
        browser.close()
