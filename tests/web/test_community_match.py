"""The community in a real browser: a neighbour offers a talent, another posts a need, sees the candidates with
each factor in words, asks the neighbour; the neighbour accepts; the beneficiary confirms the help happened; the
centre's coordinator approves the volunteering and the helper's coins arrive on-chain."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from stack import screenshot
from wallet import BrowserWallet

KST = timezone(timedelta(hours=9))


def sign_in(page, stack, route: str):
    page.goto(f"{stack.url}/app/#/{route}")
    page.get_by_role("button", name=re.compile("Test Wallet")).click()
    page.locator("main h1").first.wait_for()


def test_community_match(stack, new_page, coordinator, areas):
    helper, beneficiary = BrowserWallet.create(), BrowserWallet.create()

    # The helper offers a talent: cooking side dishes, in 서초2동, any day.
    page, helper_watch = new_page("phone", "ko", wallet=helper)
    sign_in(page, stack, "talents")
    page.get_by_label("할 수 있는 일").fill("반찬 만들어 드리기")
    page.get_by_label("관련 기술 (선택)").fill("요리, 반찬")
    page.get_by_label("동네").select_option("seocho-seocho2")
    page.get_by_role("button", name="평일 모두").click()
    page.get_by_role("button", name="주말 모두").click()
    page.get_by_role("button", name="재능 알리기", exact=True).click()
    page.locator("[data-talent]").first.wait_for()

    # The beneficiary asks for help now (started an hour ago, ends in an hour: Korean time, same day).
    other, watch = new_page("desktop", "ko", wallet=beneficiary)
    sign_in(other, stack, "needs")
    now = datetime.now(KST)
    start, end = max(now - timedelta(hours=1), now.replace(hour=0, minute=0)), min(now + timedelta(hours=1), now.replace(hour=23, minute=59))
    other.get_by_label("필요한 도움").fill("반찬을 만들어 주실 분")
    other.get_by_label("자세한 설명 (선택)").fill("혼자 지내서 요리가 어려워요. 반찬 몇 가지 부탁드립니다.")
    other.get_by_label("동네").select_option("seocho-seocho2")
    other.get_by_label("날짜").fill(now.strftime("%Y-%m-%d"))
    other.get_by_label("시작 시각").fill(start.strftime("%H:%M"))
    other.get_by_label("끝 시각").fill(end.strftime("%H:%M"))
    other.get_by_role("button", name="요청 올리기").click()

    # The candidates, explained in words; the helper's talent first.
    first = other.locator("[data-candidate]").first
    first.wait_for()
    assert "반찬 만들어 드리기" in first.inner_text()
    factors = first.locator("ul.factors li").all_inner_texts()
    assert len(factors) == 5 and all(re.search(r"\d+점", f) for f in factors)
    assert any(f.startswith("거리") for f in factors) and any(f.startswith("재능") for f in factors)
    screenshot(other, "community_match-candidates")
    first.get_by_role("button", name="이 분께 부탁하기").click()
    other.locator("[data-match]").first.wait_for()

    # The helper accepts.
    page.goto(f"{stack.url}/app/#/matches")
    page.get_by_role("button", name="수락").click()
    page.get_by_text(re.compile("약속됨")).wait_for()

    # The beneficiary confirms the help happened: the volunteering goes to the centre's queue.
    other.reload()
    other.get_by_role("button", name="도움을 받았어요").click()
    other.get_by_text(re.compile("도움 받음")).wait_for()
    match_id = int(other.locator("[data-match]").first.get_attribute("data-match"))
    activity_id = stack.http.get(f"/matches/{match_id}", headers=coordinator).json()["activity_id"]
    assert activity_id

    # The coordinator approves; the helper's coins arrive and their history says so.
    r = stack.http.post(f"/activities/{activity_id}/approve", headers=coordinator)
    assert r.status_code in (200, 202), r.text
    assert stack.wait_activity(activity_id, coordinator)["status"] == "confirmed"
    page.goto(f"{stack.url}/app/#/home")
    page.locator("ul.history li[data-kind=earned]").first.wait_for(timeout=30_000)
    assert "+6코인" in page.locator("ul.history li[data-kind=earned]").first.inner_text()  # two hours at 3 coins
    screenshot(page, "community_match")
    assert watch.unexpected() == [] and helper_watch.unexpected() == []
