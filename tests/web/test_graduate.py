"""A custodial resident moves to a wallet of their own, in real browsers: signed in with the new wallet (EIP-1193,
Sign-In with Ethereum) they ask in the resident app's #/move with their member card's code and PIN; a coordinator
of their centre confirms it in the console with them in person; the coins arrive in the wallet's home, and once the
payment is final the move is done and the centre's key destroyed. Korean and English, 375 and 1280 px, no browser
error, axe-core finds nothing serious."""

from __future__ import annotations

import re

from test_console import console_sign_in_en
from test_kiosk import PIN, custodial_resident, press, printed_token

from backend.store.models import CustodialAccount
from stack import PASSWORD, axe_violations, screenshot
from wallet import BrowserWallet


def wallet_sign_in(page, stack, route: str) -> None:
    page.goto(f"{stack.url}/app/#/{route}")
    page.get_by_role("button", name=re.compile("Test Wallet")).click()


def test_graduate_wallet(stack, new_page, coordinator):
    resident, pdf = custodial_resident(stack, coordinator)
    token = printed_token(pdf)
    wallet = BrowserWallet.create()

    # The resident, on their phone, in Korean: signs in with the new wallet and asks with the card and its PIN.
    page, watch = new_page("phone", "ko", wallet=wallet)
    wallet_sign_in(page, stack, "move")
    page.get_by_role("heading", name="본인 지갑으로 옮기기", level=1).wait_for()
    page.locator("main[aria-busy=false]").wait_for()
    assert wallet.address in page.locator("main").inner_text()
    assert axe_violations(page) == []
    page.get_by_role("button", name="회원 카드로 요청하기").click()
    page.get_by_label("카드 번호 (QR 아래 글자)").fill(token)
    page.get_by_role("button", name="다음").click()
    page.get_by_role("heading", name="비밀번호를 눌러 주세요", level=1).wait_for()
    press(page, PIN)
    page.locator("[data-move-state=requested]").wait_for()
    assert "센터의 확인을 기다리고" in page.locator("main").inner_text()
    assert axe_violations(page) == []
    screenshot(page, "graduate_wallet-requested")

    # The coordinator who opened the account and printed the card may not confirm where its coins go: the console
    # says so in the API's words.
    def resident_card(console):
        console.locator("#resident-search").fill(resident["member_number"])
        console.get_by_role("button", name="Find").click()
        card = console.locator(f"[data-resident='{resident['id']}']")
        card.get_by_text("Account held by the centre, member card").click()
        card.locator(f"[data-new-wallet='{wallet.address}']").wait_for()
        return card

    opener, opener_watch = new_page("desktop", "en")
    console_sign_in_en(opener, stack, "coord1")
    resident_card(opener).get_by_role("button", name="Confirm and move").click()
    opener.get_by_text(re.compile("another coordinator of the centre confirms the move")).wait_for()
    assert opener_watch.unexpected((409,)) == []

    # Another coordinator of the centre, at its desk, in English: the request with the new wallet; confirmed in
    # person.
    r = stack.http.post("/staff", json={"username": "coord1b", "password": PASSWORD, "role": "coordinator",
                                        "centre_id": 1}, headers=stack.login("admin"))
    assert r.status_code in (201, 409), r.text
    console, console_watch = new_page("desktop", "en")
    console_sign_in_en(console, stack, "coord1b")
    card = resident_card(console)
    assert "Request to move to their own wallet" in card.inner_text()
    assert axe_violations(console) == []
    screenshot(console, "graduate_wallet-console-request")
    card.get_by_role("button", name="Confirm and move").click()
    card.locator("[data-move-state=paying], [data-move-state=done]").first.wait_for()
    assert axe_violations(console) == []
    screenshot(console, "graduate_wallet-console-confirmed")

    # The resident's screen follows by itself; their wallet's home shows the coins.
    page.locator("[data-move-state=paying], [data-move-state=done]").first.wait_for(timeout=30_000)
    page.get_by_role("link", name="내 코인 보기").click()
    page.locator("#balances", has_text="6코인").wait_for(timeout=60_000)
    assert axe_violations(page) == []
    screenshot(page, "graduate_wallet-home")
    chain = stack.app.state.chain
    assert chain.coin.functions.balanceOf(wallet.address).call() == 6 * 10**18
    assert chain.coin.functions.balanceOf(resident["address"]).call() == 0

    # Once the payment's block is final (past Anvil's finalized block) the move is done and the key destroyed.
    stack.node.web3.provider.make_request("anvil_mine", [hex(70)])
    desktop, desktop_watch = new_page("desktop", "en", wallet=wallet)
    wallet_sign_in(desktop, stack, "move")
    desktop.get_by_role("heading", name="Move to your own wallet", level=1).wait_for()
    desktop.locator("[data-move-state=done]").wait_for(timeout=60_000)
    assert "the key the centre held is destroyed" in desktop.locator("main").inner_text()
    assert axe_violations(desktop) == []
    screenshot(desktop, "graduate_wallet-done")
    with stack.app.state.sessions() as s:
        row = s.get(CustodialAccount, resident["id"])
        assert row.sealed_private_key is None and row.key_destroyed_at is not None
    desktop.get_by_role("link", name="See my coins").click()
    desktop.locator("#balances", has_text="6 coins").wait_for()
    assert axe_violations(desktop) == []
    for w in (watch, console_watch, desktop_watch):
        assert w.unexpected() == []
