"""The 1365 link in a real browser, against the stack whose portal is a local server answering recorded responses
(tests/recorded_portal.py): the city previews then imports a region's programmes; a resident with a cooking talent
sees the side-dish programme first with its link to 1365 and gives their 1365 id and consent; a coordinator records
another resident's consent given in person; the coordinator previews then makes the hours export of the
resident's confirmed volunteering and downloads the CSV with 1365's Korean columns; then uploads a file of hours
from 1365, sees the refused line with its reason in Korean, credits the other line and follows its activity to the
chain; the resident withdraws their consent and the next export leaves them out."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import datetime, timedelta, timezone

from test_console import console_sign_in, find_resident, register

from stack import axe_violations, record_activity, screenshot
from wallet import BrowserWallet

KST = timezone(timedelta(hours=9))
SIDE_DISHES = "3012346"  # 독거 어르신 반찬 만들기, in the recorded responses
BAD_ITEM = "3012399"  # recorded without its start day


def no_serious_violations(page, name: str) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{name}: {violations}"


def test_portal_link(stack, new_page, coordinator, areas, tmp_path):
    tag = uuid.uuid4().hex[:8]
    number = uuid.uuid4().int % 1000

    # The city previews the import: three programmes, the one without a start day refused in Korean; then imports.
    admin, admin_watch = new_page("desktop", "ko")
    console_sign_in(admin, stack, "admin")
    admin.get_by_role("link", name="1365 연계", exact=True).click()
    admin.get_by_role("heading", name="1365 봉사 프로그램 가져오기", level=1).wait_for()
    admin.get_by_label("시·도 코드 (1365)").fill("6110000")
    admin.get_by_label("시·군·구 코드 (1365)").fill("3210000")
    admin.get_by_label("이 은행의 동네").select_option("seocho-banpo1")
    admin.get_by_role("button", name="미리 보기", exact=True).click()
    refused = admin.locator(f"#import-refused tr[data-item='{BAD_ITEM}']")
    refused.wait_for()
    assert "progrmBgnde 항목이 없거나 올바르지 않습니다" in refused.inner_text()
    assert admin.locator(f"#import-new tr[data-programme='{SIDE_DISHES}']").count() == 1
    assert admin.locator("#programmes tr[data-programme]").filter(has_text="반찬").count() == 0  # nothing stored yet
    admin.get_by_role("button", name="가져오기", exact=True).click()
    admin.locator("#import-done").wait_for()
    admin.locator(f"#programmes tr[data-programme='{SIDE_DISHES}']").wait_for()
    assert admin.locator(f"#programmes tr[data-programme='{BAD_ITEM}']").count() == 0
    no_serious_violations(admin, "console 1365 programmes")
    assert admin_watch.unexpected() == []

    # A resident of centre 1 with a cooking talent in 반포1동: the side-dish programme first, with its 1365 link.
    wallet = BrowserWallet.create()
    r = stack.http.post("/residents", json={"name": "한가람", "phone": f"010-3{number:03d}-1365", "address": wallet.address,
                                            "consent_terms_version": "2026-03"}, headers=coordinator)
    assert r.status_code == 201, r.text
    page, watch = new_page("phone", "ko", wallet=wallet)
    page.goto(f"{stack.url}/app/#/talents")
    page.get_by_role("button", name=re.compile("Test Wallet")).click()
    page.get_by_label("할 수 있는 일").fill("반찬 만들기 요리 봉사")
    page.get_by_label("관련 기술 (선택)").fill("요리, 반찬")
    page.get_by_label("동네").select_option("seocho-banpo1")
    page.get_by_role("button", name="평일 모두").click()
    page.get_by_role("button", name="주말 모두").click()
    page.get_by_role("button", name="재능 알리기", exact=True).click()
    page.locator("[data-talent]").first.wait_for()
    page.goto(f"{stack.url}/app/#/programmes")
    page.get_by_role("heading", name="1365 봉사 프로그램", level=1).wait_for()
    first = page.locator("[data-talent] li[data-programme]").first
    first.wait_for()
    assert first.get_attribute("data-programme") == SIDE_DISHES
    link = first.get_by_role("link", name=re.compile("1365에서 신청하기"))
    assert link.get_attribute("href").endswith(f"progrmRegistNo={SIDE_DISHES}")
    assert link.get_attribute("target") == "_blank" and "noopener" in link.get_attribute("rel")
    assert first.locator("ul.factors li").count() >= 1  # why it fits, in words

    # The resident gives their 1365 id and agrees.
    portal_id = f"cook{tag}"
    page.get_by_label("1365 아이디").fill(portal_id)
    page.get_by_label("내 봉사 시간을 1365에 등록하는 데 동의합니다.").check()
    page.get_by_role("button", name="동의하고 저장").click()
    page.locator("#portal-link[data-consented=true]").wait_for()
    assert portal_id in page.locator("#portal-link").inner_text()
    no_serious_violations(page, "app #programmes")
    screenshot(page, "portal-programmes")
    assert watch.unexpected() == []

    # A coordinator records another resident's 1365 id and consent, given in person, on the resident's card.
    neighbour = register(stack, coordinator, "서누리", f"010-4{number:03d}-2468")
    console, console_watch = new_page("desktop", "ko")
    console_sign_in(console, stack, "coord1")
    card = find_resident(console, neighbour)
    card.get_by_text("1365 실적 연계").click()
    card.get_by_label("1365 아이디").fill(f"nuri{tag}")
    card.get_by_label("주민이 직접 동의했습니다 (대면 확인).").check()
    card.get_by_role("button", name="동의하고 저장").click()
    card.locator("[data-consented=true]").wait_for()
    assert "coord1" in card.locator("[data-consented=true]").inner_text()

    # The coordinator's activity for the cook, confirmed; the export's preview, the export, its CSV.
    record_activity(stack, coordinator, wallet.address, minutes=150, description="반찬 만들기")
    console.get_by_role("link", name="1365 연계", exact=True).click()
    console.get_by_role("heading", name="1365 봉사 실적", level=1).wait_for()
    out = console.locator("section[aria-labelledby=portal-out]")
    out.get_by_role("button", name="미리 보기", exact=True).click()
    line = console.locator("#export-lines tbody tr").filter(has_text=portal_id)
    line.wait_for()
    assert "150" in line.inner_text()
    out.get_by_role("button", name="내보내기", exact=True).click()
    download_button = console.get_by_role("button", name="CSV 파일 받기")
    download_button.wait_for()
    with console.expect_download() as download:
        download_button.click()
    content = download.value.path().read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["1365 아이디", "성명", "회원번호", "봉사일자"] and "봉사시간(분)" in rows[0]
    mine = [row for row in rows[1:] if row[0] == portal_id]
    assert len(mine) == 1 and mine[0][1] == "한가람" and mine[0][rows[0].index("봉사시간(분)")] == "150"
    no_serious_violations(console, "console 1365 export")
    screenshot(console, "console-portal-export")

    # Hours from 1365: an unknown member number refused in Korean, the neighbour's line credited and confirmed.
    day = (datetime.now(KST) - timedelta(days=5)).date().isoformat()
    hours = tmp_path / "1365-hours.csv"
    hours.write_bytes("\n".join([
        "회원번호,성명,봉사일자,시작시각,종료시각,봉사시간(분),프로그램번호,봉사기관",
        f"{neighbour['member_number']},서누리,{day},09:00,11:00,120,{SIDE_DISHES},반포종합사회복지관",
        f"VB-999999,,{day},,,60,,",
    ]).encode("utf-8-sig"))
    into = console.locator("section[aria-labelledby=portal-in]")
    into.get_by_label("실적 파일").set_input_files(str(hours))
    into.get_by_role("button", name="미리 보기", exact=True).click()
    unknown = console.locator("#hours-lines tr[data-code=unknown_resident]")
    unknown.wait_for()
    assert "VB-999999에 해당하는 주민이 없습니다" in unknown.inner_text()
    assert "인정 예정" in console.locator("#hours-lines tbody tr").filter(has_text=neighbour["member_number"]).inner_text()
    into.get_by_role("button", name="인정하기 (1줄)").click()
    console.locator("#hours-activities li[data-status=confirmed]").wait_for(timeout=60_000)
    [credited] = console.locator("#hours-activities li").all()
    activity = stack.http.get(f"/activities/{credited.get_attribute('data-activity')}", headers=coordinator).json()
    assert activity["status"] == "confirmed" and activity["units"] == 120 and activity["source"] == "portal"
    no_serious_violations(console, "console 1365 hours")
    screenshot(console, "console-portal-hours")
    assert console_watch.unexpected() == []

    # The resident withdraws their consent in the app: the next export leaves their activities out, saying why.
    page.get_by_role("button", name="동의 철회").click()
    page.locator("#portal-link[data-consented=false]").wait_for()
    record_activity(stack, coordinator, wallet.address, minutes=60, description="반찬 나눔",
                    occurred_at=(datetime.now(KST) - timedelta(days=1)).isoformat())
    console.get_by_role("link", name="승인", exact=True).click()
    console.get_by_role("link", name="1365 연계", exact=True).click()
    console.locator("section[aria-labelledby=portal-out]").get_by_role("button", name="미리 보기", exact=True).click()
    console.locator("#export-counts").wait_for()
    assert console.locator("#export-lines tbody tr").filter(has_text=portal_id).count() == 0
    assert "1365 실적 연계에 동의하지 않았습니다" in console.locator("#export-refused").inner_text()
    assert watch.unexpected() == [] and console_watch.unexpected() == []
