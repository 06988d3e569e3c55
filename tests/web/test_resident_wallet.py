"""The resident's journey in a real browser with a wallet: connect, switch network (the wallet does not know the
chain: it is added), sign in (EIP-4361), add the coin (EIP-747), see volunteering a coordinator recorded arrive,
redeem an offer and see the voucher's QR, donate, pay another resident, and a refused request shown in words."""

from __future__ import annotations

import re

from stack import COIN, record_activity, screenshot
from wallet import BrowserWallet


def sign_in(page, stack, wallet):
    page.goto(f"{stack.url}/app/")
    page.get_by_role("button", name=re.compile("Test Wallet")).click()
    page.get_by_role("heading", name=re.compile("내 코인|My coins"), level=1).wait_for()


def test_resident_wallet(stack, new_page, coordinator, gym_offer):
    wallet = BrowserWallet.create()
    neighbour = BrowserWallet.create()
    page, watch = new_page("phone", "ko", wallet=wallet)

    sign_in(page, stack, wallet)
    # The wallet was on mainnet and did not know the chain: the page added it from /token, then signed in there.
    assert [m for m in wallet.methods() if m.startswith("wallet_")][:2] == ["wallet_switchEthereumChain", "wallet_addEthereumChain"]
    assert wallet.chain_id == stack.app.state.chain.chain_id
    assert wallet.added_chains[0]["rpcUrls"] == [stack.node.url]
    assert "personal_sign" in wallet.methods()

    # The session survives a reload.
    page.reload()
    page.get_by_role("heading", name="내 코인", level=1).wait_for()
    page.wait_for_load_state("networkidle")  # the app has asked whether this wallet acts for anyone
    assert page.get_by_role("link", name="대신하기").count() == 0  # a tab for guardians only

    page.get_by_role("button", name=re.compile("지갑에 VSC 코인 추가")).click()
    page.get_by_text("지갑에 VSC 코인을 추가했습니다.").wait_for()
    assert wallet.watched[0]["options"]["address"] == stack.app.state.chain.coin.address

    # A coordinator records two hours; it arrives in the history in words, locked for its check period.
    record_activity(stack, coordinator, wallet.address, minutes=120)
    page.locator("ul.history li[data-kind=earned]").first.wait_for()  # without a reload: the screen looks again
    entry = page.locator("ul.history li[data-kind=earned]").first.inner_text()
    assert "자원봉사 2시간" in entry and "+6코인" in entry
    assert page.locator("#balances").get_by_text("확인 기간 중인 코인").is_visible()
    screenshot(page, "resident_wallet-home")

    # After the check period the coins can be spent: redeem the gym's offer, see the voucher's QR.
    stack.unlock()
    stack.indexed_to_head()
    page.goto(f"{stack.url}/app/#/offers")
    page.locator(f"[data-offer='{gym_offer['offer_id']}']").get_by_role("link").click()
    page.get_by_role("button", name="확인하고 이용권 받기").click()
    page.get_by_text("완료되었습니다. 블록체인에 기록되었습니다.").wait_for(timeout=60_000)
    page.get_by_role("link", name="이용권 보기").click()
    qr = page.locator(".qr[data-voucher]")
    qr.wait_for()
    voucher_id = int(qr.get_attribute("data-voucher"))
    assert voucher_id >> 32 == gym_offer["offer_id"]
    assert page.locator(".qr svg").count() == 1
    screenshot(page, "resident_wallet-voucher")

    # Donate 1 coin to the registered charity.
    page.goto(f"{stack.url}/app/#/donate")
    page.get_by_label("기부할 코인").fill("1")
    page.get_by_role("button", name="확인하고 기부하기").click()
    page.get_by_text("완료되었습니다. 블록체인에 기록되었습니다.").wait_for(timeout=60_000)

    # Pay a neighbour 1.5 coins by address.
    page.goto(f"{stack.url}/app/#/pay")
    page.get_by_label("받는 분 주소").fill(neighbour.address)
    page.get_by_label("보낼 코인").fill("1,5")  # a keypad whose decimal mark is a comma
    page.get_by_label("메모 (선택)").fill("장보기 도와주셔서 감사합니다")
    page.get_by_role("button", name="확인하고 보내기").click()
    page.get_by_text("완료되었습니다. 블록체인에 기록되었습니다.").wait_for(timeout=60_000)
    assert int(stack.app.state.chain.coin.functions.balanceOf(neighbour.address).call()) == 3 * COIN // 2

    # Above the balance: 6 - 2 - 1 - 1.5 = 1.5 left; asking 5 is refused by the API and shown in its words.
    page.get_by_role("link", name="내 코인").first.click()
    page.get_by_role("link", name="이웃에게 보내기").click()
    page.get_by_label("받는 분 주소").fill(neighbour.address)
    page.get_by_label("보낼 코인").fill("5")
    page.get_by_role("button", name="확인하고 보내기").click()
    refusal = page.locator(".status-error")
    refusal.wait_for()
    assert refusal.inner_text() == ("잔액이 부족합니다: 5코인이 필요하지만 쓸 수 있는 코인은 1.5코인입니다. "
                                    "3.5코인이 더 필요해요")
    assert page.get_by_text("완료되었습니다").count() == 0

    # The history tells it all in words, each entry linked to its transaction.
    page.goto(f"{stack.url}/app/#/history")
    page.locator("ul.history li[data-kind=paid]").wait_for()
    kinds = page.locator("ul.history li").evaluate_all("els => els.map(e => e.dataset.kind)")
    assert kinds[:4] == ["paid", "donated", "redeemed", "earned"]
    assert page.locator("ul.history li a[href*='/tx/0x']").count() >= 4
    screenshot(page, "resident_wallet")
    assert watch.unexpected(allowed_statuses=(409,)) == []
