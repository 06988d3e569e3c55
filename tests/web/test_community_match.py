"""The community in a real browser: a neighbour offers a talent, another posts a need, sees the candidates with
each factor in words, asks the neighbour; the neighbour accepts; the beneficiary confirms the help happened; the
centre's coordinator approves the volunteering and the helper's coins arrive on-chain. And from the volunteer's
side: a volunteer finds a request among the ones that fit their talent, offers to help from there, the requester
accepts."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone

import pytest
from stack import axe_violations, screenshot
from wallet import BrowserWallet

KST = timezone(timedelta(hours=9))


def two_hours_around_now() -> datetime:
    """Korean time now, a little after midnight's last minutes: a same-day window of two hours needs a minute left."""
    now = datetime.now(KST)
    if now.hour == 23 and now.minute >= 58:
        time.sleep(150)
        now = datetime.now(KST)
    return now


def two_hour_window(now: datetime) -> tuple[datetime, datetime]:
    """Two hours on the same Korean day, begun before now and ending after it (near midnight the window shifts, it
    does not shrink: the helper earns for exactly two hours whenever the test runs)."""
    start = now.replace(second=0, microsecond=0) - timedelta(hours=1)
    earliest, latest = now.replace(hour=0, minute=0, second=0, microsecond=0), now.replace(hour=21, minute=59, second=0, microsecond=0)
    start = min(max(start, earliest), latest)
    return start, start + timedelta(hours=2)


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
    now = two_hours_around_now()
    start, end = two_hour_window(now)
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


# What each side reads and presses, in each language (the catalogue's words, as a person finds them on the page).
WORDS = {
    "ko": {"weekdays": "평일 모두", "weekend": "주말 모두", "offer_talent": "재능 알리기", "post": "요청 올리기",
           "help": "제가 도울게요", "told": "요청한 분께 알렸습니다", "accept": "수락", "agreed": "약속됨",
           "factor": re.compile(r"^(재능|설명|거리|시간|약속 지킴): .+\(\d+점\)$"), "distance": "서초2동",
           "talent": "반찬 만들어 드리기", "need": "반찬을 만들어 주실 분을 찾아요"},
    "en": {"weekdays": "All weekdays", "weekend": "All weekend", "offer_talent": "Offer it", "post": "Post the request",
           "help": "I can help", "told": "The requester has been told", "accept": "Accept", "agreed": "Agreed",
           "factor": re.compile(r"^(Talent|Description|Distance|Time|Reliability): .+\(\d+ points\)$"),
           "distance": "km between", "talent": "Cooking side dishes", "need": "Someone to cook side dishes for me"},
}


@pytest.mark.parametrize(("lang", "volunteer_viewport", "requester_viewport"),
                         [("ko", "phone", "desktop"), ("en", "desktop", "phone")])
def test_community_match_from_the_volunteer_side(stack, new_page, coordinator, areas, lang, volunteer_viewport, requester_viewport):
    """A volunteer finds a neighbour's request among the ones that fit their talent, explained in words, offers to
    help from there, and the requester accepts: the help is agreed."""
    words = WORDS[lang]
    volunteer, requester = BrowserWallet.create(), BrowserWallet.create()

    # The volunteer offers a talent: cooking side dishes, in 반포1동, any day.
    page, volunteer_watch = new_page(volunteer_viewport, lang, wallet=volunteer)
    sign_in(page, stack, "talents")
    page.locator("#talent-title").fill(words["talent"])
    page.locator("#talent-skills").fill("요리, 반찬" if lang == "ko" else "cooking, side dishes")
    page.locator("#talent-area").select_option("seocho-banpo1")
    page.get_by_role("button", name=words["weekdays"]).click()
    page.get_by_role("button", name=words["weekend"]).click()
    page.get_by_role("button", name=words["offer_talent"], exact=True).click()
    page.locator("[data-talent]").first.wait_for()

    # The requester asks for help tomorrow (the form's default day and hours) in 서초2동.
    other, requester_watch = new_page(requester_viewport, lang, wallet=requester)
    sign_in(other, stack, "needs")
    other.locator("#need-title").fill(words["need"])
    other.locator("#need-area").select_option("seocho-seocho2")
    other.get_by_role("button", name=words["post"]).click()
    other.wait_for_url(re.compile(r"#/need/\d+$"))
    need_id = int(other.url.rsplit("/", 1)[1])

    # The volunteer opens the requests that fit their talent (from the talent's own link): the need is there,
    # each factor said in words with its points; the screen passes axe.
    page.locator("[data-talent] a[href^='#/fitting/']").first.click()
    card = page.locator(f"main[aria-busy=false] [data-fitting='{need_id}']")
    card.wait_for()
    assert words["need"] in card.inner_text()
    factors = card.locator("ul.factors li").all_inner_texts()
    assert len(factors) == 5 and all(words["factor"].match(f.strip()) for f in factors), factors
    assert any(words["distance"] in f for f in factors)
    assert axe_violations(page) == []
    screenshot(page, f"community_match-fitting-{lang}-{volunteer_viewport}")

    # The volunteer offers to help from the list; it is said what happens next.
    card.get_by_role("button", name=words["help"]).click()
    card.get_by_text(words["told"]).wait_for()

    # The requester sees the offer on the need and accepts: the help is agreed.
    other.reload()
    row = other.locator("[data-match]").first
    row.get_by_role("button", name=words["accept"]).click()
    other.locator("[data-match]").first.get_by_text(re.compile(words["agreed"])).wait_for()
    match_id = int(other.locator("[data-match]").first.get_attribute("data-match"))
    match = stack.http.get(f"/matches/{match_id}", headers=coordinator).json()
    assert match["status"] == "scheduled" and match["need_id"] == need_id and match["volunteer_accepted"]
    screenshot(other, f"community_match-accepted-{lang}-{requester_viewport}")

    # The need, agreed, no longer shows among the volunteer's fitting requests.
    page.reload()
    page.locator("main[aria-busy=false] h1").first.wait_for()
    assert page.locator(f"[data-fitting='{need_id}']").count() == 0
    assert volunteer_watch.unexpected() == [] and requester_watch.unexpected() == []
