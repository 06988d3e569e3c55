"""A guardian acting for a member whose account the centre holds, in a real browser: a coordinator registers the
member's daughter as guardian in the staff console (the consent ticked); she signs in to the resident app with her
own wallet (an injected EIP-1193 provider), finds the member under 대신하기, donates for her after a confirm step (a
donation beyond the member's coins is refused in the API's words), and the member's history names her; in English on
a wide screen she resets the member's forgotten PIN (an easy one refused in words). The member's card history and the
city's audit log name the guardian too. No browser error, axe-core finds nothing serious."""

from __future__ import annotations

import re

from test_console import console_sign_in, find_resident
from test_kiosk import custodial_resident, kiosk_code, printed_token

from stack import axe_violations, screenshot
from wallet import BrowserWallet


def app_sign_in(page, stack) -> None:
    page.goto(f"{stack.url}/app/")
    page.get_by_role("button", name=re.compile("Test Wallet")).click()
    page.get_by_role("heading", name=re.compile("내 코인|My coins"), level=1).wait_for()


def test_guardian_acts(stack, new_page, coordinator):
    resident, pdf = custodial_resident(stack, coordinator)
    token = printed_token(pdf)
    name = resident["name"]
    daughter = BrowserWallet.create()

    # The coordinator registers the member's daughter, with the member's consent, in the resident's card.
    page, watch = new_page("desktop", "ko")
    console_sign_in(page, stack, "coord1")
    card = find_resident(page, resident)
    card.get_by_text("보호자·대리인").click()
    card.get_by_text("등록된 보호자가 없습니다.").wait_for()
    card.get_by_label("보호자의 지갑 주소").fill(daughter.address)
    card.get_by_label("보호자 이름").fill("김보호")
    card.get_by_label("관계").select_option("family")
    card.get_by_role("button", name="보호자 등록하기").click()
    card.get_by_text("주민의 약관 동의를 확인하고 표시해 주세요.").wait_for()  # not without the member's consent
    card.get_by_label(re.compile("보호자 등록 약관")).check()
    card.get_by_role("button", name="보호자 등록하기").click()
    card.locator("[data-guardian][data-active=true]", has_text="김보호").wait_for()
    assert axe_violations(page) == []
    screenshot(page, "guardian_acts-console")
    assert watch.unexpected() == []

    # The daughter signs in with her own wallet (375 px, Korean) and donates for her mother.
    page, watch = new_page("phone", "ko", wallet=daughter)
    app_sign_in(page, stack)
    page.get_by_role("link", name="대신하기").click()
    page.get_by_role("link", name=f"{name} 님 대신 이용하기").click()
    page.get_by_role("heading", name=f"{name} 님 대신 이용하기", level=1).wait_for()
    page.locator("main[aria-busy=false]").wait_for()
    assert page.locator("#guardian-available").inner_text() == "6코인"
    assert axe_violations(page) == []
    page.get_by_label("기부할 코인").fill("100")
    page.get_by_role("button", name="다음").click()
    page.get_by_role("button", name="네, 기부합니다").click()
    refused = page.locator("#guardian-result [data-error=insufficient_balance]")
    refused.wait_for()
    assert "코인" in refused.inner_text()  # the API's own sentence, in Korean
    page.get_by_label("기부할 코인").fill("1")
    page.get_by_role("button", name="다음").click()
    page.get_by_role("heading", name=re.compile(f"{name} 님의 코인 1코인을 .*에 기부할까요")).wait_for()
    page.get_by_role("button", name="네, 기부합니다").click()
    page.locator("#guardian-result [data-done=true]").wait_for(timeout=90_000)
    stack.indexed_to_head()
    page.reload()
    donated = page.locator("#guardian-history li[data-kind=donated]")
    donated.wait_for()
    assert "보호자 김보호 님이 대신함" in donated.inner_text()
    assert page.locator("#guardian-available").inner_text() == "5코인"
    assert axe_violations(page) == []
    screenshot(page, "guardian_acts-donated")
    assert watch.unexpected(allowed_statuses=(409,)) == []

    # In English on a wide screen: the history says who did it; a forgotten PIN is set anew with the member.
    page, watch = new_page("desktop", "en", wallet=daughter)
    app_sign_in(page, stack)
    page.goto(f"{stack.url}/app/#/guardian/{resident['id']}")
    page.get_by_role("heading", name=f"Acting for {name}", level=1).wait_for()
    page.locator("main[aria-busy=false]").wait_for()
    assert "done by guardian 김보호" in page.locator("#guardian-history li[data-kind=donated]").inner_text()
    page.get_by_text("Reset a forgotten PIN (with the member)").click()
    for pin in ("1234", "5071"):
        page.get_by_label("PIN (typed by the resident)").fill(pin)
        page.get_by_label("PIN again").fill(pin)
        page.get_by_role("button", name="Save the new PIN").click()
        if pin == "1234":
            page.locator("#guardian-pin [data-error=pin_too_easy]", has_text="too easy").wait_for()
    page.locator("#guardian-pin [data-done=true]").wait_for()
    assert axe_violations(page) == []
    screenshot(page, "guardian_acts-en")
    assert watch.unexpected(allowed_statuses=(422,)) == []

    # The member's own history (their card, with the PIN the guardian reset) and the city's log name the guardian.
    session = stack.http.post("/card/sessions", json={"card_token": token, "pin": "5071"},
                              headers={"X-Kiosk-Device": kiosk_code(stack, coordinator)})
    assert session.status_code == 200, session.text
    me = {"Authorization": f"Bearer {session.json()['access_token']}"}
    history = stack.http.get("/card/history", headers=me).json()
    assert [e["guardian"]["name"] for e in history["entries"] if e["kind"] == "donated"] == ["김보호"]
    assert [n["kind"] for n in history["notices"][:2]] == ["guardian_pin_reset", "guardian_acted"]
    audit = stack.http.get("/admin/audit", params={"action": "guardian_acted"}, headers=stack.login("admin")).json()
    assert [a["params"]["guardian_address"] for a in audit if a["params"]["resident_id"] == resident["id"]] == [
        daughter.address]
