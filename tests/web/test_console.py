"""The staff console in a real browser: a coordinator records a day's event from a spreadsheet (one bad line fixed,
the sheet approved, every line confirmed on-chain), finds a resident and records and revokes one activity; a welfare
officer triages a neighbour report a resident sent, and the reporter's reward arrives."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from eth_account import Account
from web3.logs import DISCARD

from stack import PASSWORD, screenshot
from wallet import BrowserWallet

KST = timezone(timedelta(hours=9))


def console_sign_in(page, stack, username: str):
    page.goto(f"{stack.url}/console/")
    page.get_by_label("아이디").fill(username)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.locator("nav.tabs").wait_for()


def find_resident(page, resident: dict, query: str | None = None):
    """The console's find-a-resident search (Korean), by `query` or the member number: the resident's card."""
    page.get_by_label("이름, 전화번호 끝자리, 회원번호").fill(query or resident["member_number"])
    page.get_by_role("button", name="찾기").click()
    card = page.locator(f"[data-resident='{resident['id']}']")
    card.wait_for()
    return card


def register(stack, coordinator, name: str, phone: str) -> dict:
    r = stack.http.post("/residents", json={"name": name, "phone": phone, "address": Account.create().address,
                                            "consent_terms_version": "2026-03"}, headers=coordinator)
    assert r.status_code == 201, r.text
    return r.json()


def test_coordinator_sheet(stack, new_page, coordinator, tmp_path):
    """A day's event of 40 people, as the issue asks: one line names nobody of the centre."""
    people = [register(stack, coordinator, f"참가자{i:02d}", f"010-7000-{1000 + i}") for i in range(40)]
    sheet = tmp_path / "event.csv"
    lines = (["회원번호,이름,시간(분)"] + [f"{p['member_number']},{p['name']},120" for p in people[:2]]
             + [f"VB-999999,{people[2]['name']},90"] + [f"{p['member_number']},{p['name']},120" for p in people[3:]])
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    yesterday = (datetime.now(KST) - timedelta(days=1)).strftime("%Y-%m-%d")

    page, watch = new_page("desktop", "ko")
    console_sign_in(page, stack, "coord1")
    page.get_by_role("link", name="출석부").click()
    page.get_by_label("파일").set_input_files(str(sheet))
    page.get_by_label("날짜").fill(yesterday)
    page.get_by_label("장소 (선택)").fill("서초구 복지관 강당")
    page.get_by_role("button", name="올리고 확인하기").click()

    # Checked before anything is saved: the third line names nobody of this centre.
    bad = page.locator("#sheet-lines tr[data-line='3']")
    bad.wait_for()
    assert bad.get_attribute("data-problems") != "0"
    assert page.get_by_role("button", name=re.compile("모두 승인")).is_disabled()
    bad.get_by_label("3번째 줄의 주민").fill(people[2]["member_number"])
    bad.get_by_role("button", name="고치기").click()
    page.locator("#sheet-lines tr[data-line='3'][data-problems='0']").wait_for()
    page.get_by_role("button", name="40줄 모두 승인").click()

    # Every line on its way, then confirmed on-chain, without leaving the console.
    page.locator("#sheet-totals[data-confirmed='40']").wait_for(timeout=90_000)
    statuses = page.locator("#sheet-lines tbody tr").evaluate_all("rows => rows.map(r => r.dataset.status)")
    assert statuses == ["confirmed"] * 40
    assert page.locator("#sheet-lines a[href*='/tx/0x']").count() == 40
    screenshot(page, "coordinator_sheet")
    coin = stack.app.state.chain.coin
    expected = [6 * 10**18, 6 * 10**18, 45 * 10**17] + [6 * 10**18] * 37
    assert [coin.functions.balanceOf(p["address"]).call() for p in people] == expected
    assert watch.unexpected(allowed_statuses=(422,)) == []



def test_coordinator_sheet_signed_with_own_wallet(stack, new_page, coordinator, tmp_path):
    """Where the contracts let a coordinator sign a sheet (attestBatchBySig), the console asks the coordinator's own
    wallet: the chain then names that wallet, not the centre's key, as the sheet's attester."""
    wallet = BrowserWallet.create()
    admin = stack.login("admin")
    r = stack.http.post("/admin/centres/1/coordinators", json={"address": wallet.address}, headers=admin)
    assert stack.wait_op(r.json(), admin)["state"] == "confirmed"
    people = [register(stack, coordinator, f"Signer {i}", f"010-7100-{1000 + i}") for i in range(3)]
    sheet = tmp_path / "signed.csv"
    sheet.write_text("\n".join(["member number,name,minutes"] + [f"{p['member_number']},{p['name']},60" for p in people])
                     + "\n", encoding="utf-8")
    yesterday = (datetime.now(KST) - timedelta(days=1)).strftime("%Y-%m-%d")

    page, watch = new_page("phone", "en", wallet=wallet)
    console_sign_in_en(page, stack, "coord1")
    page.get_by_role("link", name="Attendance sheets").click()
    page.get_by_label("File").set_input_files(str(sheet))
    page.get_by_label("Date").fill(yesterday)
    page.get_by_role("button", name="Upload and check").click()
    page.get_by_role("button", name="Approve 3 lines and sign with my wallet").click()

    page.locator("#sheet-signing[data-signing='signed']").wait_for(timeout=30_000)
    page.locator("#sheet-totals[data-confirmed='3']").wait_for(timeout=90_000)
    assert "eth_signTypedData_v4" in wallet.methods()
    screenshot(page, "coordinator_sheet_signed")
    tx_hash = page.locator("#sheet-lines a[href*='/tx/0x']").first.get_attribute("href").rsplit("/", 1)[1]
    chain = stack.app.state.chain
    receipt = chain.web3.eth.get_transaction_receipt(tx_hash)
    attested = chain.registry.events.BatchAttested().process_receipt(receipt, errors=DISCARD)
    assert [e["args"]["coordinator"] for e in attested] == [wallet.address]
    assert watch.unexpected() == []


def console_sign_in_en(page, stack, username: str):
    page.goto(f"{stack.url}/console/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.locator("nav.tabs").wait_for()

def test_coordinator_single(stack, new_page, coordinator):
    resident = register(stack, coordinator, "김순자", "010-5555-4321")
    page, watch = new_page("phone", "ko")
    console_sign_in(page, stack, "coord1")
    card = find_resident(page, resident, "4321")
    card.get_by_role("link", name="이 주민의 활동 기록하기").click()
    page.get_by_text("김순자 님의 활동").wait_for()
    assert page.get_by_label("주민 지갑 주소").input_value() == resident["address"]
    page.get_by_label("시간", exact=True).fill("2")
    page.get_by_label("분", exact=True).fill("30")
    page.locator("#preview").get_by_text(re.compile(r"2시간 30분 → 7.5코인을 받습니다")).wait_for()
    page.get_by_role("button", name="기록하고 승인").click()
    page.get_by_text("블록체인에 기록되었습니다.").wait_for(timeout=60_000)
    assert stack.app.state.chain.coin.functions.balanceOf(resident["address"]).call() == 75 * 10**17

    # Revoked from the queue, with a reason: the coins are clawed back on-chain.
    page.get_by_role("link", name="승인").click()
    confirmed = page.locator("[data-status=confirmed]").filter(has_text="2시간 30분").first
    confirmed.get_by_label("취소 이유").fill("다른 날 활동을 잘못 기록함")
    confirmed.get_by_role("button", name="기록 취소").click()
    deadline = datetime.now() + timedelta(seconds=60)
    while stack.app.state.chain.coin.functions.balanceOf(resident["address"]).call() != 0:
        assert datetime.now() < deadline, "the revocation did not claw the coins back"
        page.wait_for_timeout(500)
    screenshot(page, "coordinator_single")
    assert watch.unexpected() == []



def test_coordinator_forgets_a_resident_on_request(stack, new_page, coordinator):
    resident = register(stack, coordinator, "이정숙", "010-6666-2468")
    page, watch = new_page("phone", "ko")
    console_sign_in(page, stack, "coord1")
    card = find_resident(page, resident, "2468")
    card.get_by_text("잊혀질 권리").click()
    card.get_by_label("요청 근거").fill("2026-12-01 서면 요청 접수")
    card.get_by_role("button", name="정보 지우기").click()
    card.get_by_text("확인란에 표시해 주세요").wait_for()  # not without the confirmation
    card.get_by_label(re.compile("되돌릴 수 없음을 압니다")).check()
    card.get_by_role("button", name="정보 지우기").click()
    page.locator(f"[data-resident='{resident['id']}']").wait_for(state="detached")
    assert stack.http.get(f"/residents/{resident['id']}", headers=coordinator).status_code == 404
    assert watch.unexpected() == []

def test_officer_report(stack, new_page, areas):
    reporter = BrowserWallet.create()
    page, resident_watch = new_page("phone", "ko", wallet=reporter)
    page.goto(f"{stack.url}/app/#/report")
    page.get_by_role("button", name=re.compile("Test Wallet")).click()
    page.get_by_label("동네").select_option("seocho-seocho2")
    page.get_by_label("어디에서").fill("서초2동 주민센터 뒤 빌라 3층")
    page.get_by_label("어떤 상황인가요").fill("혼자 사시는 어르신이 며칠째 보이지 않고 우편물이 쌓여 있습니다.")
    page.get_by_role("button", name="복지 담당자에게 보내기").click()
    page.get_by_text(re.compile(r"\d+번으로 접수되었습니다")).wait_for()
    report_id = int(re.search(r"(\d+)번으로", page.get_by_text(re.compile("접수되었습니다")).inner_text()).group(1))

    officer, watch = new_page("desktop", "ko")
    console_sign_in(officer, stack, "officer1")
    officer.locator(f"[data-report='{report_id}'] a").click()
    officer.get_by_text("혼자 사시는 어르신이 며칠째 보이지 않고").wait_for()
    officer.get_by_label("메모").fill("방문 확인, 긴급 지원 연계함")
    officer.get_by_role("button", name=re.compile("도움 필요 확인")).click()
    officer.locator("dd[data-status=confirmed]").wait_for()
    log = officer.locator("#access-log li").all_inner_texts()
    assert any("열어 봄" in x for x in log) and any("처리함" in x for x in log)
    screenshot(officer, "officer_report")

    # The reporter's reward (5 coins) arrives in their history.
    page.goto(f"{stack.url}/app/#/home")
    page.locator("ul.history li[data-kind=earned]").first.wait_for(timeout=60_000)
    assert "+5코인" in page.locator("ul.history li[data-kind=earned]").first.inner_text()
    assert watch.unexpected() == [] and resident_watch.unexpected() == []



def test_a_reset_password_is_replaced_by_its_owner_first(stack, new_page):
    """The city resets a welfare officer's password in the console; the officer signs in with the temporary one and
    must set their own before seeing anything (the admin cannot become the officer)."""
    admin = stack.login("admin")
    r = stack.http.post("/staff", json={"username": "officer9", "password": PASSWORD, "role": "welfare_officer",
                                        "centre_id": 1}, headers=admin)
    assert r.status_code == 201, r.text
    page, watch = new_page("desktop", "ko")
    console_sign_in(page, stack, "admin")
    page.get_by_role("link", name="직원 계정").click()
    row = page.locator("[data-staff='officer9']")
    row.get_by_text("비밀번호 재설정").click()
    row.get_by_label("임시 비밀번호").fill("temporary-2026")
    row.get_by_role("button", name="저장").click()
    page.locator("[data-staff='officer9']").get_by_text("임시 비밀번호").first.wait_for()

    officer, officer_watch = new_page("phone", "ko")
    officer.goto(f"{stack.url}/console/")
    officer.get_by_label("아이디").fill("officer9")
    officer.get_by_label("비밀번호").fill("temporary-2026")
    officer.get_by_role("button", name="로그인").click()
    officer.get_by_role("heading", name="내 비밀번호 정하기").wait_for()
    officer.get_by_label("새 비밀번호", exact=True).fill("my-own-secret-9")
    officer.get_by_label("새 비밀번호 한 번 더").fill("my-own-secret-9")
    officer.get_by_role("button", name="비밀번호 정하고 계속하기").click()
    officer.locator("nav.tabs").wait_for()
    assert stack.http.post("/auth/login", json={"username": "officer9", "password": "temporary-2026"}).status_code == 401
    assert watch.unexpected() == [] and officer_watch.unexpected(allowed_statuses=(403,)) == []

def test_admin_rules(stack, new_page, coordinator):
    """The city publishes a new version of a rule from the console — previewed (dry run), then sent and mined —
    and the next activity of that kind earns by it; the history lists both versions."""
    page, watch = new_page("desktop", "ko")
    console_sign_in(page, stack, "admin")
    rule = page.locator("[data-category='2']")  # attending a class: 1 coin a class by default
    rule.wait_for()
    assert rule.get_by_role("button", name="적용").is_hidden()  # nothing is sent before its preview
    rule.get_by_label("코인").fill("2")
    rule.get_by_role("button", name="미리 보기").click()
    rule.locator("[data-dry-run=ok]").wait_for()
    assert "setRule" in rule.locator("[data-dry-run=ok]").inner_text() or "Rule" in rule.locator("[data-dry-run=ok]").inner_text()
    rule.get_by_role("button", name="적용").click()
    page.locator("main > [data-applied=confirmed]").wait_for(timeout=60_000)  # the screen again, saying so
    page.get_by_role("heading", name="강좌 수강 · 2번째 규칙").wait_for()

    from datetime import UTC, datetime, timedelta
    volunteer = Account.create().address
    r = stack.http.post("/activities", json={"centre_id": 1, "volunteer": volunteer, "category": 2, "units": 1, "approve": True,
                                             "occurred_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat()}, headers=coordinator)
    assert r.status_code in (200, 201), r.text
    assert stack.wait_activity(r.json()["id"], coordinator)["status"] == "confirmed"
    assert stack.app.state.chain.coin.functions.balanceOf(volunteer).call() == 2 * 10**18

    page.reload()
    rule = page.locator("[data-category='2']")
    rule.locator("summary").click()
    rule.locator("details ol li").nth(1).wait_for()
    assert rule.locator("details ol li").count() >= 2
    screenshot(page, "admin_rules")
    assert watch.unexpected() == []


def test_admin_exports_a_centres_data(stack, new_page, coordinator):
    """One click gives the city's archive a ZIP of a centre's CSV files, and the export is in the audit log."""
    import io
    import zipfile

    record_single = stack.http.post("/activities", json={"centre_id": 1, "volunteer": Account.create().address, "category": 1,
                                                         "units": 60, "approve": True,
                                                         "occurred_at": (datetime.now(KST) - timedelta(hours=3)).isoformat()},
                                    headers=coordinator)
    assert record_single.status_code in (200, 201), record_single.text
    page, watch = new_page("desktop", "ko")
    console_sign_in(page, stack, "admin")
    page.get_by_role("link", name="시 설정").click()
    with page.expect_download() as download:
        page.locator("[data-centre='1']").get_by_role("button", name=re.compile("자료 내려받기")).click()
    archive = zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read()))
    assert {"README.txt", "activities.csv", "residents.csv", "reports.csv", "settlements.csv"} <= set(archive.namelist())
    activities = archive.read("activities.csv").decode("utf-8-sig").splitlines()
    assert activities[0].startswith("activity_id,") and len(activities) >= 2
    page.get_by_role("link", name="감사 기록").click()
    page.locator("#audit tbody tr").filter(has_text="export_centre").first.wait_for()
    assert watch.unexpected() == []
