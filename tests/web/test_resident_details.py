"""Smaller paths of the resident app: a person who declines in the wallet is told calmly and can try again; a
neighbour's payment QR, photographed, fills in the address to pay."""

from __future__ import annotations

import re

from wallet import BrowserWallet


def test_declining_in_the_wallet_is_said_calmly_and_can_be_retried(stack, new_page):
    wallet = BrowserWallet.create(decline={"personal_sign"})
    page, watch = new_page("phone", "ko", wallet=wallet)
    page.goto(f"{stack.url}/app/")
    page.get_by_role("button", name=re.compile("Test Wallet")).click()
    page.get_by_text("지갑에서 취소하셨습니다. 괜찮습니다. 준비되면 다시 눌러 주세요.").wait_for()
    page.get_by_role("button", name=re.compile("Test Wallet")).click()  # the wallet now agrees
    page.locator("#balances").wait_for()
    assert wallet.methods().count("personal_sign") == 2
    assert watch.unexpected() == []


def test_a_neighbours_payment_qr_fills_in_the_address(stack, new_page, tmp_path):
    payee, payer = BrowserWallet.create(), BrowserWallet.create()
    page, _ = new_page("phone", "ko", wallet=payee)
    page.goto(f"{stack.url}/app/#/receive")
    page.get_by_role("button", name=re.compile("Test Wallet")).click()
    code = page.locator(".qr[data-address]")
    code.wait_for()
    assert code.get_attribute("data-address") == payee.address
    code.screenshot(path=str(tmp_path / "payee.png"))

    page, watch = new_page("phone", "en", wallet=payer)
    page.goto(f"{stack.url}/app/#/pay")
    page.get_by_role("button", name=re.compile("Test Wallet")).click()
    page.get_by_label("Or choose a photo of the QR").set_input_files(str(tmp_path / "payee.png"))
    page.get_by_text(re.compile("QR read")).wait_for()
    assert page.get_by_label("Their address").input_value() == payee.address
    assert watch.unexpected() == []


def test_signing_in_at_another_address_of_the_server_says_where_to_go(stack, new_page):
    """The sign-in message names the bank's own address; opened as localhost instead of 127.0.0.1, the page says
    which address to open rather than letting the wallet warn of a deceptive site and the server refuse."""
    wallet = BrowserWallet.create()
    page, watch = new_page("phone", "ko", wallet=wallet)
    page.goto(stack.url.replace("127.0.0.1", "localhost") + "/app/")
    page.get_by_role("button", name=re.compile("Test Wallet")).click()
    page.get_by_text(f"이 주소로는 로그인할 수 없습니다. {stack.url} 로 열어 주세요.").wait_for()
    assert "personal_sign" not in wallet.methods()
    assert watch.unexpected() == []
